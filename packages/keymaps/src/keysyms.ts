import type { KeyCode } from './physical-keys.ts';

/**
 * X11 keysyms (X11/keysymdef.h), which RFB's KeyEvent carries: what a key means, as opposed to where it is.
 */

/** Keys that are not characters, with the physical key a client presses for each. */
export const NAMED_KEYS = {
  BackSpace: { keysym: 0xff08, code: 'Backspace' },
  Tab: { keysym: 0xff09, code: 'Tab' },
  Return: { keysym: 0xff0d, code: 'Enter' },
  Escape: { keysym: 0xff1b, code: 'Escape' },
  Home: { keysym: 0xff50, code: 'Home' },
  Left: { keysym: 0xff51, code: 'ArrowLeft' },
  Up: { keysym: 0xff52, code: 'ArrowUp' },
  Right: { keysym: 0xff53, code: 'ArrowRight' },
  Down: { keysym: 0xff54, code: 'ArrowDown' },
  Page_Up: { keysym: 0xff55, code: 'PageUp' },
  Page_Down: { keysym: 0xff56, code: 'PageDown' },
  End: { keysym: 0xff57, code: 'End' },
  Print: { keysym: 0xff61, code: 'PrintScreen' },
  Insert: { keysym: 0xff63, code: 'Insert' },
  Menu: { keysym: 0xff67, code: 'ContextMenu' },
  KP_Enter: { keysym: 0xff8d, code: 'NumpadEnter' },
  Shift_L: { keysym: 0xffe1, code: 'ShiftLeft' },
  Shift_R: { keysym: 0xffe2, code: 'ShiftRight' },
  Control_L: { keysym: 0xffe3, code: 'ControlLeft' },
  Control_R: { keysym: 0xffe4, code: 'ControlRight' },
  Caps_Lock: { keysym: 0xffe5, code: 'CapsLock' },
  Alt_L: { keysym: 0xffe9, code: 'AltLeft' },
  Alt_R: { keysym: 0xffea, code: 'AltRight' },
  /** What noVNC sends for AltGr, and QEMU's keymaps put on the right Alt key. */
  ISO_Level3_Shift: { keysym: 0xfe03, code: 'AltRight' },
  Mode_switch: { keysym: 0xff7e, code: 'AltRight' },
  Super_L: { keysym: 0xffeb, code: 'MetaLeft' },
  Super_R: { keysym: 0xffec, code: 'MetaRight' },
  Delete: { keysym: 0xffff, code: 'Delete' },
  F1: { keysym: 0xffbe, code: 'F1' },
  F2: { keysym: 0xffbf, code: 'F2' },
  F3: { keysym: 0xffc0, code: 'F3' },
  F4: { keysym: 0xffc1, code: 'F4' },
  F5: { keysym: 0xffc2, code: 'F5' },
  F6: { keysym: 0xffc3, code: 'F6' },
  F7: { keysym: 0xffc4, code: 'F7' },
  F8: { keysym: 0xffc5, code: 'F8' },
  F9: { keysym: 0xffc6, code: 'F9' },
  F10: { keysym: 0xffc7, code: 'F10' },
  F11: { keysym: 0xffc8, code: 'F11' },
  F12: { keysym: 0xffc9, code: 'F12' },
} as const satisfies Record<string, { keysym: number; code: KeyCode }>;

export type NamedKey = keyof typeof NAMED_KEYS;

const NAMED_BY_KEYSYM = new Map<number, KeyCode>(Object.values(NAMED_KEYS).map((k) => [k.keysym, k.code]));

/** The physical key of a non-character keysym (Shift_L → ShiftLeft), as QEMU's keymaps place them. */
export function keyOfNamedKeysym(keysym: number): KeyCode | undefined {
  return NAMED_BY_KEYSYM.get(keysym);
}

/** The one legacy keysym in the layouts' tables outside Latin-1; noVNC and QEMU's keymaps use it rather than U+20AC's. */
const EURO_SIGN = 0x20ac;

/**
 * The keysym of one character: Latin-1 is its own code point (0x20–0x7e, 0xa0–0xff), € is EuroSign, anything else
 * the Unicode keysym 0x01000000 + code point. Control characters have none.
 */
export function keysymOfChar(char: string): number | undefined {
  const cp = char.codePointAt(0);
  if (cp === undefined || [...char].length !== 1) return undefined;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return undefined;
  if (cp <= 0xff) return cp;
  if (char === '€') return EURO_SIGN;
  return 0x01000000 + cp;
}

/** The character a keysym stands for (Latin-1, EuroSign, Unicode keysyms); undefined for keys and dead keys. */
export function charOfKeysym(keysym: number): string | undefined {
  if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) return String.fromCharCode(keysym);
  if (keysym === EURO_SIGN) return '€';
  if (keysym >= 0x010000a0 && keysym <= 0x0110ffff) return String.fromCodePoint(keysym - 0x01000000);
  return undefined;
}
