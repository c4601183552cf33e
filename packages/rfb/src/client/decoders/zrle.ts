import type { DecodeTarget } from '../../framebuffer.ts';
import type { Rect } from '../../rect.ts';
import type { ByteQueue } from '../byte-queue.ts';
import { CLIENT_LIMITS } from '../limits.ts';
import { RfbProtocolError } from '../protocol-error.ts';
import { Palette, RGB_BYTES, rgbColour, rgbToRgba } from './pixels.ts';
import type { RectDecoder } from './rect-decoder.ts';
import { maxDeflated, ZlibStream } from './zlib-stream.ts';

const TILE = 64;
/** Subencodings (RFC 6143 §7.7.6): 2–16 packed palettes, 130–255 palette RLE with (n − 128) colours. */
const RAW = 0;
const SOLID = 1;
const MAX_PACKED_PALETTE = 16;
const PLAIN_RLE = 128;
const MIN_PALETTE_RLE = 130;
const MAX_PALETTE = 127;

/**
 * The most inflated bytes a `rect` can take: per tile a subencoding byte and a palette of up to 127 CPIXELs, and per
 * pixel at most 4 bytes (a one-pixel plain-RLE run).
 */
function maxInflated(rect: Rect): number {
  const tiles = Math.ceil(rect.w / TILE) * Math.ceil(rect.h / TILE);
  return tiles * (1 + MAX_PALETTE * RGB_BYTES) + rect.w * rect.h * (RGB_BYTES + 1);
}

/**
 * ZRLE (RFC 6143 §7.7.6): a u32 length, then that much of the connection's zlib stream, which inflates to 64×64 tiles
 * in row order. CPIXELs are three bytes (R, G, B) for the client's 32bpp depth-24 format. Each tile is drawn as soon
 * as it is decoded (solid tiles as fills), so nothing larger than a tile is expanded to RGBA.
 */
export class ZrleDecoder implements RectDecoder {
  private readonly stream = new ZlibStream('ZRLE');
  private readonly tile = new Uint8Array(TILE * TILE * 4);
  private readonly tileWords = new Uint32Array(this.tile.buffer);
  private readonly palette = new Palette(MAX_PALETTE);
  private readonly pixel = new Palette(1);
  /** The inflated data of the rectangle being decoded, and the read position in it. */
  private data: Buffer = Buffer.alloc(0);
  private at = 0;

  decode(input: ByteQueue, rect: Rect, target: DecodeTarget): boolean {
    if (input.length < 4) return false;
    const length = input.peek(4).readUInt32BE(0);
    const inflatedMax = maxInflated(rect);
    const limit = Math.min(CLIENT_LIMITS.maxZrleBytes, maxDeflated(inflatedMax));
    if (length > limit) {
      throw new RfbProtocolError(`ZRLE rectangle ${rect.w}×${rect.h} claims ${length} bytes (at most ${limit})`);
    }
    if (input.length < 4 + length) return false;
    this.data = this.stream.inflate(input.take(4 + length).subarray(4), inflatedMax);
    this.at = 0;
    try {
      this.tiles(rect, target);
      if (this.at !== this.data.length) throw new RfbProtocolError('ZRLE data runs past the last tile');
    } finally {
      this.data = Buffer.alloc(0);
    }
    return true;
  }

  private tiles(rect: Rect, target: DecodeTarget): void {
    for (let ty = rect.y; ty < rect.y + rect.h; ty += TILE) {
      const th = Math.min(TILE, rect.y + rect.h - ty);
      for (let tx = rect.x; tx < rect.x + rect.w; tx += TILE) {
        const tw = Math.min(TILE, rect.x + rect.w - tx);
        const sub = this.byte();
        if (sub === SOLID) {
          this.need(RGB_BYTES);
          target.fillRect(tx, ty, tw, th, rgbColour(this.data, this.at));
          this.at += RGB_BYTES;
          continue;
        }
        if (sub === RAW) this.raw(tw * th);
        else if (sub <= MAX_PACKED_PALETTE) this.packed(sub, tw, th);
        else if (sub === PLAIN_RLE) this.plainRle(tw * th);
        else if (sub >= MIN_PALETTE_RLE) this.paletteRle(sub - PLAIN_RLE, tw * th);
        else throw new RfbProtocolError(`ZRLE tile subencoding ${sub} does not exist`);
        target.putRgba(tx, ty, tw, th, this.tile, tw * 4);
      }
    }
  }

  private raw(count: number): void {
    this.need(count * RGB_BYTES);
    rgbToRgba(this.data, this.at, this.tile, 0, count);
    this.at += count * RGB_BYTES;
  }

  private packed(colours: number, tw: number, th: number): void {
    this.loadPalette(colours);
    const bits = colours === 2 ? 1 : colours <= 4 ? 2 : 4;
    const mask = (1 << bits) - 1;
    const rowBytes = Math.ceil((tw * bits) / 8);
    this.need(rowBytes * th);
    const d = this.data;
    const words = this.palette.words;
    for (let y = 0; y < th; y++) {
      const row = this.at + y * rowBytes;
      for (let x = 0; x < tw; x++) {
        const bit = x * bits;
        const index = (d[row + (bit >> 3)]! >> (8 - bits - (bit & 7))) & mask;
        if (index >= colours) throw new RfbProtocolError(`ZRLE palette index ${index} of ${colours} colours`);
        this.tileWords[y * tw + x] = words[index]!;
      }
    }
    this.at += rowBytes * th;
  }

  private plainRle(count: number): void {
    for (let i = 0; i < count;) {
      this.need(RGB_BYTES);
      this.pixel.load(this.data, this.at, 1);
      this.at += RGB_BYTES;
      i = this.run(i, count, this.pixel.words[0]!);
    }
  }

  private paletteRle(colours: number, count: number): void {
    this.loadPalette(colours);
    for (let i = 0; i < count;) {
      const b = this.byte();
      const index = b & 0x7f;
      if (index >= colours) throw new RfbProtocolError(`ZRLE palette index ${index} of ${colours} colours`);
      const word = this.palette.words[index]!;
      if (b & 0x80) i = this.run(i, count, word);
      else this.tileWords[i++] = word;
    }
  }

  /** Reads a run length (bytes of 255 add up, the first other byte ends it) and fills it from pixel `i`. */
  private run(i: number, count: number, word: number): number {
    let length = 1;
    for (let b = 255; b === 255; length += b) b = this.byte();
    if (i + length > count) throw new RfbProtocolError('ZRLE run goes past the end of its tile');
    this.tileWords.fill(word, i, i + length);
    return i + length;
  }

  private loadPalette(colours: number): void {
    this.need(colours * RGB_BYTES);
    this.palette.load(this.data, this.at, colours);
    this.at += colours * RGB_BYTES;
  }

  private byte(): number {
    this.need(1);
    return this.data[this.at++]!;
  }

  private need(n: number): void {
    if (this.at + n > this.data.length) throw new RfbProtocolError('ZRLE data ends inside a tile');
  }
}
