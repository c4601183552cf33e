import { describe, expect, it } from 'vitest';
import { keyStrokes, namedKeyOf, textChange, textStrokes, withModifiers } from '../src/console/touch/soft-typing.ts';
import { scrollForZoom } from '../src/console/touch/touch-view.ts';

const keys = (strokes: readonly { keysym: number; down: boolean }[]) =>
  strokes.map((s) => `${s.keysym.toString(16)}${s.down ? '↓' : '↑'}`);

describe('the on-screen keyboard', () => {
  it('sends an edit of the field as backspaces for what went, then what came', () => {
    expect(textChange('', 'ab')).toEqual({ erase: 0, text: 'ab' });
    expect(textChange('hello teh', 'hello the')).toEqual({ erase: 2, text: 'he' });
    expect(textChange('hello teh', 'hello ')).toEqual({ erase: 3, text: '' });
    expect(textChange('ab', 'abhello')).toEqual({ erase: 0, text: 'hello' });
    // Characters beyond the BMP are one character each, not two halves.
    expect(textChange('a😀', 'a')).toEqual({ erase: 1, text: '' });
  });

  it('presses held modifiers around the next key and releases them after it, in reverse', () => {
    expect(keys(withModifiers(['ctrl', 'alt'], keyStrokes('Delete')))).toEqual([
      'ffe3↓',
      'ffe9↓',
      'ffff↓',
      'ffff↑',
      'ffe9↑',
      'ffe3↑',
    ]);
    expect(keys(withModifiers([], keyStrokes('Escape')))).toEqual(['ff1b↓', 'ff1b↑']);
  });

  it('types text in the guest’s layout, or as characters for a text console', () => {
    const german = { kind: 'layout', vm: 'vm-1', platformKeymap: 'de' } as const;
    // On a German layout @ is AltGr+Q.
    expect(textStrokes(german, '@').map((s) => s.map((k) => k.code))).toEqual([
      ['AltRight', 'KeyQ', 'KeyQ', 'AltRight'],
    ]);
    expect(textStrokes({ kind: 'characters' }, 'é')).toEqual([
      [
        { keysym: 0xe9, code: null, down: true },
        { keysym: 0xe9, code: null, down: false },
      ],
    ]);
  });

  it('knows the browser’s names of keys that type nothing', () => {
    expect(namedKeyOf('ArrowLeft')).toBe('Left');
    expect(namedKeyOf('F12')).toBe('F12');
    expect(namedKeyOf('a')).toBeUndefined();
    expect(namedKeyOf('constructor')).toBeUndefined();
  });

  it('zooms about the pinch’s centre', () => {
    // The point 100 px into the view stays under the fingers when the picture doubles.
    expect(scrollForZoom(0, 100, 1, 2)).toBe(100);
    expect(scrollForZoom(100, 100, 2, 1)).toBe(0);
  });
});
