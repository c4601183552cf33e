import { rawVariant, tightVariant, type Variant } from './encoders/variant.ts';
import { Encoding } from './messages.ts';
import { isTrueColour888, type PixelFormat } from './pixel-format.ts';

/** What one viewer's SetEncodings asked for, as far as this server serves it. */
export interface ViewerEncodings {
  /** Tight comes before Raw in the viewer's preference order. */
  readonly tight: boolean;
  readonly copyRect: boolean;
  readonly desktopSize: boolean;
  readonly desktopName: boolean;
  readonly extendedKeyEvent: boolean;
  /** The last compression level pseudo-encoding listed (0–9), or null. */
  readonly compressLevel: number | null;
}

/** Before any SetEncodings a viewer gets Raw only (RFC 6143 §7.5.2). */
export const RAW_ONLY: ViewerEncodings = {
  tight: false,
  copyRect: false,
  desktopSize: false,
  desktopName: false,
  extendedKeyEvent: false,
  compressLevel: null,
};

export function viewerEncodings(list: readonly number[]): ViewerEncodings {
  const has = (e: number) => list.includes(e);
  const tightAt = list.indexOf(Encoding.Tight);
  const rawAt = list.indexOf(Encoding.Raw);
  const levels = list.filter((e) => e >= Encoding.CompressLevel0 && e <= Encoding.CompressLevel0 + 9);
  return {
    tight: tightAt >= 0 && (rawAt < 0 || tightAt < rawAt),
    copyRect: has(Encoding.CopyRect),
    desktopSize: has(Encoding.DesktopSize),
    desktopName: has(Encoding.DesktopName),
    extendedKeyEvent: has(Encoding.QemuExtendedKeyEvent),
    compressLevel: levels.length ? levels[levels.length - 1]! - Encoding.CompressLevel0 : null,
  };
}

/**
 * The encoding of a viewer's pixel rectangles. Compression levels fold into three zlib levels so that viewers with
 * nearby settings share encodings; small tiles cost about the same at every level.
 */
export function pixelVariant(enc: ViewerEncodings, pf: PixelFormat): Variant {
  if (!enc.tight || !isTrueColour888(pf)) return rawVariant(pf);
  const level = enc.compressLevel ?? DEFAULT_COMPRESS_LEVEL;
  return tightVariant(level <= 1 ? 1 : level <= 6 ? 6 : 9);
}

/** TigerVNC's and noVNC's default. */
const DEFAULT_COMPRESS_LEVEL = 2;
