import { describe, expect, it } from 'vitest';
import { KEYSYM, SEND_KEYS, chord, keysymOf, textToKeystrokes } from '../src/console/keysyms.ts';

const downs = (strokes: readonly { keysym: number; down: boolean }[]) =>
  strokes.filter((s) => s.down).map((s) => s.keysym);

describe('keysyms for typed text', () => {
  it('maps Latin-1 to itself and everything else to Unicode keysyms', () => {
    expect(keysymOf('a')).toBe(0x61);
    expect(keysymOf('~')).toBe(0x7e);
    expect(keysymOf('é')).toBe(0xe9);
    expect(keysymOf('€')).toBe(0x01000000 + 0x20ac);
    expect(keysymOf('😀')).toBe(0x01000000 + 0x1f600);
  });

  it('maps newline to Return and tab to Tab, and has no key for other control characters', () => {
    expect(keysymOf('\n')).toBe(KEYSYM.Return);
    expect(keysymOf('\t')).toBe(KEYSYM.Tab);
    expect(keysymOf('\u0007')).toBeUndefined();
    expect(keysymOf('\u0085')).toBeUndefined();
  });
});

describe('paste as keystrokes', () => {
  it('presses and releases each character, wrapping shifted ones in Shift', () => {
    const { characters, skipped } = textToKeystrokes('aB!');
    expect(skipped).toBe(0);
    expect(characters).toHaveLength(3);
    expect(characters[0]).toEqual([
      { keysym: 0x61, code: null, down: true },
      { keysym: 0x61, code: null, down: false },
    ]);
    expect(characters[1]!.map((s) => [s.keysym, s.down])).toEqual([
      [KEYSYM.Shift_L, true],
      [0x42, true],
      [0x42, false],
      [KEYSYM.Shift_L, false],
    ]);
    expect(downs(characters[2]!)).toEqual([KEYSYM.Shift_L, 0x21]);
  });

  it('turns CR LF, CR and LF each into one Return, and skips other control characters', () => {
    const { characters, skipped } = textToKeystrokes('a\r\nb\rc\nd\u0000');
    expect(characters.map((c) => downs(c)[0])).toEqual([
      0x61,
      KEYSYM.Return,
      0x62,
      KEYSYM.Return,
      0x63,
      KEYSYM.Return,
      0x64,
    ]);
    expect(skipped).toBe(1);
  });

  it('keeps characters outside the BMP whole', () => {
    const { characters } = textToKeystrokes('x😀');
    expect(characters).toHaveLength(2);
    expect(downs(characters[1]!)).toEqual([0x01000000 + 0x1f600]);
  });
});

describe('key combinations', () => {
  it('presses in order and releases in reverse, with physical codes for scan-code consoles', () => {
    const backspace = SEND_KEYS.find((k) => k.id === 'ctrl-alt-backspace')!;
    expect(backspace.strokes.map((s) => `${s.code}${s.down ? '↓' : '↑'}`)).toEqual([
      'ControlLeft↓',
      'AltLeft↓',
      'Backspace↓',
      'Backspace↑',
      'AltLeft↑',
      'ControlLeft↑',
    ]);
    expect(chord([{ keysym: 1, code: 'A' }])).toHaveLength(2);
  });

  it('offers the send-keys menu users ask for', () => {
    const labels = SEND_KEYS.map((k) => k.label);
    for (const wanted of [
      'Ctrl+Alt+F1',
      'Ctrl+Alt+F12',
      'Ctrl+Alt+Backspace',
      'Print Screen',
      'Windows key',
      'Alt+Tab',
      'Alt+F4',
    ]) {
      expect(labels).toContain(wanted);
    }
    const f7 = SEND_KEYS.find((k) => k.label === 'Ctrl+Alt+F7')!;
    expect(downs(f7.strokes)).toEqual([KEYSYM.Control_L, KEYSYM.Alt_L, KEYSYM.F1 + 6]);
    for (const keys of SEND_KEYS) expect(keys.strokes.filter((s) => s.down)).toHaveLength(keys.strokes.length / 2);
  });
});
