import { keysymOfChar, NAMED_KEYS } from './keysyms.ts';
import type { Keymap, Press } from './layout.ts';

/** One key press or release: the keysym, and the physical key for servers that take scan codes (null: keysym only). */
export interface KeyStroke {
  readonly keysym: number;
  readonly code: string | null;
  readonly down: boolean;
}

/** A character that cannot be typed, how often the text has it, and its code point for display. */
export interface Untypable {
  readonly char: string;
  readonly count: number;
  readonly codePoint: number;
}

export interface TypingPlan {
  /** Each typable character as its strokes, in order (one entry per character, for progress). */
  readonly characters: readonly (readonly KeyStroke[])[];
  readonly untypable: readonly Untypable[];
}

const SHIFT = NAMED_KEYS.Shift_L;
const ALTGR = NAMED_KEYS.ISO_Level3_Shift;

/** A key tapped at its level: Shift and AltGr pressed around it, released in reverse. */
export function pressStrokes(press: Press): KeyStroke[] {
  const held = [...(press.level & 1 ? [SHIFT] : []), ...(press.level & 2 ? [ALTGR] : [])];
  return [
    ...held.map((k) => ({ keysym: k.keysym, code: k.code, down: true })),
    { keysym: press.keysym, code: press.code, down: true },
    { keysym: press.keysym, code: press.code, down: false },
    ...held.reverse().map((k) => ({ keysym: k.keysym, code: k.code, down: false })),
  ];
}

/**
 * Text as the key presses of the guest's layout (a QEMU console: scan codes decide, and the guest's layout makes
 * them characters): Shift and AltGr where the layout needs them, a dead key before an accented letter it has no key
 * for. CR LF and lone CRs are one line break.
 */
export function planLayoutTyping(keymap: Keymap, text: string): TypingPlan {
  return plan(text, (char) => keymap.presses(char)?.flatMap(pressStrokes));
}

/**
 * Text as keysyms alone, for a console that reads keysyms as characters whatever the keyboard (vncterm, the text
 * console of PV guests and hosts): Latin-1, line breaks and tabs; no modifiers are needed or sent.
 */
export function planCharacterTyping(text: string): TypingPlan {
  return plan(text, (char) => {
    const latin1 = keysymOfChar(char);
    const keysym =
      char === '\n'
        ? NAMED_KEYS.Return.keysym
        : char === '\t'
          ? NAMED_KEYS.Tab.keysym
          : latin1 && latin1 <= 0xff
            ? latin1
            : undefined;
    if (keysym === undefined) return undefined;
    return [
      { keysym, code: null, down: true },
      { keysym, code: null, down: false },
    ];
  });
}

function plan(text: string, strokesOf: (char: string) => KeyStroke[] | undefined): TypingPlan {
  const characters: KeyStroke[][] = [];
  const untypable = new Map<string, number>();
  const cache = new Map<string, KeyStroke[] | undefined>();
  for (const char of text.replace(/\r\n?/g, '\n')) {
    if (!cache.has(char)) cache.set(char, strokesOf(char));
    const strokes = cache.get(char);
    if (strokes) characters.push(strokes);
    else untypable.set(char, (untypable.get(char) ?? 0) + 1);
  }
  return {
    characters,
    untypable: [...untypable].map(([char, count]) => ({ char, count, codePoint: char.codePointAt(0)! })),
  };
}
