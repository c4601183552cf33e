import { Keymap } from './layout.ts';
import { de } from './layouts/de.ts';
import { deCH } from './layouts/de-ch.ts';
import { enGB } from './layouts/en-gb.ts';
import { enUS } from './layouts/en-us.ts';
import { es } from './layouts/es.ts';
import { frBE } from './layouts/fr-be.ts';
import { fr } from './layouts/fr.ts';
import { it } from './layouts/it.ts';
import { ja } from './layouts/ja.ts';
import { ptBR } from './layouts/pt-br.ts';
import { sv } from './layouts/sv.ts';

/** Every layout with a table, in the order a person picks from. */
export const KEYMAPS: readonly Keymap[] = [enUS, enGB, de, deCH, fr, frBE, es, it, ptBR, sv, ja].map(
  (table) => new Keymap(table),
);

/** QEMU's keymap when the VM names none. */
export const DEFAULT_KEYMAP = KEYMAPS[0]!;

export function keymapById(id: string): Keymap | undefined {
  return KEYMAPS.find((k) => k.id === id);
}

/** What a VM's `platform:keymap` says about its layout. */
export type PlatformKeymap =
  | { readonly kind: 'known'; readonly keymap: Keymap }
  | { readonly kind: 'unset' }
  /** A value with no table here (shortened for display). */
  | { readonly kind: 'unknown'; readonly value: string };

const SHOWN_VALUE = 40;

/** Reads `platform:keymap` (QEMU's `-k` names; case and surrounding spaces are not significant). */
export function readPlatformKeymap(value: string | undefined): PlatformKeymap {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') return { kind: 'unset' };
  const keymap = keymapById(trimmed.toLowerCase());
  if (keymap) return { kind: 'known', keymap };
  const shown = [...trimmed].slice(0, SHOWN_VALUE).join('');
  return { kind: 'unknown', value: shown.length < trimmed.length ? `${shown}…` : shown };
}
