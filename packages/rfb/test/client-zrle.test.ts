import { describe, expect, it } from 'vitest';
import { CLIENT_LIMITS, ClientEncoding, Framebuffer } from '../src/index.ts';
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
  u32,
  u8,
  update,
} from './client-fixtures.ts';
import { random } from './harness.ts';

const zlib = serverZlibs();

/** A tile's pixels (0xRRGGBB, row-major) and where it goes. */
interface Tile {
  x: number;
  y: number;
  w: number;
  h: number;
  pixels: number[];
}

const tile = (x: number, y: number, w: number, h: number, colourAt: (i: number) => number): Tile => ({
  x,
  y,
  w,
  h,
  pixels: Array.from({ length: w * h }, (_, i) => colourAt(i)),
});

/** A run length as ZRLE writes it: (length − 1) as bytes of 255 and a last byte below 255. */
function runLength(length: number): number[] {
  const out: number[] = [];
  let left = length - 1;
  for (; left >= 255; left -= 255) out.push(255);
  return [...out, left];
}

function runs(pixels: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const p of pixels) {
    const last = out.at(-1);
    if (last && last[0] === p) last[1]++;
    else out.push([p, 1]);
  }
  return out;
}

const paletteOf = (t: Tile) => [...new Set(t.pixels)];

/** Subencoding encoders, written from RFC 6143 §7.7.6. */
const encode = {
  raw: (t: Tile) => Buffer.concat([u8(0), rgb(...t.pixels)]),
  solid: (t: Tile) => Buffer.concat([u8(1), rgb(t.pixels[0]!)]),
  packed(t: Tile, palette = paletteOf(t)) {
    const bits = palette.length <= 2 ? 1 : palette.length <= 4 ? 2 : 4;
    const rows: number[] = [];
    for (let y = 0; y < t.h; y++) {
      const row = new Array<number>(Math.ceil((t.w * bits) / 8)).fill(0);
      for (let x = 0; x < t.w; x++) {
        const bit = x * bits;
        row[bit >> 3]! |= palette.indexOf(t.pixels[y * t.w + x]!) << (8 - bits - (bit % 8));
      }
      rows.push(...row);
    }
    return Buffer.concat([u8(palette.length), rgb(...palette), Buffer.from(rows)]);
  },
  plainRle: (t: Tile) =>
    Buffer.concat([u8(128), ...runs(t.pixels).map(([c, n]) => Buffer.concat([rgb(c), Buffer.from(runLength(n))]))]),
  paletteRle(t: Tile) {
    const palette = paletteOf(t);
    const body = runs(t.pixels).flatMap(([c, n]) => {
      const i = palette.indexOf(c);
      return n === 1 ? [i] : [i | 128, ...runLength(n)];
    });
    return Buffer.concat([u8(128 + palette.length), rgb(...palette), Buffer.from(body)]);
  },
};

function paint(fb: Framebuffer, tiles: Tile[]): void {
  for (const t of tiles) fb.paint(t.x, t.y, t.w, t.h, (x, y) => t.pixels[(y - t.y) * t.w + (x - t.x)]!);
}

async function zrle(stream: ServerZlib, r: Rect, tiles: Buffer[]): Promise<Buffer> {
  const data = await stream.piece(Buffer.concat(tiles));
  return rect(r, ClientEncoding.ZRLE, Buffer.concat([u32(data.length), data]));
}

const next = random(7);
const noise = () => next(0x1000000);

/** Two rectangles covering every subencoding, tiles cut at the rectangle's right and bottom edges. */
async function sample(stream: ServerZlib) {
  const A = tile(2, 3, 64, 64, () => 0x336699);
  const B = tile(66, 3, 36, 64, noise);
  const C = tile(2, 67, 64, 6, (i) => (((i % 64) + Math.floor(i / 64)) % 2 ? 0xffffff : 0x000080));
  const D = tile(66, 67, 36, 6, (i) => (i < 1 ? 0xff0000 : i < 3 ? 0x00ff00 : i < 203 ? 0x0000ff : 0x123456));
  const E = tile(0, 0, 64, 64, (i) => (i < 256 ? 0x111111 : i < 556 ? 0x222222 : 0x333333));
  const F = tile(64, 0, 64, 64, (i) => [0xaa0000, 0x00aa00, 0x0000aa, 0xaaaa00, 0x00aaaa][Math.floor(i / 7) % 5]!);
  const G = tile(128, 0, 2, 64, (i) => [0x010101, 0x020202, 0x030303][i % 3]!);
  const H = tile(0, 64, 64, 5, (i) => 0x100000 * (i % 16));
  const I = tile(128, 64, 2, 5, (i) => 0x000100 * (i % 5));
  const first = await zrle(stream, { x: 2, y: 3, w: 100, h: 70 }, [
    encode.solid(A),
    encode.raw(B),
    encode.packed(C),
    encode.plainRle(D),
  ]);
  const second = await zrle(stream, { x: 0, y: 0, w: 130, h: 69 }, [
    encode.plainRle(E),
    encode.paletteRle(F),
    encode.packed(G),
    encode.packed(
      H,
      [...Array(16).keys()].map((i) => 0x100000 * i),
    ),
    encode.solid(tile(64, 64, 64, 5, () => 0)),
    encode.packed(I),
  ]);
  const expected = new Framebuffer(140, 80);
  paint(expected, [A, B, C, D]);
  expected.fillRect(0, 0, 130, 69, 0);
  paint(expected, [E, F, G, H, I]);
  return { bytes: Buffer.concat([update(first), update(second)]), expected };
}

describe('RFB client: ZRLE', () => {
  it('decodes every subencoding, with partial tiles at the edges, over one zlib stream', async () => {
    const { bytes, expected } = await sample(zlib());
    const t = testClient({ encodings: [ClientEncoding.ZRLE] });
    t.feed(handshake38(140, 80));
    t.feed(bytes);
    expect(t.error).toBeUndefined();
    expect(t.events.filter((e) => e.type === 'update')).toHaveLength(2);
    expect(samePicture(t.fb, expected)).toBe(true);
  });

  it('gives the same picture with the stream cut at every byte', async () => {
    const { bytes, expected } = await sample(zlib());
    const stream = Buffer.concat([handshake38(140, 80), bytes]);
    // Cuts every 7 bytes through the compressed data, and at every byte of the headers.
    const cuts = everyCut(stream.length).filter((c) => c < 200 || c % 7 === 0);
    expectPictureAtCuts(stream, cuts, [ClientEncoding.ZRLE], expected);
  });

  it('keeps the zlib window across rectangles (later data refers back into earlier rectangles)', async () => {
    const stream = zlib();
    const B = tile(0, 0, 64, 64, noise);
    const first = await zrle(stream, { x: 0, y: 0, w: 64, h: 64 }, [encode.raw(B)]);
    const again = { ...B, x: 64 };
    const second = await zrle(stream, { x: 64, y: 0, w: 64, h: 64 }, [encode.raw(again)]);
    // The second rectangle's noise compresses only by reference to the first.
    expect(second.length).toBeLessThan(1000);
    const t = testClient({ encodings: [ClientEncoding.ZRLE] });
    t.feed(Buffer.concat([handshake38(128, 64), update(first), update(second)]));
    const expected = new Framebuffer(128, 64);
    paint(expected, [B, again]);
    expect(samePicture(t.fb, expected)).toBe(true);
  });
});

describe('RFB client: malformed ZRLE', () => {
  const one = { x: 0, y: 0, w: 4, h: 2 };
  const cases: [string, Buffer[], string][] = [
    ['an unused subencoding', [u8(17)], 'ZRLE tile subencoding 17 does not exist'],
    ['subencoding 129', [u8(129)], 'ZRLE tile subencoding 129 does not exist'],
    [
      'a packed palette index past the palette',
      [u8(3), rgb(1, 2, 3), u8(0xff, 0xff)],
      'ZRLE palette index 3 of 3 colours',
    ],
    ['a palette-RLE index past the palette', [u8(130), rgb(1, 2), u8(2)], 'ZRLE palette index 2 of 2 colours'],
    ['a run past the end of the tile', [u8(128), rgb(1), u8(8)], 'ZRLE run goes past the end of its tile'],
    ['data that ends inside a tile', [u8(0), rgb(1, 2, 3)], 'ZRLE data ends inside a tile'],
    ['data past the last tile', [u8(1), rgb(1), u8(1)], 'ZRLE data runs past the last tile'],
  ];

  it.each(cases)('fails on %s', async (_what, tiles, reason) => {
    const t = testClient({ encodings: [ClientEncoding.ZRLE] });
    t.feed(handshake38(8, 8));
    t.feed(update(await zrle(zlib(), one, tiles)));
    expect(t.error).toBe(reason);
  });

  it('fails on data that is not zlib, or corrupt', () => {
    const notZlib = testClient({ encodings: [ClientEncoding.ZRLE] });
    notZlib.feed(handshake38(8, 8));
    notZlib.feed(update(rect(one, ClientEncoding.ZRLE, Buffer.concat([u32(4), u8(1, 2, 3, 4)]))));
    expect(notZlib.error).toBe('ZRLE data does not start with a zlib header');
    const corrupt = testClient({ encodings: [ClientEncoding.ZRLE] });
    corrupt.feed(handshake38(8, 8));
    corrupt.feed(update(rect(one, ClientEncoding.ZRLE, Buffer.concat([u32(5), u8(0x78, 0x9c, 0xff, 0xff, 0xff)]))));
    expect(corrupt.error).toBe('ZRLE data is not a valid zlib stream');
  });

  it('refuses a claimed length over the bound before buffering it', () => {
    const t = testClient({ encodings: [ClientEncoding.ZRLE] });
    t.feed(handshake38(8, 8));
    t.feed(Buffer.concat([update(rect({ x: 0, y: 0, w: 4, h: 2 }, ClientEncoding.ZRLE, u32(10_000)))]));
    expect(t.error).toBe('ZRLE rectangle 4×2 claims 10000 bytes (at most 535)');
    const big = testClient({ encodings: [ClientEncoding.ZRLE] });
    // Large enough that the rectangle's own bound is above the global cap.
    big.feed(handshake38(4096, 2100));
    big.feed(update(rect({ x: 0, y: 0, w: 4096, h: 2100 }, ClientEncoding.ZRLE, u32(0xffffffff))));
    expect(big.error).toBe(`ZRLE rectangle 4096×2100 claims 4294967295 bytes (at most ${CLIENT_LIMITS.maxZrleBytes})`);
    expect(big.client.buffered).toBe(0);
  });

  it('refuses data that inflates to more than the rectangle can hold', async () => {
    const t = testClient({ encodings: [ClientEncoding.ZRLE] });
    t.feed(handshake38(8, 8));
    // 1×1: at most 1 + 381 + 4 bytes; a zlib bomb of 100 KB of zeros compresses to a few hundred bytes.
    const data = await zlib().piece(Buffer.alloc(100_000));
    expect(data.length).toBeLessThan(400);
    t.feed(update(rect({ x: 0, y: 0, w: 1, h: 1 }, ClientEncoding.ZRLE, Buffer.concat([u32(data.length), data]))));
    expect(t.error).toBe('ZRLE data inflates to more than its rectangle holds');
  });
});
