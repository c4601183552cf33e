import { deflateSync } from 'node:zlib';
import type { Rect } from '../rect.ts';
import type { PixelSource } from './pixel-source.ts';

/**
 * Tight rectangles for 888 formats (TPIXEL = R, G, B), each one complete on its own: a fill, or basic compression
 * whose zlib stream is reset by the control byte and holds one whole zlib stream. So no viewer carries compression
 * state, and the same bytes can go to every viewer.
 */

const FILL = 0x80;
const EXPLICIT_FILTER = 0x40;
const PALETTE_FILTER = 1;
/** Below this many bytes Tight sends data uncompressed and without a length (the spec's rule). */
const MIN_TO_COMPRESS = 12;
const MAX_PALETTE = 256;
/** The "level" of a zlib stream that only stores its data (see `stored`). */
const STORE = 0;
/**
 * A full-colour rectangle is worth deflating when at least this share of its pixels repeat the one left or above
 * (flat areas, gradients, text on a background); noise and photographs hardly ever do, and deflate cannot shrink
 * them at any level (a tile of noise costs ~5× more to deflate at level 6 than to store).
 */
const REPEATS_TO_DEFLATE = 1 / 8;
/** Streams as TigerVNC assigns them; any would do since each rectangle resets the one it uses. */
const STREAM = { full: 0, mono: 1, indexed: 2 } as const;

const HASH_BITS = 10;
const hashKeys = new Uint32Array(1 << HASH_BITS);
const hashSlots = new Int16Array(1 << HASH_BITS);
/** The first pixel (index into the screen) of each palette colour, to read its bytes without caring for byte order. */
const paletteAt = new Uint32Array(MAX_PALETTE);

/** The Tight payload (after the rectangle header) for `r` of the screen. */
export function tightPayload(src: PixelSource, r: Rect, zlibLevel: number): Buffer {
  const indices = new Uint8Array(r.w * r.h);
  const colours = scanPalette(src, r, indices);
  if (colours === 1) return Buffer.from([FILL, ...tpixel(src, paletteAt[0]!)]);
  if (colours === 0) return basic(STREAM.full, null, rgb(src, r), repeats(src, r) ? zlibLevel : STORE);
  const head = [PALETTE_FILTER, colours - 1];
  for (let i = 0; i < colours; i++) head.push(...tpixel(src, paletteAt[i]!));
  if (colours === 2) return basic(STREAM.mono, head, packBits(indices, r.w, r.h), zlibLevel);
  return basic(STREAM.indexed, head, indices, zlibLevel);
}

/**
 * Fills `indices` with each pixel's palette index and returns the number of colours (setting `paletteAt`), or 0 when
 * there are more than a palette holds.
 */
function scanPalette(src: PixelSource, r: Rect, indices: Uint8Array): number {
  hashSlots.fill(-1);
  const words = src.words;
  let count = 0;
  let last = 0;
  let lastIndex = -1;
  let k = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    const rowStart = y * src.width + r.x;
    for (let i = rowStart; i < rowStart + r.w; i++) {
      const c = words[i]!;
      if (c !== last || lastIndex < 0) {
        let h = Math.imul(c, 0x9e3779b1) >>> (32 - HASH_BITS);
        while (hashSlots[h]! >= 0 && hashKeys[h] !== c) h = (h + 1) & ((1 << HASH_BITS) - 1);
        if (hashSlots[h]! < 0) {
          if (count === MAX_PALETTE) return 0;
          hashKeys[h] = c;
          hashSlots[h] = count;
          paletteAt[count] = i;
          count++;
        }
        last = c;
        lastIndex = hashSlots[h]!;
      }
      indices[k++] = lastIndex;
    }
  }
  return count;
}

function tpixel(src: PixelSource, at: number): [number, number, number] {
  const p = src.bytes;
  return [p[at * 4]!, p[at * 4 + 1]!, p[at * 4 + 2]!];
}

function rgb(src: PixelSource, r: Rect): Uint8Array {
  const out = new Uint8Array(r.w * r.h * 3);
  const p = src.bytes;
  let o = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    let i = (y * src.width + r.x) * 4;
    for (let x = 0; x < r.w; x++, i += 4) {
      out[o++] = p[i]!;
      out[o++] = p[i + 1]!;
      out[o++] = p[i + 2]!;
    }
  }
  return out;
}

/** Whether enough pixels of `r` repeat a neighbour for deflate to be worth its time (REPEATS_TO_DEFLATE). */
function repeats(src: PixelSource, r: Rect): boolean {
  const words = src.words;
  const needed = r.w * r.h * REPEATS_TO_DEFLATE;
  let n = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    const row = y * src.width;
    for (let i = row + r.x + 1; i < row + r.x + r.w; i++) {
      if (words[i] === words[i - 1] || (y > r.y && words[i] === words[i - src.width])) n++;
    }
    if (n >= needed) return true;
  }
  return false;
}

/** Two-colour rows: one bit per pixel, most significant first, each row padded to a byte. */
function packBits(indices: Uint8Array, w: number, h: number): Uint8Array {
  const rowBytes = (w + 7) >> 3;
  const out = new Uint8Array(rowBytes * h);
  for (let y = 0, k = 0; y < h; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < w; x++, k++) if (indices[k]) out[row + (x >> 3)]! |= 0x80 >> (x & 7);
  }
  return out;
}

/** Basic compression: control byte (stream, its reset bit, filter flag), filter head, then the (compressed) data. */
function basic(stream: number, filterHead: number[] | null, data: Uint8Array, zlibLevel: number): Buffer {
  const ctl = (stream << 4) | (filterHead ? EXPLICIT_FILTER : 0) | (1 << stream);
  const head = Buffer.from([ctl, ...(filterHead ?? [])]);
  if (data.length < MIN_TO_COMPRESS) return Buffer.concat([head, data]);
  const z = zlibLevel === STORE ? stored(data) : deflateSync(data, { level: zlibLevel });
  return Buffer.concat([head, compactLength(z.length), z]);
}

/** Largest stored deflate block (its length is 16 bits). */
const MAX_STORED_BLOCK = 0xffff;

/**
 * A whole zlib stream (RFC 1950) of stored deflate blocks (RFC 1951 §3.2.4): what deflate produces for data it
 * cannot shrink, without the cost of trying.
 */
function stored(data: Uint8Array): Buffer {
  const blocks = Math.max(1, Math.ceil(data.length / MAX_STORED_BLOCK));
  const out = Buffer.allocUnsafe(2 + blocks * 5 + data.length + 4);
  // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (fastest, check bits: 0x7801 is a multiple of 31).
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let at = 0, b = 0; b < blocks; b++, at += MAX_STORED_BLOCK) {
    const n = Math.min(MAX_STORED_BLOCK, data.length - at);
    out[o] = b === blocks - 1 ? 1 : 0;
    out.writeUInt16LE(n, o + 1);
    out.writeUInt16LE(~n & 0xffff, o + 3);
    out.set(data.subarray(at, at + n), o + 5);
    o += 5 + n;
  }
  out.writeUInt32BE(adler32(data), o);
  return out;
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  // Sums stay exact in doubles for 5552 bytes between reductions (zlib's NMAX).
  for (let i = 0; i < data.length;) {
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Tight's 1–3 byte length: 7 bits per byte, low bits first, high bit set when another byte follows. */
function compactLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([(n & 0x7f) | 0x80, n >> 7]);
  return Buffer.from([(n & 0x7f) | 0x80, ((n >> 7) & 0x7f) | 0x80, n >> 14]);
}
