import { describe, expect, it } from 'vitest';
import { chord, SEND_KEYS, shortcutLetter } from '../src/console/keysyms.ts';
import { NAMED_KEYS } from '../src/shared/keymaps.ts';

const downs = (strokes: readonly { keysym: number; down: boolean }[]) =>
  strokes.filter((s) => s.down).map((s) => s.keysym);

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
    expect(downs(f7.strokes)).toEqual([NAMED_KEYS.Control_L.keysym, NAMED_KEYS.Alt_L.keysym, NAMED_KEYS.F7.keysym]);
    for (const keys of SEND_KEYS) expect(keys.strokes.filter((s) => s.down)).toHaveLength(keys.strokes.length / 2);
  });
});

describe('console shortcut letters on any keyboard layout', () => {
  const event = (key: string, code: string, altGraph = false) => ({
    key,
    code,
    getModifierState: (m: string) => m === 'AltGraph' && altGraph,
  });

  it('takes the letter the key types, not its place (a German Y is where a US Z is)', () => {
    expect(shortcutLetter(event('y', 'KeyZ'))).toBe('y');
    expect(shortcutLetter(event('Y', 'KeyZ'))).toBe('y');
  });

  it('takes the physical key of a letter of another script (Cyrillic)', () => {
    expect(shortcutLetter(event('н', 'KeyY'))).toBe('y');
  });

  it('never takes symbols, nor letters typed with AltGr (a Windows browser reports AltGr as Ctrl+Alt)', () => {
    expect(shortcutLetter(event('@', 'KeyQ', true))).toBeUndefined();
    expect(shortcutLetter(event('ń', 'KeyN', true))).toBeUndefined();
    expect(shortcutLetter(event('€', 'KeyE'))).toBeUndefined();
  });
});
