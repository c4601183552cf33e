/**
 * Physical keys: the browser's `KeyboardEvent.code` names and the scan codes QEMU's extended key event carries for
 * them (PC/XT set 1; an E0-prefixed key as 0x80 | its second byte, which is what noVNC puts on the wire). A key's
 * code names its place on the keyboard, not what is printed on it: `KeyY` is the key a German keyboard labels Z.
 */

export const SCANCODES = {
  Escape: 0x01,
  Digit1: 0x02,
  Digit2: 0x03,
  Digit3: 0x04,
  Digit4: 0x05,
  Digit5: 0x06,
  Digit6: 0x07,
  Digit7: 0x08,
  Digit8: 0x09,
  Digit9: 0x0a,
  Digit0: 0x0b,
  Minus: 0x0c,
  Equal: 0x0d,
  Backspace: 0x0e,
  Tab: 0x0f,
  KeyQ: 0x10,
  KeyW: 0x11,
  KeyE: 0x12,
  KeyR: 0x13,
  KeyT: 0x14,
  KeyY: 0x15,
  KeyU: 0x16,
  KeyI: 0x17,
  KeyO: 0x18,
  KeyP: 0x19,
  BracketLeft: 0x1a,
  BracketRight: 0x1b,
  Enter: 0x1c,
  ControlLeft: 0x1d,
  KeyA: 0x1e,
  KeyS: 0x1f,
  KeyD: 0x20,
  KeyF: 0x21,
  KeyG: 0x22,
  KeyH: 0x23,
  KeyJ: 0x24,
  KeyK: 0x25,
  KeyL: 0x26,
  Semicolon: 0x27,
  Quote: 0x28,
  Backquote: 0x29,
  ShiftLeft: 0x2a,
  Backslash: 0x2b,
  KeyZ: 0x2c,
  KeyX: 0x2d,
  KeyC: 0x2e,
  KeyV: 0x2f,
  KeyB: 0x30,
  KeyN: 0x31,
  KeyM: 0x32,
  Comma: 0x33,
  Period: 0x34,
  Slash: 0x35,
  ShiftRight: 0x36,
  AltLeft: 0x38,
  Space: 0x39,
  CapsLock: 0x3a,
  F1: 0x3b,
  F2: 0x3c,
  F3: 0x3d,
  F4: 0x3e,
  F5: 0x3f,
  F6: 0x40,
  F7: 0x41,
  F8: 0x42,
  F9: 0x43,
  F10: 0x44,
  /** noVNC sends Print Screen as SysRq (its scan code without the E0 prefix). */
  PrintScreen: 0x54,
  /** The extra key left of Z on ISO (European) keyboards. */
  IntlBackslash: 0x56,
  F11: 0x57,
  F12: 0x58,
  /** Japanese keyboards: the key left of right Shift (ろ), and the yen key left of Backspace. */
  IntlRo: 0x73,
  IntlYen: 0x7d,
  NumpadEnter: 0x9c,
  ControlRight: 0x9d,
  AltRight: 0xb8,
  Home: 0xc7,
  ArrowUp: 0xc8,
  PageUp: 0xc9,
  ArrowLeft: 0xcb,
  ArrowRight: 0xcd,
  End: 0xcf,
  ArrowDown: 0xd0,
  PageDown: 0xd1,
  Insert: 0xd2,
  Delete: 0xd3,
  MetaLeft: 0xdb,
  MetaRight: 0xdc,
  ContextMenu: 0xdd,
} as const;

export type KeyCode = keyof typeof SCANCODES;

const BY_SCANCODE = new Map<number, KeyCode>(
  Object.entries(SCANCODES).map(([code, scancode]) => [scancode, code as KeyCode]),
);

export function isKeyCode(code: string): code is KeyCode {
  return Object.hasOwn(SCANCODES, code);
}

/** The key a scan code stands for; XenCenter's 0xE0-prefixed form (0xe053) reads as the 0x80 form (0xd3). */
export function keyOfScancode(scancode: number): KeyCode | undefined {
  const folded = (scancode & 0xff00) === 0xe000 ? 0x80 | (scancode & 0x7f) : scancode;
  return BY_SCANCODE.get(folded);
}

/** The modifier keys, by what they do in the guest. */
export const MODIFIER_KEYS = {
  shift: ['ShiftLeft', 'ShiftRight'],
  control: ['ControlLeft', 'ControlRight'],
  alt: ['AltLeft'],
  /** The right Alt key: AltGr on layouts that have it, a second Alt on those that do not. */
  altRight: ['AltRight'],
  meta: ['MetaLeft', 'MetaRight'],
} as const satisfies Record<string, readonly KeyCode[]>;
