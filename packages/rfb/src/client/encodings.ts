import { Encoding } from '../messages.ts';
import { SERVER_PIXEL_FORMAT, type PixelFormat } from '../pixel-format.ts';

/** The encodings and pseudo-encodings this client can decode (RFC 6143 §7.7, §7.8 and the community registry). */
export const ClientEncoding = {
  Raw: Encoding.Raw,
  CopyRect: Encoding.CopyRect,
  Tight: Encoding.Tight,
  ZRLE: 16,
  DesktopSize: Encoding.DesktopSize,
  LastRect: -224,
  QemuExtendedKeyEvent: Encoding.QemuExtendedKeyEvent,
  DesktopName: Encoding.DesktopName,
  ExtendedDesktopSize: -308,
} as const;

/** Compression levels 0–9 (-256 to -247) only tune the server's zlib; they bring no rectangles of their own. */
const isCompressLevel = (e: number) => e >= Encoding.CompressLevel0 && e <= Encoding.CompressLevel0 + 9;

const DECODABLE = new Set<number>(Object.values(ClientEncoding));

/**
 * What the client asks for by default, in preference order. ZRLE first: TigerVNC's Xvnc, QEMU and libvncserver all
 * offer it, lossless, one zlib stream per connection. Tight next (lossless only: no JPEG quality level is listed, so
 * servers never send JPEG, which this client does not decode); Raw last, the fallback every server has.
 */
export const DEFAULT_ENCODINGS: readonly number[] = [
  ClientEncoding.CopyRect,
  ClientEncoding.ZRLE,
  ClientEncoding.Tight,
  ClientEncoding.Raw,
  ClientEncoding.DesktopSize,
  ClientEncoding.ExtendedDesktopSize,
  ClientEncoding.LastRect,
  ClientEncoding.QemuExtendedKeyEvent,
  ClientEncoding.DesktopName,
];

/**
 * Checks a caller's encoding list: only what this client decodes (and compression levels), no repeats, and not so
 * long that SetEncodings could not say it. Throws a TypeError naming the first offender (a programming error).
 */
export function checkEncodings(list: readonly number[]): readonly number[] {
  const seen = new Set<number>();
  for (const e of list) {
    if (!Number.isInteger(e) || (!DECODABLE.has(e) && !isCompressLevel(e))) {
      throw new TypeError(`encoding ${e} cannot be decoded by this client`);
    }
    if (seen.has(e)) throw new TypeError(`encoding ${e} is listed twice`);
    seen.add(e);
  }
  return [...list];
}

/**
 * The pixel format the client asks for: 32bpp, depth 24, little-endian, red in the lowest byte. On the wire each
 * pixel is then the bytes R, G, B, X, which is RGBA as the framebuffer stores it (Raw rows are copied as they come),
 * and ZRLE's CPIXEL and Tight's TPIXEL are the three bytes R, G, B.
 */
export const CLIENT_PIXEL_FORMAT: PixelFormat = { ...SERVER_PIXEL_FORMAT, redShift: 0, blueShift: 16 };
