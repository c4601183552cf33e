import type { Colour } from '../../framebuffer.ts';

/** Bytes of one pixel in ZRLE's CPIXEL and Tight's TPIXEL for the client's format: R, G, B. */
export const RGB_BYTES = 3;

/** Expands `count` R, G, B pixels of `src` (from byte `from`) into RGBA at byte `to` of `dst`. */
export function rgbToRgba(src: Uint8Array, from: number, dst: Uint8Array, to: number, count: number): void {
  for (let i = 0; i < count; i++, from += 3, to += 4) {
    dst[to] = src[from]!;
    dst[to + 1] = src[from + 1]!;
    dst[to + 2] = src[from + 2]!;
    dst[to + 3] = 0xff;
  }
}

export function rgbColour(src: Uint8Array, at: number): Colour {
  return (src[at]! << 16) | (src[at + 1]! << 8) | src[at + 2]!;
}

/**
 * Colours as RGBA words in memory order, so that a pixel is written with one store whatever the platform's byte
 * order: `words[i]` has the bytes R, G, B, 255 of colour i.
 */
export class Palette {
  private readonly bytes: Uint8Array;
  readonly words: Uint32Array;

  constructor(size: number) {
    this.bytes = new Uint8Array(size * 4);
    this.words = new Uint32Array(this.bytes.buffer);
  }

  /** Reads `count` R, G, B pixels starting at `from`. */
  load(src: Uint8Array, from: number, count: number): void {
    rgbToRgba(src, from, this.bytes, 0, count);
  }
}

/**
 * A row-band buffer for writing a rectangle into the target a few rows at a time, so no decoder allocates a whole
 * screen of RGBA for one large rectangle.
 */
export class BandBuffer {
  private buffer = new Uint8Array(0);
  private wordView = new Uint32Array(0);

  /** Rows per band for rectangles `w` wide: about 64 KiB pixels a band, at least one row. */
  static rows(w: number): number {
    return Math.max(1, Math.floor(65536 / Math.max(1, w)));
  }

  /** A buffer of at least `pixels` RGBA pixels (grown, never shrunk: bounded by one band). */
  get(pixels: number): { bytes: Uint8Array; words: Uint32Array } {
    if (this.buffer.length < pixels * 4) {
      this.buffer = new Uint8Array(pixels * 4);
      this.wordView = new Uint32Array(this.buffer.buffer);
    }
    return { bytes: this.buffer, words: this.wordView };
  }
}
