import type { VmRec } from '../api/wire.ts';
import type { ConsoleKind } from '../navigation/routes.ts';
import { keymapById, readPlatformKeymap, type Keymap } from '../shared/keymaps.ts';

/**
 * How pasted text reaches a console, and which keyboard layout it is typed in. An HVM guest's console is QEMU's:
 * keys arrive as scan codes and the guest's own layout makes them characters, so the text must be typed as that
 * layout's key presses. A PV guest's or a host's console is vncterm's, which reads keysyms as characters: no layout.
 */
export type PasteInput =
  | { readonly kind: 'characters' }
  | { readonly kind: 'layout'; readonly vm: string; readonly platformKeymap: string | undefined };

export function pasteInputOf(kind: ConsoleKind, vm: VmRec | undefined): PasteInput {
  if (kind === 'host' || !vm) return { kind: 'characters' };
  const hvm = vm.domain_type === 'hvm' || (vm.domain_type === 'unspecified' && vm.HVM_boot_policy !== '');
  return hvm ? { kind: 'layout', vm: vm.uuid, platformKeymap: vm.platform.keymap } : { kind: 'characters' };
}

/** The layout to start the paste dialog with, and why (shown under the choice). */
export interface LayoutChoice {
  readonly keymap: Keymap | undefined;
  readonly why: string;
}

const STORAGE_PREFIX = 'xwc.paste-layout.';

/**
 * The layout chosen for this VM earlier, else the one its `platform:keymap` names. With neither, QEMU's default (US
 * English) is offered, saying so; a `platform:keymap` with no table here offers nothing: the user must choose.
 */
export function initialLayout(vm: string, platformKeymap: string | undefined): LayoutChoice {
  const remembered = keymapById(readStored(vm) ?? '');
  if (remembered) return { keymap: remembered, why: 'Chosen for this VM earlier.' };
  const platform = readPlatformKeymap(platformKeymap);
  switch (platform.kind) {
    case 'known':
      return { keymap: platform.keymap, why: `From the VM’s platform:keymap (${platform.keymap.id}).` };
    case 'unset':
      return {
        keymap: keymapById('en-us'),
        why: 'The VM does not name its layout (no platform:keymap), so QEMU assumes US English. Choose the layout the guest uses if it is another.',
      };
    case 'unknown':
      return {
        keymap: undefined,
        why: `The VM’s platform:keymap is “${platform.value}”, which has no layout table here: choose the layout the guest uses.`,
      };
  }
}

/** Remembers the layout chosen for a VM (this browser only). */
export function rememberLayout(vm: string, keymap: Keymap): void {
  try {
    localStorage.setItem(STORAGE_PREFIX + vm, keymap.id);
  } catch {
    // Private browsing: the choice lasts for this dialog only.
  }
}

function readStored(vm: string): string | null {
  try {
    return localStorage.getItem(STORAGE_PREFIX + vm);
  } catch {
    return null;
  }
}
