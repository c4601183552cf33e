import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEAD_KEYS,
  KEYMAPS,
  keymapById,
  NAMED_KEYS,
  planCharacterTyping,
  planLayoutTyping,
  readPlatformKeymap,
  SCANCODES,
} from '../src/index.ts';

const de = keymapById('de')!;
const fr = keymapById('fr')!;
const es = keymapById('es')!;

/** noVNC's KeyboardEvent.code → scan code table, as it puts them on the wire (E0 xx becomes 0x80 | xx). */
function noVncScancodes(): Map<string, number> {
  const require = createRequire(import.meta.url);
  const rfb = require.resolve('@novnc/novnc');
  const source = readFileSync(path.join(path.dirname(rfb), 'input', 'xtscancodes.js'), 'utf8');
  const table = new Map<string, number>();
  for (const [, code, value] of source.matchAll(/"(\w+)": (0x[0-9a-f]+)/g)) {
    const n = Number(value);
    table.set(code!, n >> 8 === 0xe0 && (n & 0xff) < 0x7f ? 0x80 | (n & 0xff) : n);
  }
  return table;
}

describe('physical keys', () => {
  it('give every key the scan code noVNC sends for its KeyboardEvent.code', () => {
    const novnc = noVncScancodes();
    expect(novnc.size).toBeGreaterThan(100);
    for (const [code, scancode] of Object.entries(SCANCODES)) expect([code, novnc.get(code)]).toEqual([code, scancode]);
  });
});

describe('platform:keymap', () => {
  it('names a layout, nothing, or something without a table', () => {
    expect(readPlatformKeymap('de')).toEqual({ kind: 'known', keymap: de });
    expect(readPlatformKeymap(' FR ')).toEqual({ kind: 'known', keymap: fr });
    expect(readPlatformKeymap(undefined)).toEqual({ kind: 'unset' });
    expect(readPlatformKeymap('  ')).toEqual({ kind: 'unset' });
    expect(readPlatformKeymap('tlh')).toEqual({ kind: 'unknown', value: 'tlh' });
    expect(readPlatformKeymap('x'.repeat(500))).toEqual({ kind: 'unknown', value: `${'x'.repeat(40)}…` });
  });

  it('has a table for each layout the issue names', () => {
    expect(KEYMAPS.map((k) => k.id)).toEqual([
      'en-us',
      'en-gb',
      'de',
      'de-ch',
      'fr',
      'fr-be',
      'es',
      'it',
      'pt-br',
      'sv',
      'ja',
    ]);
  });
});

describe('paste as keys on a layout', () => {
  const { Shift_L: SHIFT, ISO_Level3_Shift: ALTGR } = NAMED_KEYS;
  const tap = (keysym: number, code: string) => [
    { keysym, code, down: true },
    { keysym, code, down: false },
  ];
  const around = (mod: { keysym: number; code: string }, inner: object[]) => [
    { keysym: mod.keysym, code: mod.code, down: true },
    ...inner,
    { keysym: mod.keysym, code: mod.code, down: false },
  ];

  it('presses AltGr and Shift where the layout needs them', () => {
    const plan = planLayoutTyping(de, 'z@Ü');
    expect(plan.untypable).toEqual([]);
    expect(plan.characters).toEqual([
      tap(0x7a, 'KeyY'),
      around(ALTGR, tap(0x40, 'KeyQ')),
      around(SHIFT, tap(0xdc, 'BracketLeft')),
    ]);
    expect(planLayoutTyping(keymapById('it')!, '{').characters).toEqual([
      around(SHIFT, around(ALTGR, tap(0x7b, 'BracketLeft'))),
    ]);
  });

  it('types an accented letter the layout has no key for as a dead key and the letter', () => {
    // On de the dead key is sent as the spacing accent (QEMU's German keymap has no dead keys); on es as dead_acute.
    expect(planLayoutTyping(de, 'é').characters).toEqual([[...tap(0xb4, 'Equal'), ...tap(0x65, 'KeyE')]]);
    expect(planLayoutTyping(es, 'é').characters).toEqual([
      [...tap(DEAD_KEYS.dead_acute.keysym, 'Quote'), ...tap(0x65, 'KeyE')],
    ]);
    expect(planLayoutTyping(de, '^').characters).toEqual([[...tap(0x5e, 'Backquote'), ...tap(0x20, 'Space')]]);
    // A key of its own beats a composition: ñ is one key on es.
    expect(planLayoutTyping(es, 'ñ').characters).toEqual([tap(0xf1, 'Semicolon')]);
  });

  it('lists what it cannot type, once per character with its count, and types the rest', () => {
    const plan = planLayoutTyping(keymapById('ja')!, 'a東\u0007b東😀\r\nc');
    expect(plan.untypable).toEqual([
      { char: '東', count: 2, codePoint: 0x6771 },
      { char: '\u0007', count: 1, codePoint: 7 },
      { char: '😀', count: 1, codePoint: 0x1f600 },
    ]);
    expect(plan.characters.map((strokes) => strokes[0]!.code)).toEqual(['KeyA', 'KeyB', 'Enter', 'KeyC']);
  });
});

describe('QEMU keysym path', () => {
  it('takes the place of a keysym whose level matches the modifiers held, else the first', () => {
    // fr has ^ as AltGr+9 and as the dead circumflex (spacing accent, QEMU's nodeadkeys keymap).
    expect(fr.keyForKeysym(0x5e, { shift: false, altGr: true })).toBe('Digit9');
    expect(fr.keyForKeysym(0x5e, { shift: false, altGr: false })).toBe('BracketLeft');
    expect(de.keyForKeysym(0x40, { shift: true, altGr: false })).toBe('KeyQ');
    expect(de.keyForKeysym(0x20ac, { shift: false, altGr: false })).toBe('KeyE');
    expect(de.keyForKeysym(0x1000000 + 0x20ac, { shift: false, altGr: false })).toBe('KeyE');
    expect(de.keyForKeysym(0x1000000 + 0x6771, { shift: false, altGr: false })).toBeUndefined();
  });
});

describe('paste as characters (vncterm)', () => {
  it('sends Latin-1 keysyms without modifiers and lists the rest', () => {
    const plan = planCharacterTyping('A€é\n');
    expect(plan.characters).toEqual([
      [
        { keysym: 0x41, code: null, down: true },
        { keysym: 0x41, code: null, down: false },
      ],
      [
        { keysym: 0xe9, code: null, down: true },
        { keysym: 0xe9, code: null, down: false },
      ],
      [
        { keysym: NAMED_KEYS.Return.keysym, code: null, down: true },
        { keysym: NAMED_KEYS.Return.keysym, code: null, down: false },
      ],
    ]);
    expect(plan.untypable).toEqual([{ char: '€', count: 1, codePoint: 0x20ac }]);
  });
});
