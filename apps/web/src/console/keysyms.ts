/**
 * X11 keysyms and the key sequences the console sends: the send-keys menu's combinations, and text typed out key by
 * key ("paste as keystrokes") for consoles that have no clipboard. Pure data and functions.
 */

export const KEYSYM = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  Return: 0xff0d,
  Escape: 0xff1b,
  Print: 0xff61,
  Shift_L: 0xffe1,
  Control_L: 0xffe3,
  Alt_L: 0xffe9,
  Super_L: 0xffeb,
  F1: 0xffbe,
} as const;

/** One key press or release: keysym plus the physical key (`KeyboardEvent.code`) for scan-code consoles. */
export interface KeyStroke {
  readonly keysym: number;
  /** Null sends the keysym alone (RFB KeyEvent); the server maps it with its own keymap. */
  readonly code: string | null;
  readonly down: boolean;
}

interface Key {
  readonly keysym: number;
  readonly code: string;
}

const key = (keysym: number, code: string): Key => ({ keysym, code });
const CTRL = key(KEYSYM.Control_L, 'ControlLeft');
const ALT = key(KEYSYM.Alt_L, 'AltLeft');
const fn = (n: number): Key => key(KEYSYM.F1 + n - 1, `F${n}`);

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
  {
    id: 'ctrl-alt-backspace',
    label: 'Ctrl+Alt+Backspace',
    strokes: chord([CTRL, ALT, key(KEYSYM.BackSpace, 'Backspace')]),
  },
  { id: 'print-screen', label: 'Print Screen', strokes: chord([key(KEYSYM.Print, 'PrintScreen')]) },
  { id: 'windows', label: 'Windows key', strokes: chord([key(KEYSYM.Super_L, 'MetaLeft')]) },
  { id: 'alt-tab', label: 'Alt+Tab', strokes: chord([ALT, key(KEYSYM.Tab, 'Tab')]) },
  { id: 'alt-f4', label: 'Alt+F4', strokes: chord([ALT, fn(4)]) },
  { id: 'escape', label: 'Escape', strokes: chord([key(KEYSYM.Escape, 'Escape')]) },
];

/**
 * The keysym for one character: Latin-1 maps to itself (X11 keysyms 0x20–0x7e, 0xa0–0xff), anything else to the
 * Unicode keysym 0x01000000 + code point. Control characters other than tab and newline have none.
 */
export function keysymOf(char: string): number | undefined {
  const cp = char.codePointAt(0);
  if (cp === undefined) return undefined;
  if (char === '\n' || char === '\r') return KEYSYM.Return;
  if (char === '\t') return KEYSYM.Tab;
  if ((cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff)) return cp;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return undefined;
  return 0x01000000 + cp;
}

/** Characters typed with Shift on a US keyboard: the guest sees Shift held, as if a person typed them. */
const SHIFTED = new Set('~!@#$%^&*()_+{}|:"<>?ABCDEFGHIJKLMNOPQRSTUVWXYZ');

export interface TypedText {
  /** Each character as its strokes (one entry per typed character, for progress). */
  readonly characters: readonly (readonly KeyStroke[])[];
  /** Characters that have no key (control characters) and were left out. */
  readonly skipped: number;
}

/**
 * Text as key strokes: each character pressed and released, with Shift around shifted characters; CR LF, CR and LF
 * each become one Return. Keysyms only (code null), so the server's keymap decides the scan codes.
 */
export function textToKeystrokes(text: string): TypedText {
  const characters: KeyStroke[][] = [];
  let skipped = 0;
  const normalized = text.replace(/\r\n?/g, '\n');
  for (const char of normalized) {
    const keysym = keysymOf(char);
    if (keysym === undefined) {
      skipped += 1;
      continue;
    }
    const press: KeyStroke[] = [
      { keysym, code: null, down: true },
      { keysym, code: null, down: false },
    ];
    characters.push(
      SHIFTED.has(char)
        ? [
            { keysym: KEYSYM.Shift_L, code: null, down: true },
            ...press,
            { keysym: KEYSYM.Shift_L, code: null, down: false },
          ]
        : press,
    );
  }
  return { characters, skipped };
}
