import { DEAD_KEYS, composeDead, isDeadKey, type DeadKey } from './dead-keys.ts';
import { keysymOfChar, NAMED_KEYS } from './keysyms.ts';
import type { KeyCode } from './physical-keys.ts';

/** The keys that type characters (besides Space, Enter and Tab, which are the same on every layout). */
export type WritingKey = Extract<
  KeyCode,
  | `Digit${number}`
  | `Key${string}`
  | 'Backquote'
  | 'Minus'
  | 'Equal'
  | 'IntlYen'
  | 'BracketLeft'
  | 'BracketRight'
  | 'Semicolon'
  | 'Quote'
  | 'Backslash'
  | 'IntlBackslash'
  | 'Comma'
  | 'Period'
  | 'Slash'
  | 'IntlRo'
>;

/** 0 plain, 1 Shift, 2 AltGr, 3 Shift+AltGr (xkb's levels 1–4). */
export type Level = 0 | 1 | 2 | 3;

/** One level of a key: a character, a dead key's name (`dead_acute`), or null for nothing. */
export type LevelSymbol = string | null;

/** What a key types at each level, in level order; missing levels type nothing. */
export type KeyLevels = readonly [LevelSymbol, LevelSymbol?, LevelSymbol?, LevelSymbol?];

/**
 * One keyboard layout as a table: for each physical key, what it types at each level. The name is the VM's
 * `platform:keymap` value (QEMU's `-k` names).
 */
export interface LayoutTable {
  readonly id: string;
  readonly name: string;
  /** The right Alt key is AltGr (levels 3 and 4); without it, it is a second Alt. */
  readonly altGr: boolean;
  /**
   * QEMU's keymap of this name is xkb's "nodeadkeys" variant: its keysym→scan code table reaches the dead keys
   * through their spacing accents (`acute`), not their dead keysyms (`dead_acute`).
   */
  readonly qemuNoDeadKeys?: boolean;
  readonly keys: { readonly [K in WritingKey]?: KeyLevels };
}

export type KeySymbol =
  { readonly kind: 'char'; readonly char: string } | { readonly kind: 'dead'; readonly dead: DeadKey };

/** One key tapped at a level (its modifiers held around it), with the keysym a keysym-only server is sent for it. */
export interface Press {
  readonly code: KeyCode;
  readonly level: Level;
  readonly keysym: number;
}

/** The same on every layout: Space types a space with or without Shift; Enter and Tab type line breaks and tabs. */
const COMMON_KEYS: readonly (readonly [KeyCode, KeyLevels])[] = [
  ['Space', [' ', ' ']],
  ['Enter', ['\n', '\n']],
  ['Tab', ['\t']],
];

const LEVELS: readonly Level[] = [0, 1, 2, 3];

export function levelOf(shift: boolean, altGr: boolean): Level {
  return ((shift ? 1 : 0) + (altGr ? 2 : 0)) as Level;
}

/** A layout table compiled for lookups both ways: key → symbol (a guest), character → key presses (paste). */
/** A layout's lookup tables, built from its declarative table. */
interface Tables {
  readonly symbols: ReadonlyMap<KeyCode, readonly (KeySymbol | undefined)[]>;
  readonly direct: ReadonlyMap<string, Press>;
  readonly composed: ReadonlyMap<string, readonly [Press, Press]>;
  /** QEMU's keysym → key table: keysym (low 16 bits, as QEMU looks them up) → every place it is on. */
  readonly byKeysym: ReadonlyMap<number, readonly Press[]>;
}

export class Keymap {
  readonly id: string;
  readonly name: string;
  readonly altGr: boolean;
  /**
   * Built on first use: every layout is listed as the console's code loads, and building them all (dead keys composed
   * with every character) held a new console tab's first frame back; a console uses one layout, if any.
   */
  private built: Tables | undefined;

  constructor(private readonly table: LayoutTable) {
    this.id = table.id;
    this.name = table.name;
    this.altGr = table.altGr;
  }

  private get tables(): Tables {
    return (this.built ??= this.build());
  }

  private build(): Tables {
    const table = this.table;
    const symbols = new Map<KeyCode, readonly (KeySymbol | undefined)[]>();
    const direct = new Map<string, Press>();
    const composed = new Map<string, readonly [Press, Press]>();
    const byKeysym = new Map<number, readonly Press[]>();
    const keys: (readonly [KeyCode, KeyLevels])[] = [
      ...(Object.entries(table.keys) as [KeyCode, KeyLevels][]),
      ...COMMON_KEYS,
    ];
    for (const [code, levels] of keys) {
      if (levels.length > (table.altGr ? 4 : 2))
        throw new Error(`${table.id}: ${code} has more levels than the layout`);
      symbols.set(
        code,
        levels.map((s) => parseSymbol(table.id, code, s)),
      );
    }
    for (const level of LEVELS) {
      for (const [code, levelSymbols] of symbols) {
        const symbol = levelSymbols[level];
        if (!symbol) continue;
        const press = { code, level, keysym: this.keysymOf(symbol) };
        const places = byKeysym.get(press.keysym & 0xffff) ?? [];
        byKeysym.set(press.keysym & 0xffff, [...places, press]);
        if (symbol.kind === 'char' && !direct.has(symbol.char)) direct.set(symbol.char, press);
      }
    }
    for (const level of LEVELS) {
      for (const [code, levelSymbols] of symbols) {
        const symbol = levelSymbols[level];
        if (symbol?.kind !== 'dead') continue;
        const dead = { code, level, keysym: this.keysymOf(symbol) };
        for (const [char, press] of direct) {
          const result = composeDead(symbol.dead, char);
          if (result !== undefined && !direct.has(result) && !composed.has(result)) composed.set(result, [dead, press]);
        }
      }
    }
    return { symbols, direct, composed, byKeysym };
  }

  /** What `code` types at `level`, if anything. */
  symbol(code: KeyCode, level: Level): KeySymbol | undefined {
    return this.tables.symbols.get(code)?.[level];
  }

  /** Caps Lock inverts Shift on this key: its plain and shifted symbols are a letter's two cases. */
  alphabetic(code: KeyCode): boolean {
    const [plain, shifted] = this.tables.symbols.get(code) ?? [];
    return (
      plain?.kind === 'char' &&
      shifted?.kind === 'char' &&
      plain.char !== shifted.char &&
      plain.char.toUpperCase() === shifted.char
    );
  }

  /** The key presses that type `char` on this layout (a dead key and a letter for é on a German one), if any. */
  presses(char: string): readonly Press[] | undefined {
    const { direct, composed } = this.tables;
    const press = direct.get(char);
    return press ? [press] : composed.get(char);
  }

  /** Every character this layout types, with Space, Enter ("\n") and Tab ("\t"). */
  get characters(): string[] {
    const { direct, composed } = this.tables;
    return [...direct.keys(), ...composed.keys()];
  }

  /**
   * The key QEMU's `-k` keymap presses for a keysym from a client without extended key events: where the keysym is
   * on several keys, the one whose level matches the modifiers held; else the first (QEMU's keysym2scancode).
   */
  keyForKeysym(keysym: number, held: { shift: boolean; altGr: boolean }): KeyCode | undefined {
    const places = this.tables.byKeysym.get(keysym & 0xffff);
    if (!places) return undefined;
    const level = levelOf(held.shift, held.altGr);
    return (places.find((p) => p.level === level) ?? places[0]!).code;
  }

  private keysymOf(symbol: KeySymbol): number {
    if (symbol.kind === 'dead') {
      const dead = DEAD_KEYS[symbol.dead];
      return this.table.qemuNoDeadKeys ? keysymOfChar(dead.accent)! : dead.keysym;
    }
    if (symbol.char === '\n') return NAMED_KEYS.Return.keysym;
    if (symbol.char === '\t') return NAMED_KEYS.Tab.keysym;
    return keysymOfChar(symbol.char)!;
  }
}

function parseSymbol(layout: string, code: string, symbol: LevelSymbol | undefined): KeySymbol | undefined {
  if (symbol === null || symbol === undefined) return undefined;
  if (isDeadKey(symbol)) return { kind: 'dead', dead: symbol };
  if ([...symbol].length === 1 && (keysymOfChar(symbol) !== undefined || symbol === '\n' || symbol === '\t'))
    return { kind: 'char', char: symbol };
  throw new Error(`${layout}: ${code} has ${JSON.stringify(symbol)}, neither one character nor a known dead key`);
}
