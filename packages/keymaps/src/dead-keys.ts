/**
 * Dead keys: an accent key that types nothing by itself and changes the character typed next (´ then e types é).
 * What a dead key and the next character make is the precomposed character of the pair (Unicode NFC), kept only when
 * it is in Latin-1: the compositions X11's Compose tables and Windows' dead-key tables both have for these layouts.
 */

export const DEAD_KEYS = {
  dead_grave: { keysym: 0xfe50, mark: '\u0300', accent: '`', space: '`' },
  /** X11 makes ´ + space an apostrophe and Windows an acute accent: no spacing form is typed through it. */
  dead_acute: { keysym: 0xfe51, mark: '\u0301', accent: '´' },
  dead_circumflex: { keysym: 0xfe52, mark: '\u0302', accent: '^', space: '^' },
  dead_tilde: { keysym: 0xfe53, mark: '\u0303', accent: '~', space: '~' },
  /** X11 makes ¨ + space a double quote and Windows a diaeresis: no spacing form either. */
  dead_diaeresis: { keysym: 0xfe57, mark: '\u0308', accent: '¨' },
} as const satisfies Record<
  string,
  {
    readonly keysym: number;
    /** The combining mark it adds. */
    readonly mark: string;
    /** The spacing accent: the keysym QEMU's "nodeadkeys" keymaps list on the dead key's place. */
    readonly accent: string;
    /** What it and a space type, where both X11 and Windows agree. */
    readonly space?: string;
  }
>;

export type DeadKey = keyof typeof DEAD_KEYS;

export function isDeadKey(name: string): name is DeadKey {
  return Object.hasOwn(DEAD_KEYS, name);
}

/** What `dead` followed by `next` types, or undefined when the pair makes nothing. */
export function composeDead(dead: DeadKey, next: string): string | undefined {
  const info: { readonly mark: string; readonly space?: string } = DEAD_KEYS[dead];
  if (next === ' ') return info.space;
  const composed = (next + info.mark).normalize('NFC');
  const cp = composed.codePointAt(0)!;
  return composed.length === 1 && cp >= 0xa0 && cp <= 0xff ? composed : undefined;
}
