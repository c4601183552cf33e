import { deflateSync } from 'node:zlib';
import type { Framebuffer } from '@xwc/rfb';

/** A thumbnail's largest size: a wall tile on a wide screen, enough to tell a login prompt from a crash screen. */
export const THUMBNAIL_MAX = { width: 320, height: 240 } as const;

/** Source pixels averaged per thumbnail pixel and axis, at most: the cost stays flat however large the screen. */
const SAMPLES = 2;

/** The thumbnail's size for a screen: within THUMBNAIL_MAX, the screen's proportions, never enlarged. */
export function thumbnailSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, THUMBNAIL_MAX.width / width, THUMBNAIL_MAX.height / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * For each thumbnail column (or row) the source positions averaged into it: up to SAMPLES, spread over the range it
 * covers. `at[t * SAMPLES + k]` is the k-th position of t, `count[t]` how many there are.
 */
function samples(source: number, target: number): { at: Int32Array; count: Uint8Array } {
  const at = new Int32Array(target * SAMPLES);
  const count = new Uint8Array(target);
  for (let t = 0; t < target; t++) {
    const start = Math.floor((t * source) / target);
    const span = Math.max(1, Math.floor(((t + 1) * source) / target) - start);
    const n = Math.min(SAMPLES, span);
    count[t] = n;
    for (let k = 0; k < n; k++) at[t * SAMPLES + k] = start + Math.floor(((k + 0.5) * span) / n);
  }
  return { at, count };
}

/** The screen scaled down to `width` × `height` as RGB bytes: each pixel the mean of up to SAMPLES² under it. */
export function scaleDown(fb: Framebuffer, width: number, height: number): Uint8Array {
  const src = fb.bytes;
  const stride = fb.width * 4;
  const out = new Uint8Array(width * height * 3);
  const xs = samples(fb.width, width);
  const ys = samples(fb.height, height);
  let o = 0;
  for (let ty = 0; ty < height; ty++) {
    const rows = ys.count[ty]!;
    for (let tx = 0; tx < width; tx++) {
      const columns = xs.count[tx]!;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let ky = 0; ky < rows; ky++) {
        const row = ys.at[ty * SAMPLES + ky]! * stride;
        for (let kx = 0; kx < columns; kx++) {
          const i = row + xs.at[tx * SAMPLES + kx]! * 4;
          r += src[i]!;
          g += src[i + 1]!;
          b += src[i + 2]!;
        }
      }
      const n = rows * columns;
      out[o++] = (r + (n >> 1)) / n;
      out[o++] = (g + (n >> 1)) / n;
      out[o++] = (b + (n >> 1)) / n;
    }
  }
  return out;
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A truecolour PNG of RGB rows (each row filtered with Sub, which suits screens: runs of one colour become zeros). */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const stride = width * 3;
  const filtered = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const at = y * (stride + 1);
    filtered[at] = 1;
    for (let i = 0; i < stride; i++) {
      filtered[at + 1 + i] = (rgb[row + i]! - (i >= 3 ? rgb[row + i - 3]! : 0)) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  return Buffer.concat([
    SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filtered, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** The framebuffer's thumbnail as a PNG. */
export function thumbnail(fb: Framebuffer): Buffer {
  const { width, height } = thumbnailSize(fb.width, fb.height);
  return encodePng(width, height, scaleDown(fb, width, height));
}
