import { describe, expect, it } from 'vitest';
import { ClientEncoding, Framebuffer } from '../src/index.ts';
import type { Rect } from '../src/rect.ts';
import {
  everyCut,
  expectPictureAtCuts,
  samePicture,
  handshake38,
  rect,
  rgb,
  serverZlibs,
  testClient,
  type ServerZlib,
  u8,
  update,
} from './client-fixtures.ts';
import { random } from './harness.ts';

const zlib = serverZlibs();

/** Tight's compact length: 7 bits a byte, low first, at most 3 bytes. */
function compact(n: number): Buffer {
  if (n < 0x80) return u8(n);
  if (n < 0x4000) return u8((n & 0x7f) | 0x80, n >> 7);
  return u8((n & 0x7f) | 0x80, ((n >> 7) & 0x7f) | 0x80, n >> 14);
}

/** Filtered bytes as Tight sends them: as they are below 12 bytes, else a compact length and zlib data. */
async function body(data: Buffer, stream: ServerZlib): Promise<Buffer> {
  if (data.length < 12) return data;
  const z = await stream.piece(data);
  return Buffer.concat([compact(z.length), z]);
}

const pixelsOf = (w: number, h: number, colourAt: (x: number, y: number) => number) =>
  Array.from({ length: w * h }, (_, i) => colourAt(i % w, Math.floor(i / w)));

/** The gradient filter of the TightVNC spec, per channel: the difference from left + above − above-left, clamped. */
function gradient(pixels: number[], w: number): Buffer {
  const bytes = rgb(...pixels);
  const out = Buffer.alloc(bytes.length);
  const row = w * 3;
  for (let i = 0; i < bytes.length; i++) {
    const x = Math.floor((i % row) / 3);
    const y = Math.floor(i / row);
    const left = x > 0 ? bytes[i - 3]! : 0;
    const above = y > 0 ? bytes[i - row]! : 0;
    const aboveLeft = x > 0 && y > 0 ? bytes[i - row - 3]! : 0;
    out[i] = (bytes[i]! - Math.min(255, Math.max(0, left + above - aboveLeft))) & 0xff;
  }
  return out;
}

function mono(pixels: number[], w: number, palette: number[]): Buffer {
  const rowBytes = (w + 7) >> 3;
  const out = Buffer.alloc(rowBytes * (pixels.length / w));
  pixels.forEach((p, i) => {
    const x = i % w;
    if (palette.indexOf(p) === 1) out[Math.floor(i / w) * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
  });
  return out;
}

const tight = (r: Rect, ...parts: Buffer[]) => rect(r, ClientEncoding.Tight, Buffer.concat(parts));
const next = random(11);

/** Rectangles in every lossless form, with what they should draw. */
async function sample() {
  const z = [zlib(), zlib(), zlib(), zlib()];
  const expected = new Framebuffer(100, 100);
  const rects: Buffer[] = [];
  const add = async (r: Rect, pixels: number[], head: Buffer, data: Buffer | null, stream = 0) => {
    rects.push(tight(r, head, data ? await body(data, z[stream]!) : Buffer.alloc(0)));
    expected.paint(r.x, r.y, r.w, r.h, (x, y) => pixels[(y - r.y) * r.w + (x - r.x)]!);
  };
  // Fill.
  await add({ x: 0, y: 0, w: 100, h: 100 }, Array(10000).fill(0x405060), u8(0x80, 0x40, 0x50, 0x60), null);
  // Copy filter, implicit, under 12 bytes: sent as it is.
  const tiny = [0x010203, 0x040506, 0x070809];
  await add({ x: 1, y: 1, w: 3, h: 1 }, tiny, u8(0x00), rgb(...tiny));
  // Copy filter, explicit, compressed on stream 1; noise makes a 3-byte compact length.
  const noise = pixelsOf(80, 80, () => next(0x1000000));
  await add({ x: 10, y: 10, w: 80, h: 80 }, noise, u8(0x50, 0), rgb(...noise), 1);
  // Two colours: one bit a pixel, rows padded (width 13), stream 2.
  const two = pixelsOf(13, 9, (x, y) => ((x * y) % 3 ? 0xffffff : 0x0000ff));
  await add(
    { x: 0, y: 20, w: 13, h: 9 },
    two,
    Buffer.concat([u8(0x60, 1, 1), rgb(0x0000ff, 0xffffff)]),
    mono(two, 13, [0x0000ff, 0xffffff]),
    2,
  );
  // Five colours: a byte a pixel, stream 3; then stream 3 again continues its zlib stream.
  const five = [0x111111, 0x222222, 0x333333, 0x444444, 0x555555];
  const fivePixels = pixelsOf(30, 7, (x, y) => five[(x + 2 * y) % 5]!);
  const indices = Buffer.from(fivePixels.map((p) => five.indexOf(p)));
  const head = Buffer.concat([u8(0x70, 1, 4), rgb(...five)]);
  await add({ x: 40, y: 0, w: 30, h: 7 }, fivePixels, head, indices, 3);
  await add({ x: 40, y: 90, w: 30, h: 7 }, fivePixels, head, indices, 3);
  // Gradient filter on stream 0: a smooth ramp, and noise (which clamps).
  const ramp = pixelsOf(20, 10, (x, y) => ((x * 12) << 16) | ((y * 20) << 8) | ((x + y) * 6));
  await add({ x: 70, y: 20, w: 20, h: 10 }, ramp, u8(0x40, 2), gradient(ramp, 20), 0);
  const rough = pixelsOf(9, 9, () => next(0x1000000));
  await add({ x: 0, y: 90, w: 9, h: 9 }, rough, u8(0x40, 2), gradient(rough, 9), 0);
  return { bytes: update(...rects), expected };
}

describe('RFB client: Tight', () => {
  it('decodes fill, copy, palette and gradient rectangles over four zlib streams', async () => {
    const { bytes, expected } = await sample();
    const t = testClient({ encodings: [ClientEncoding.Tight] });
    t.feed(Buffer.concat([handshake38(100, 100), bytes]));
    expect(t.error).toBeUndefined();
    expect(t.events.at(-1)).toEqual({ type: 'update', rects: 8 });
    expect(samePicture(t.fb, expected)).toBe(true);
  });

  it('gives the same picture with the stream cut anywhere', async () => {
    const { bytes, expected } = await sample();
    const stream = Buffer.concat([handshake38(100, 100), bytes]);
    const cuts = everyCut(stream.length).filter((c) => c < 300 || c % 97 === 0 || c > stream.length - 300);
    expectPictureAtCuts(stream, cuts, [ClientEncoding.Tight], expected);
  });

  it('reads 1-, 2- and 3-byte compact lengths', async () => {
    for (const [w, h, bytes] of [
      [4, 4, 1],
      [10, 10, 2],
      [80, 80, 3],
    ] as const) {
      const pixels = pixelsOf(w, h, (x) => (bytes === 1 ? 0x101010 * (x % 2) : next(0x1000000)));
      const data = await body(rgb(...pixels), zlib());
      const length = data.length - bytes;
      expect(compact(length).length).toBe(bytes);
      const t = testClient({ encodings: [ClientEncoding.Tight] });
      t.feed(Buffer.concat([handshake38(w, h), update(tight({ x: 0, y: 0, w, h }, u8(0), data))]));
      expect(t.error).toBeUndefined();
      expect(t.fb.getPixel(w - 1, h - 1)).toBe(pixels.at(-1));
    }
  });

  it('starts a stream afresh when the control byte resets it', async () => {
    const pixels = pixelsOf(8, 8, (x, y) => x * 0x100 + y);
    const first = await body(rgb(...pixels), zlib());
    const restarted = await body(rgb(...pixels.map((p) => p + 0x10000)), zlib());
    const t = testClient({ encodings: [ClientEncoding.Tight] });
    const r = { x: 0, y: 0, w: 8, h: 8 };
    t.feed(
      Buffer.concat([handshake38(8, 8), update(tight(r, u8(0x00), first)), update(tight(r, u8(0x01), restarted))]),
    );
    expect(t.error).toBeUndefined();
    expect(t.fb.getPixel(7, 7)).toBe(0x10707);
    // Without the reset bit the fresh stream's header lands inside the old stream: an error, not a wrong picture.
    const u = testClient({ encodings: [ClientEncoding.Tight] });
    u.feed(
      Buffer.concat([handshake38(8, 8), update(tight(r, u8(0x00), first)), update(tight(r, u8(0x00), restarted))]),
    );
    expect(u.error).toBe('Tight stream 0 data is not a valid zlib stream');
  });
});

describe('RFB client: malformed Tight', () => {
  const r = { x: 0, y: 0, w: 4, h: 4 };
  const cases: [string, Buffer, string][] = [
    ['JPEG (never asked for)', u8(0x90), 'server sent a Tight JPEG rectangle, which the client did not ask for'],
    ['PNG (TightPNG only)', u8(0xa0), 'Tight compression type 10 does not exist in Tight'],
    ['an invalid compression type', u8(0xf0), 'Tight compression type 15 does not exist in Tight'],
    ['an unknown filter', u8(0x40, 3), 'Tight filter 3 does not exist'],
    [
      'a one-colour palette using index 1',
      Buffer.concat([u8(0x40, 1, 0), rgb(1), u8(0x80, 0, 0, 0)]),
      'Tight palette index 1 of 1 colours',
    ],
    [
      'a claimed length over the bound',
      Buffer.concat([u8(0x00), compact(4_000_000)]),
      'Tight rectangle 4×4 claims 4000000 bytes (at most 118)',
    ],
  ];

  it.each(cases)('fails on %s', (_what, payload, reason) => {
    const t = testClient({ encodings: [ClientEncoding.Tight] });
    t.feed(Buffer.concat([handshake38(8, 8), update(tight(r, payload))]));
    expect(t.error).toBe(reason);
  });

  it('fails on an index past a larger palette, and on data that ends early', async () => {
    const indices = Buffer.alloc(16, 0);
    indices[5] = 3;
    const palette = testClient({ encodings: [ClientEncoding.Tight] });
    const payload = Buffer.concat([u8(0x40, 1, 2), rgb(1, 2, 3), await body(indices, zlib())]);
    palette.feed(Buffer.concat([handshake38(8, 8), update(tight(r, payload))]));
    expect(palette.error).toBe('Tight palette index 3 of 3 colours');
    const short = testClient({ encodings: [ClientEncoding.Tight] });
    short.feed(Buffer.concat([handshake38(8, 8), update(tight(r, u8(0x00), await body(Buffer.alloc(40), zlib())))]));
    expect(short.error).toBe('Tight data ends before its rectangle does');
  });
});
