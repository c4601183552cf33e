import { describe, expect, it } from 'vitest';
import { ClientEncoding, CLIENT_LIMITS } from '../src/index.ts';
import { bell, desktopName, serverCutText } from '../src/messages.ts';
import {
  clientMessages,
  everyCut,
  handshake38,
  rawPixels,
  rect,
  rgb,
  samePicture,
  ServerZlib,
  testClient,
  u16,
  u32,
  u8,
  update,
  updateRequests,
} from './client-fixtures.ts';

const E = ClientEncoding;

/** A client past the handshake on a `w`×`h` screen, its sent bytes and events cleared. */
function ready(w = 8, h = 6, encodings?: readonly number[]) {
  const t = testClient(encodings ? { encodings } : {});
  t.feed(handshake38(w, h));
  t.sent.length = 0;
  t.events.length = 0;
  return t;
}

const pixel = (t: ReturnType<typeof ready>, x: number, y: number) => t.fb.getPixel(x, y);
const colours = (n: number, base: number) => Array.from({ length: n }, (_, i) => base + i);

/** ExtendedDesktopSize's payload: the screens as [id, x, y, w, h, flags]. */
function screens(...list: [number, number, number, number, number, number][]): Buffer {
  return Buffer.concat([
    u8(list.length, 0, 0, 0),
    ...list.map(([id, x, y, w, h, flags]) => Buffer.concat([u32(id), u16(x), u16(y), u16(w), u16(h), u32(flags)])),
  ]);
}

describe('RFB client: updates', () => {
  it('draws Raw rectangles pixel for pixel', () => {
    const t = ready();
    const events = t.feed(update(rect({ x: 1, y: 2, w: 3, h: 2 }, E.Raw, rawPixels(colours(6, 0x102030)))));
    expect(events).toEqual([{ type: 'update', rects: 1 }]);
    expect([pixel(t, 1, 2), pixel(t, 3, 2), pixel(t, 1, 3), pixel(t, 3, 3)]).toEqual([
      0x102030, 0x102032, 0x102033, 0x102035,
    ]);
    expect(pixel(t, 0, 0)).toBe(0);
  });

  it('tells its target where each update begins: after input, the next two updates’ changes are the echo', () => {
    const t = ready(200, 6);
    const one = (x: number) => update(rect({ x, y: 0, w: 1, h: 1 }, E.Raw, rawPixels([0x405060])));
    t.feed(one(0));
    expect(t.fb.tiles.echoRank(0)).toBe(0);
    t.fb.inputSent();
    t.feed(one(70));
    t.feed(one(130));
    t.feed(one(0));
    // The two updates after the input made the echo window (tiles 1 and 2); the third, without input, did not.
    expect(t.fb.tiles.echoRank(1)).toBeGreaterThan(0);
    expect(t.fb.tiles.echoRank(2)).toBeGreaterThan(t.fb.tiles.echoRank(1));
    expect(t.fb.tiles.echoRank(0)).toBe(0);
  });

  it('draws Raw rows as they arrive, holding back at most a partial row', () => {
    const t = ready(100, 50);
    const payload = rawPixels(colours(100 * 50, 0x010000));
    t.feed(Buffer.concat([update(rect({ x: 0, y: 0, w: 100, h: 50 }, E.Raw)), payload.subarray(0, 400 * 10 + 17)]));
    expect(t.client.buffered).toBe(17);
    expect(pixel(t, 99, 9)).toBe(0x010000 + 999);
    expect(pixel(t, 0, 10)).toBe(0);
    expect(t.feed(payload.subarray(400 * 10 + 17))).toEqual([{ type: 'update', rects: 1 }]);
    expect(pixel(t, 99, 49)).toBe(0x010000 + 4999);
  });

  it('copies with CopyRect, overlapping source and destination included', () => {
    const t = ready(4, 4, [E.CopyRect, E.Raw]);
    t.feed(update(rect({ x: 0, y: 0, w: 4, h: 4 }, E.Raw, rawPixels(colours(16, 0xa00000)))));
    t.feed(update(rect({ x: 1, y: 1, w: 3, h: 3 }, E.CopyRect, Buffer.concat([u16(0), u16(0)]))));
    expect(pixel(t, 1, 1)).toBe(0xa00000);
    expect(pixel(t, 3, 3)).toBe(0xa00000 + 10);
    expect(pixel(t, 0, 0)).toBe(0xa00000);
  });

  it('keeps one update request outstanding: the next goes out when an update has been applied', () => {
    const t = ready(8, 6);
    const whole = { x: 0, y: 0, w: 8, h: 6 };
    const one = update(rect({ x: 0, y: 0, w: 1, h: 1 }, E.Raw, rawPixels([0xffffff])));
    t.feed(one.subarray(0, one.length - 1));
    expect(t.sent).toEqual([]);
    t.feed(one.subarray(one.length - 1));
    expect(updateRequests(t.sent)).toEqual([{ type: 'update-request', incremental: true, rect: whole }]);
    // One request per update, however the input was cut.
    t.feed(Buffer.concat([update(), update()]));
    expect(updateRequests(t.sent)).toHaveLength(3);
    // Other messages do not ask for more.
    t.feed(Buffer.concat([bell(), serverCutText('x')]));
    expect(updateRequests(t.sent)).toHaveLength(3);
  });

  it('asks for the whole screen on refresh and after a resize', () => {
    const t = ready(8, 6);
    t.client.refresh();
    expect(updateRequests(t.sent)).toEqual([
      { type: 'update-request', incremental: false, rect: { x: 0, y: 0, w: 8, h: 6 } },
    ]);
    t.sent.length = 0;
    const events = t.feed(update(rect({ x: 0, y: 0, w: 20, h: 10 }, E.DesktopSize)));
    expect(events).toEqual([
      { type: 'resize', width: 20, height: 10, screens: [] },
      { type: 'update', rects: 1 },
    ]);
    expect([t.fb.width, t.fb.height]).toEqual([20, 10]);
    expect(updateRequests(t.sent)).toEqual([
      { type: 'update-request', incremental: false, rect: { x: 0, y: 0, w: 20, h: 10 } },
    ]);
  });

  it('draws rectangles that follow a resize in the same update against the new size', () => {
    const t = ready(2, 2);
    t.feed(
      update(rect({ x: 0, y: 0, w: 4, h: 1 }, E.DesktopSize), rect({ x: 3, y: 0, w: 1, h: 1 }, E.Raw, rawPixels([7]))),
    );
    expect(pixel(t, 3, 0)).toBe(7);
    expect(t.error).toBeUndefined();
  });

  it('reads ExtendedDesktopSize layouts; a non-zero status changes nothing', () => {
    const t = ready(8, 6);
    const layout = screens([1, 0, 0, 30, 20, 0], [2, 30, 0, 10, 20, 0]);
    expect(t.feed(update(rect({ x: 0, y: 0, w: 40, h: 20 }, E.ExtendedDesktopSize, layout)))[0]).toEqual({
      type: 'resize',
      width: 40,
      height: 20,
      screens: [
        { id: 1, x: 0, y: 0, w: 30, h: 20, flags: 0 },
        { id: 2, x: 30, y: 0, w: 10, h: 20, flags: 0 },
      ],
    });
    const failed = rect({ x: 1, y: 3, w: 100, h: 100 }, E.ExtendedDesktopSize, screens([1, 0, 0, 100, 100, 0]));
    expect(t.feed(update(failed))).toEqual([{ type: 'update', rects: 1 }]);
    expect([t.fb.width, t.fb.height]).toEqual([40, 20]);
  });

  it('ends an update at LastRect (the count then says 65535)', () => {
    const t = ready();
    const bytes = Buffer.concat([
      u8(0, 0),
      u16(0xffff),
      rect({ x: 0, y: 0, w: 1, h: 1 }, E.Raw, rawPixels([0x123456])),
      rect({ x: 0, y: 0, w: 0, h: 0 }, E.LastRect),
      bell(),
    ]);
    expect(t.feed(bytes)).toEqual([{ type: 'update', rects: 1 }, { type: 'bell' }]);
    expect(pixel(t, 0, 0)).toBe(0x123456);
  });

  it('reports QEMU extended key events once, then sends them; before that, their keysyms as KeyEvents', () => {
    const t = ready();
    const key = { type: 'qemu-key', down: true, keysym: 0x61, keycode: 0x1e } as const;
    t.client.input(key);
    expect(t.client.input({ ...key, keysym: 0 })).toBe(true);
    const ack = rect({ x: 0, y: 0, w: 0, h: 0 }, E.QemuExtendedKeyEvent);
    expect(t.feed(update(ack, ack))).toEqual([{ type: 'extended-keys' }, { type: 'update', rects: 2 }]);
    expect(t.client.extendedKeys).toBe(true);
    t.client.input(key);
    expect(clientMessages(t.sent).filter((m) => m.type !== 'update-request')).toEqual([
      { type: 'key', down: true, keysym: 0x61 },
      key,
    ]);
  });

  it('reports desktop names, bells and cut text (Latin-1)', () => {
    const t = ready();
    const events = t.feed(Buffer.concat([update(desktopName('Wîndows ☃')), bell(), serverCutText('café')]));
    expect(events).toEqual([
      { type: 'name', name: 'Wîndows ☃' },
      { type: 'update', rects: 1 },
      { type: 'bell' },
      { type: 'cut-text', text: 'café' },
    ]);
  });

  it('skips an oversized cut text as it arrives, without keeping it, and reads on', () => {
    const t = ready();
    const length = CLIENT_LIMITS.maxCutText + 1;
    t.feed(Buffer.concat([u8(3, 0, 0, 0), u32(length)]));
    for (let sent = 0; sent < length; sent += 65536) {
      t.feed(Buffer.alloc(Math.min(65536, length - sent), 0x41));
      expect(t.client.buffered).toBe(0);
    }
    expect(t.feed(bell())).toEqual([{ type: 'bell' }]);
    expect(t.events.filter((e) => e.type === 'cut-text')).toEqual([]);
  });

  it('reads and drops SetColourMapEntries (sent before the server reads our true-colour format)', () => {
    const t = ready();
    const entries = Buffer.concat([u8(1, 0), u16(0), u16(2), Buffer.alloc(12, 0xff)]);
    expect(t.feed(Buffer.concat([entries, bell()]))).toEqual([{ type: 'bell' }]);
  });

  it('reads many messages from one chunk, in order', () => {
    const t = ready();
    const stream = Buffer.concat([
      update(rect({ x: 0, y: 0, w: 1, h: 1 }, E.Raw, rawPixels([1]))),
      bell(),
      update(rect({ x: 1, y: 0, w: 1, h: 1 }, E.Raw, rawPixels([2]))),
      serverCutText('a'),
    ]);
    expect(t.feed(stream).map((e) => e.type)).toEqual(['update', 'bell', 'update', 'cut-text']);
    expect([pixel(t, 0, 0), pixel(t, 1, 0)]).toEqual([1, 2]);
    expect([...t.client.rectCounts]).toEqual([[E.Raw, 2]]);
  });

  it('takes Raw even when not listed (every client must), and nothing else it did not ask for', () => {
    const t = ready(4, 4, [E.ZRLE]);
    t.feed(update(rect({ x: 0, y: 0, w: 1, h: 1 }, E.Raw, rawPixels([5]))));
    expect(pixel(t, 0, 0)).toBe(5);
    t.feed(update(rect({ x: 0, y: 0, w: 1, h: 1 }, E.CopyRect, u32(0))));
    expect(t.error).toBe('server sent CopyRect, which the client did not ask for');
  });
});

describe('RFB client: a whole session cut anywhere', () => {
  it('gives the same events, requests and picture whether read whole, cut at any byte, or byte by byte', async () => {
    const zlib = new ServerZlib();
    const zrleTiles = await zlib.piece(Buffer.concat([u8(130), rgb(1, 2), u8(0x81, 1, 0, 1)]));
    zlib.close();
    const stream = Buffer.concat([
      handshake38(8, 6, 'before'),
      update(
        rect({ x: 0, y: 0, w: 0, h: 0 }, E.QemuExtendedKeyEvent),
        rect({ x: 0, y: 0, w: 10, h: 8 }, E.ExtendedDesktopSize, screens([7, 0, 0, 10, 8, 0])),
        rect({ x: 0, y: 0, w: 2, h: 2 }, E.Raw, rawPixels([1, 2, 3, 4])),
        rect({ x: 4, y: 4, w: 2, h: 2 }, E.CopyRect, Buffer.concat([u16(0), u16(0)])),
        rect({ x: 8, y: 0, w: 2, h: 2 }, E.ZRLE, Buffer.concat([u32(zrleTiles.length), zrleTiles])),
        rect({ x: 6, y: 6, w: 3, h: 1 }, E.Tight, Buffer.concat([u8(0), rgb(9, 8, 7)])),
        desktopName('after'),
      ),
      bell(),
      serverCutText('copied'),
      update(rect({ x: 0, y: 0, w: 1, h: 1 }, E.Tight, Buffer.concat([u8(0x80), rgb(0xabcdef)]))),
    ]);
    const whole = testClient();
    whole.feed(stream);
    expect(whole.error).toBeUndefined();
    expect(whole.events.map((e) => e.type)).toEqual([
      'ready',
      'extended-keys',
      'resize',
      'name',
      'update',
      'bell',
      'cut-text',
      'update',
    ]);
    expect([pixel(whole, 9, 1), pixel(whole, 5, 5), pixel(whole, 8, 6), pixel(whole, 0, 0)]).toEqual([
      0x000002, 4, 0x000007, 0xabcdef,
    ]);
    for (const cuts of [...everyCut(stream.length).map((c) => [c]), everyCut(stream.length)]) {
      const t = testClient();
      t.feed(stream, cuts);
      expect(t.events).toEqual(whole.events);
      expect(Buffer.concat(t.sent)).toEqual(Buffer.concat(whole.sent));
      expect(samePicture(t.fb, whole.fb)).toBe(true);
    }
  });
});

describe('RFB client: malformed updates', () => {
  const cases: [string, Buffer, string][] = [
    ['an unknown message type', u8(150), 'server sent unknown message type 150'],
    [
      'an unknown encoding',
      update(rect({ x: 0, y: 0, w: 1, h: 1 }, 5)),
      'server sent encoding 5, which the client did not ask for',
    ],
    [
      'a pseudo-encoding it did not ask for (cursor)',
      update(rect({ x: 0, y: 0, w: 1, h: 1 }, -239)),
      'server sent encoding -239, which the client did not ask for',
    ],
    [
      'a rectangle past the right edge',
      update(rect({ x: 7, y: 0, w: 2, h: 1 }, E.Raw)),
      'Raw rectangle 2×1 at 7,0 is outside the 8×6 screen',
    ],
    [
      'a rectangle past the bottom edge',
      update(rect({ x: 0, y: 65535, w: 1, h: 1 }, E.ZRLE)),
      'ZRLE rectangle 1×1 at 0,65535 is outside the 8×6 screen',
    ],
    [
      'a CopyRect source outside the screen',
      update(rect({ x: 0, y: 0, w: 4, h: 4 }, E.CopyRect, Buffer.concat([u16(5), u16(0)]))),
      'CopyRect source 4×4 at 5,0 is outside the screen',
    ],
    [
      'a desktop size over the limit',
      update(rect({ x: 0, y: 0, w: 9000, h: 10 }, E.DesktopSize)),
      'screen size 9000×10 is larger than 8192×8192',
    ],
    [
      'an ExtendedDesktopSize over the limit',
      update(rect({ x: 0, y: 0, w: 10, h: 60000 }, E.ExtendedDesktopSize, screens([1, 0, 0, 10, 60000, 0]))),
      'screen size 10×60000 is larger than 8192×8192',
    ],
    [
      'an overlong desktop name',
      update(rect({ x: 0, y: 0, w: 0, h: 0 }, E.DesktopName, u32(1 << 20))),
      'desktop name of 1048576 bytes is longer than 4096',
    ],
    [
      'extended clipboard data it never offered',
      Buffer.concat([u8(3, 0, 0, 0), u32(0xfffffff0)]),
      'server sent extended clipboard data unasked',
    ],
  ];

  it.each(cases)('fails clearly on %s', (_what, bytes, reason) => {
    const t = ready(8, 6);
    const events = t.feed(bytes);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { reason } });
    expect(t.client.state).toBe('failed');
    expect(t.client.buffered).toBe(0);
  });

  it('ignores everything after an error and drops input', () => {
    const t = ready();
    t.feed(u8(99));
    expect(t.feed(bell())).toEqual([]);
    expect(t.client.input({ type: 'key', down: true, keysym: 0x61 })).toBe(true);
    expect(t.sent).toEqual([]);
  });
});
