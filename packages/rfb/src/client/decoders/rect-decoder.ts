import type { DecodeTarget } from '../../framebuffer.ts';
import type { Rect } from '../../rect.ts';
import type { ByteQueue } from '../byte-queue.ts';

/**
 * One encoding's decoder, kept for the life of a connection (ZRLE and Tight keep zlib streams across rectangles).
 * `rect` lies inside the target. Throws RfbProtocolError on malformed data.
 */
export interface RectDecoder {
  /** Consumes as much of `rect`'s data as `input` holds and draws it; true once the rectangle is complete. */
  decode(input: ByteQueue, rect: Rect, target: DecodeTarget): boolean;
}
