import { bytesPerPixel, formatKey, type PixelFormat } from '../pixel-format.ts';
import type { Rect } from '../rect.ts';
import type { PixelSource } from './pixel-source.ts';

interface Channels {
  red: Uint32Array;
  green: Uint32Array;
  blue: Uint32Array;
}

const tables = new Map<string, Channels>();

/** Per channel, value 0..255 → that channel's bits in the pixel, scaled to its max with rounding. */
function channelsOf(pf: PixelFormat): Channels {
  const key = formatKey(pf);
  let t = tables.get(key);
  if (!t) {
    t = {
      red: channelTable(pf.redMax, pf.redShift),
      green: channelTable(pf.greenMax, pf.greenShift),
      blue: channelTable(pf.blueMax, pf.blueShift),
    };
    tables.set(key, t);
  }
  return t;
}

function channelTable(max: number, shift: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let v = 0; v < 256; v++) t[v] = (Math.floor((v * max + 127) / 255) * 2 ** shift) >>> 0;
  return t;
}

/** Writes `rect` of the screen as pixel values of format `pf` (the Raw encoding's payload) into `out` at `offset`. */
export function writeRawPixels(src: PixelSource, rect: Rect, pf: PixelFormat, out: Uint8Array, offset: number): void {
  const bpp = bytesPerPixel(pf);
  const { red, green, blue } = channelsOf(pf);
  const p = src.bytes;
  const big = pf.bigEndian;
  let o = offset;
  for (let y = rect.y; y < rect.y + rect.h; y++) {
    let i = (y * src.width + rect.x) * 4;
    for (let x = 0; x < rect.w; x++, i += 4) {
      const v = red[p[i]!]! | green[p[i + 1]!]! | blue[p[i + 2]!]!;
      if (bpp === 4) {
        if (big) {
          out[o++] = v >>> 24;
          out[o++] = v >>> 16;
          out[o++] = v >>> 8;
          out[o++] = v;
        } else {
          out[o++] = v;
          out[o++] = v >>> 8;
          out[o++] = v >>> 16;
          out[o++] = v >>> 24;
        }
      } else if (bpp === 2) {
        out[o++] = big ? v >>> 8 : v;
        out[o++] = big ? v : v >>> 8;
      } else {
        out[o++] = v;
      }
    }
  }
}
