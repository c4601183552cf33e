/** RFB PIXEL_FORMAT (RFC 6143 §7.4): how a client wants pixel values laid out on the wire. */
export interface PixelFormat {
  bitsPerPixel: 8 | 16 | 32;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/** What ServerInit announces: 32bpp, depth 24, little-endian, red in bits 16-23 (vncterm and QEMU use the same). */
export const SERVER_PIXEL_FORMAT: PixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
};

export const PIXEL_FORMAT_LENGTH = 16;

export function encodePixelFormat(pf: PixelFormat): Buffer {
  const b = Buffer.alloc(PIXEL_FORMAT_LENGTH);
  b.writeUInt8(pf.bitsPerPixel, 0);
  b.writeUInt8(pf.depth, 1);
  b.writeUInt8(pf.bigEndian ? 1 : 0, 2);
  b.writeUInt8(pf.trueColour ? 1 : 0, 3);
  b.writeUInt16BE(pf.redMax, 4);
  b.writeUInt16BE(pf.greenMax, 6);
  b.writeUInt16BE(pf.blueMax, 8);
  b.writeUInt8(pf.redShift, 10);
  b.writeUInt8(pf.greenShift, 11);
  b.writeUInt8(pf.blueShift, 12);
  return b;
}

export type ParsedPixelFormat = { ok: true; format: PixelFormat } | { ok: false; reason: string };

/** Parses and validates a client's format; only true-colour formats whose channels fit in the pixel are accepted. */
export function parsePixelFormat(b: Buffer, offset = 0): ParsedPixelFormat {
  const bpp = b.readUInt8(offset);
  if (bpp !== 8 && bpp !== 16 && bpp !== 32) return { ok: false, reason: `unsupported bits-per-pixel ${bpp}` };
  const format: PixelFormat = {
    bitsPerPixel: bpp,
    depth: b.readUInt8(offset + 1),
    bigEndian: b.readUInt8(offset + 2) !== 0,
    trueColour: b.readUInt8(offset + 3) !== 0,
    redMax: b.readUInt16BE(offset + 4),
    greenMax: b.readUInt16BE(offset + 6),
    blueMax: b.readUInt16BE(offset + 8),
    redShift: b.readUInt8(offset + 10),
    greenShift: b.readUInt8(offset + 11),
    blueShift: b.readUInt8(offset + 12),
  };
  if (!format.trueColour) return { ok: false, reason: 'colour-map pixel formats are not supported' };
  const channels: [number, number][] = [
    [format.redMax, format.redShift],
    [format.greenMax, format.greenShift],
    [format.blueMax, format.blueShift],
  ];
  let used = 0;
  for (const [max, shift] of channels) {
    if (max === 0 || shift >= bpp || max * 2 ** shift >= 2 ** bpp) {
      return { ok: false, reason: 'colour channel does not fit in the pixel' };
    }
    // A channel is a run of bits (max = 2^n - 1), and no two channels share a bit.
    const mask = max * 2 ** shift;
    if ((max & (max + 1)) !== 0 || (used & mask) !== 0) {
      return { ok: false, reason: 'colour channels overlap or are not runs of bits' };
    }
    used |= mask;
  }
  return { ok: true, format };
}

export function bytesPerPixel(pf: PixelFormat): number {
  return pf.bitsPerPixel / 8;
}

/** A string that is equal for equal formats (what the field values say, not how they were written). */
export function formatKey(pf: PixelFormat): string {
  const { bitsPerPixel, depth, bigEndian, redMax, greenMax, blueMax, redShift, greenShift, blueShift } = pf;
  return `${bitsPerPixel}/${depth}/${bigEndian ? 'be' : 'le'}/${redMax},${greenMax},${blueMax}/${redShift},${greenShift},${blueShift}`;
}

/**
 * True for the 32bpp depth-24 formats with 8-bit channels, where Tight's TPIXEL is the three bytes R, G, B whatever
 * the shifts and byte order: what noVNC and every common viewer ask for.
 */
export function isTrueColour888(pf: PixelFormat): boolean {
  return pf.bitsPerPixel === 32 && pf.depth === 24 && pf.redMax === 255 && pf.greenMax === 255 && pf.blueMax === 255;
}
