import { Encoding, rectHeader } from '../messages.ts';
import { bytesPerPixel, formatKey, type PixelFormat } from '../pixel-format.ts';
import type { Rect } from '../rect.ts';
import type { PixelSource } from './pixel-source.ts';
import { writeRawPixels } from './raw.ts';
import { tightPayload } from './tight.ts';

/** One way of encoding pixel rectangles; viewers whose variants have the same key receive the same bytes. */
export interface Variant {
  readonly key: string;
  /** The whole rectangle: header and payload, one buffer. */
  encode(src: PixelSource, r: Rect): Buffer;
}

const variants = new Map<string, Variant>();

function memo(key: string, make: () => Variant['encode']): Variant {
  let v = variants.get(key);
  if (!v) variants.set(key, (v = { key, encode: make() }));
  return v;
}

export function rawVariant(pf: PixelFormat): Variant {
  return memo(`raw ${formatKey(pf)}`, () => (src, r) => {
    const out = Buffer.allocUnsafe(12 + r.w * r.h * bytesPerPixel(pf));
    rectHeader(r, Encoding.Raw).copy(out);
    writeRawPixels(src, r, pf, out, 12);
    return out;
  });
}

/** Tight for 888 formats: the bytes do not depend on the format's shifts or byte order. */
export function tightVariant(zlibLevel: number): Variant {
  return memo(
    `tight ${zlibLevel}`,
    () => (src, r) => Buffer.concat([rectHeader(r, Encoding.Tight), tightPayload(src, r, zlibLevel)]),
  );
}
