import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { VmRec } from '../src/api/wire.ts';
import { initialLayout, pasteInputOf, rememberLayout } from '../src/console/paste-layout.ts';
import { keymapById } from '../src/shared/keymaps.ts';

const vm = (fields: Partial<VmRec>) =>
  ({ uuid: 'vm-1', domain_type: 'hvm', HVM_boot_policy: 'BIOS order', platform: {}, ...fields }) as VmRec;

describe('how a paste reaches a console', () => {
  it('types an HVM guest’s text in its layout, and a PV guest’s or a host’s as characters', () => {
    expect(pasteInputOf('vm', vm({ platform: { keymap: 'fr' } }))).toEqual({
      kind: 'layout',
      vm: 'vm-1',
      platformKeymap: 'fr',
    });
    expect(pasteInputOf('vm', vm({ domain_type: 'unspecified' }))).toMatchObject({ kind: 'layout' });
    expect(pasteInputOf('vm', vm({ domain_type: 'pv', HVM_boot_policy: '' }))).toEqual({ kind: 'characters' });
    expect(pasteInputOf('vm', vm({ domain_type: 'pvh' }))).toEqual({ kind: 'characters' });
    expect(pasteInputOf('host', undefined)).toEqual({ kind: 'characters' });
  });
});

describe('the guest layout a paste starts with', () => {
  const stored = new Map<string, string>();
  beforeEach(() => {
    stored.clear();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => stored.get(k) ?? null,
      setItem: (k: string, v: string) => stored.set(k, v),
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  it('is the VM’s platform:keymap, saying so', () => {
    expect(initialLayout('vm-1', 'de')).toEqual({
      keymap: keymapById('de'),
      why: 'From the VM’s platform:keymap (de).',
    });
  });

  it('is US English when the VM names none (QEMU’s default), saying so', () => {
    const choice = initialLayout('vm-1', undefined);
    expect(choice.keymap).toBe(keymapById('en-us'));
    expect(choice.why).toMatch(/no platform:keymap/);
  });

  it('is nothing for a platform:keymap without a table: the user is asked', () => {
    const choice = initialLayout('vm-1', 'tlh');
    expect(choice.keymap).toBeUndefined();
    expect(choice.why).toMatch(/“tlh”, which has no layout table here: choose/);
  });

  it('is the one chosen earlier for this VM, over its platform:keymap', () => {
    rememberLayout('vm-1', keymapById('sv')!);
    expect(initialLayout('vm-1', 'de')).toEqual({ keymap: keymapById('sv'), why: 'Chosen for this VM earlier.' });
    expect(initialLayout('vm-2', 'de').keymap).toBe(keymapById('de'));
  });
});
