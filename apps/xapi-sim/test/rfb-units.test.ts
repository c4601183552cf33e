import { describe, expect, it } from 'vitest';
import { cellInk, CELL_HEIGHT, CELL_WIDTH, FONT_CHARACTERS } from '../src/rfb/font.ts';
import {
  Framebuffer,
  MAX_CUT_TEXT,
  parseClientMessage,
  encodePixelFormat,
  parsePixelFormat,
  SERVER_PIXEL_FORMAT,
  area,
  subtract,
} from '@xwc/rfb';
import { keysymToKey, textToKeys } from '../src/rfb/keys.ts';
import { COLUMNS, ROWS, Terminal } from '../src/rfb/terminal.ts';

describe('rectangles and damage', () => {
  it('subtract leaves exactly the area outside', () => {
    const a = { x: 0, y: 0, w: 10, h: 10 };
    const parts = subtract(a, { x: 3, y: 4, w: 4, h: 2 });
    expect(parts.reduce((n, r) => n + area(r), 0)).toBe(100 - 8);
    expect(subtract(a, { x: 20, y: 20, w: 1, h: 1 })).toEqual([a]);
    expect(subtract(a, { x: -1, y: -1, w: 12, h: 12 })).toEqual([]);
  });

  it('a tracker merges adjacent damage, keeps what lies outside a taken area, and reports every change', () => {
    const fb = new Framebuffer(64, 32);
    let notified = 0;
    const t = fb.track(() => notified++);
    for (let x = 0; x < 64; x += 8) fb.fillRect(x, 0, 8, 16, 0xffffff);
    expect(notified).toBe(8);
    expect(t.take({ x: 0, y: 0, w: 32, h: 32 })).toEqual([{ x: 0, y: 0, w: 32, h: 16 }]);
    expect(t.hasDamage({ x: 32, y: 0, w: 32, h: 32 })).toBe(true);
    expect(t.take(fb.bounds)).toEqual([{ x: 32, y: 0, w: 32, h: 16 }]);
    expect(t.take(fb.bounds)).toEqual([]);
    t.dispose();
    fb.fillRect(0, 0, 1, 1, 0);
    expect(notified).toBe(8);
  });

  it('collapses many scattered changes into a bounded list', () => {
    const fb = new Framebuffer(512, 512);
    const t = fb.track(() => undefined);
    for (let i = 0; i < 200; i++) fb.fillRect((i * 37) % 500, (i * 91) % 500, 1, 1, 0xff);
    const rects = t.take(fb.bounds);
    expect(rects.length).toBeLessThanOrEqual(33);
  });
});

describe('pixel formats', () => {
  it('round-trips the server format', () => {
    const parsed = parsePixelFormat(encodePixelFormat(SERVER_PIXEL_FORMAT));
    expect(parsed).toEqual({ ok: true, format: SERVER_PIXEL_FORMAT });
  });

  it('encodes channels with rounding to the client maximum', () => {
    const fb = new Framebuffer(2, 1);
    fb.fillRect(0, 0, 1, 1, 0x808080);
    fb.fillRect(1, 0, 1, 1, 0xff0000);
    const pf = { ...SERVER_PIXEL_FORMAT, bitsPerPixel: 16 as const, depth: 16, bigEndian: true };
    const out = fb.encode(fb.bounds, {
      ...pf,
      redMax: 31,
      greenMax: 63,
      blueMax: 31,
      redShift: 11,
      greenShift: 5,
      blueShift: 0,
    });
    expect(out.readUInt16BE(0)).toBe((16 << 11) | (32 << 5) | 16);
    expect(out.readUInt16BE(2)).toBe(0xf800);
  });
});

describe('client message parsing', () => {
  const messages: [string, number[]][] = [
    ['SetPixelFormat', [0, 0, 0, 0, ...encodePixelFormat(SERVER_PIXEL_FORMAT)]],
    ['SetEncodings', [2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21]],
    ['FramebufferUpdateRequest', [3, 1, 0, 0, 0, 0, 2, 128, 1, 144]],
    ['KeyEvent', [4, 1, 0, 0, 0, 0, 0xff, 0x0d]],
    ['PointerEvent', [5, 1, 0, 10, 0, 20]],
    ['ClientCutText', [6, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]],
    ['XenServer 254', [254, 1, 0, 0, 0, 0, 0, 0x1d]],
    ['QEMU 255/0', [255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e]],
  ];

  it.each(messages)('%s: every proper prefix is incomplete, the whole is one message', (_name, bytes) => {
    for (let n = 0; n < bytes.length; n++) {
      expect(parseClientMessage(Buffer.from(bytes.slice(0, n))).kind).toBe('incomplete');
    }
    const whole = parseClientMessage(Buffer.from([...bytes, 4, 4, 4]));
    expect(whole).toMatchObject({ kind: 'message', length: bytes.length });
  });

  it('decodes fields', () => {
    const parse = (bytes: number[]) => {
      const r = parseClientMessage(Buffer.from(bytes));
      return r.kind === 'message' ? r.message : r;
    };
    expect(parse(messages[1]![1])).toEqual({ type: 'set-encodings', encodings: [0, -223] });
    expect(parse(messages[2]![1])).toEqual({
      type: 'update-request',
      incremental: true,
      rect: { x: 0, y: 0, w: 640, h: 400 },
    });
    expect(parse(messages[7]![1])).toEqual({ type: 'qemu-key', down: true, keysym: 0x61, keycode: 0x1e });
  });

  it('does not wait for an oversized cut text: it asks the session to skip it', () => {
    const header = Buffer.from([6, 0, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(MAX_CUT_TEXT + 1, 4);
    expect(parseClientMessage(header)).toEqual({
      kind: 'message',
      message: { type: 'cut-text-skipped', skip: MAX_CUT_TEXT + 1 },
      length: 8,
    });
  });
});

describe('font', () => {
  it('has a distinct glyph for every printable ASCII character', () => {
    expect(FONT_CHARACTERS).toHaveLength(95);
    const shapes = new Set(
      FONT_CHARACTERS.map((c) => {
        let s = '';
        for (let y = 0; y < CELL_HEIGHT; y++) for (let x = 0; x < CELL_WIDTH; x++) s += cellInk(c, x, y) ? '#' : '.';
        return s;
      }),
    );
    expect(shapes.size).toBe(95);
  });
});

describe('keys and terminal', () => {
  it('maps keysyms the console understands', () => {
    expect(keysymToKey(0x41)).toEqual({ kind: 'char', char: 'A' });
    expect(keysymToKey(0xe9)).toEqual({ kind: 'char', char: 'é' });
    expect(keysymToKey(0xff0d)).toEqual({ kind: 'return' });
    expect(keysymToKey(0xffe1)).toBeNull(); // Shift_L
    expect(textToKeys('a\r\nb\n\x7f')).toEqual([
      { kind: 'char', char: 'a' },
      { kind: 'return' },
      { kind: 'char', char: 'b' },
      { kind: 'return' },
      { kind: 'backspace' },
    ]);
  });

  it('wraps at the right margin and scrolls at the bottom', () => {
    const t = new Terminal();
    t.write('x'.repeat(COLUMNS + 3));
    expect(t.lines().slice(0, 2)).toEqual(['x'.repeat(COLUMNS), 'xxx']);
    expect(t.cursor).toEqual({ row: 1, col: 3 });
    for (let i = 0; i < ROWS + 5; i++) t.write(`\nline ${i}`);
    expect(t.lines()[ROWS - 1]).toBe(`line ${ROWS + 4}`);
    expect(t.lines()[0]).toBe('line 5');
  });
});
