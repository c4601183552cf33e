import { NAMED_KEYS, type KeyStroke } from '../shared/keymaps.ts';

/**
 * The key sequences the console sends besides what the user types: the send-keys menu's combinations, and the
 * letter of a console shortcut on any keyboard layout. Pure data and functions; text typed as keys ("paste as keys")
 * is planned by the keymaps package (planLayoutTyping, planCharacterTyping).
 */

export type { KeyStroke };

interface Key {
  readonly keysym: number;
  readonly code: string;
}

const { Control_L: CTRL, Alt_L: ALT } = NAMED_KEYS;
const fn = (n: number): Key => NAMED_KEYS[`F${n}` as keyof typeof NAMED_KEYS];

/** Presses the keys in order, then releases them in reverse: a chord. */
export function chord(keys: readonly Key[]): KeyStroke[] {
  return [
    ...keys.map((k) => ({ keysym: k.keysym, code: k.code, down: true })),
    ...[...keys].reverse().map((k) => ({ keysym: k.keysym, code: k.code, down: false })),
  ];
}

export interface SpecialKeys {
  readonly id: string;
  readonly label: string;
  readonly strokes: readonly KeyStroke[];
}

/** The send-keys menu, in display order. */
export const SEND_KEYS: readonly SpecialKeys[] = [
  ...Array.from({ length: 12 }, (_, i) => ({
    id: `ctrl-alt-f${i + 1}`,
    label: `Ctrl+Alt+F${i + 1}`,
    strokes: chord([CTRL, ALT, fn(i + 1)]),
  })),
  { id: 'ctrl-alt-backspace', label: 'Ctrl+Alt+Backspace', strokes: chord([CTRL, ALT, NAMED_KEYS.BackSpace]) },
  { id: 'print-screen', label: 'Print Screen', strokes: chord([NAMED_KEYS.Print]) },
  { id: 'windows', label: 'Windows key', strokes: chord([NAMED_KEYS.Super_L]) },
  { id: 'alt-tab', label: 'Alt+Tab', strokes: chord([ALT, NAMED_KEYS.Tab]) },
  { id: 'alt-f4', label: 'Alt+F4', strokes: chord([ALT, fn(4)]) },
  { id: 'escape', label: 'Escape', strokes: chord([NAMED_KEYS.Escape]) },
];

type ShortcutEvent = Pick<KeyboardEvent, 'key' | 'code' | 'getModifierState'>;

/**
 * The letter a console shortcut (Ctrl+Alt+<letter>) was typed with, on any layout: the letter the key types where it
 * is a–z (so a German keyboard's Y is the key labelled Y), else, for a letter of another script (Cyrillic, Greek), the
 * physical key's. Symbols are never shortcuts, nor letters typed with AltGr: a Windows browser reports AltGr as
 * Ctrl+Alt, and AltGr+key is a character for the guest.
 */
export function shortcutLetter(event: ShortcutEvent): string | undefined {
  const key = event.key.toLowerCase();
  if (/^[a-z]$/.test(key)) return key;
  if (!/^\p{L}$/u.test(event.key) || event.getModifierState('AltGraph')) return undefined;
  const physical = /^Key([A-Z])$/.exec(event.code);
  return physical ? physical[1]!.toLowerCase() : undefined;
}
