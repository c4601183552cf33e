import type { DecodeTarget } from '../../framebuffer.ts';
import type { Rect } from '../../rect.ts';
import type { ByteQueue } from '../byte-queue.ts';
import type { RectDecoder } from './rect-decoder.ts';

/**
 * Raw: rows of pixels in the client's format, which is R, G, B, X: RGBA as it stands. Whole rows are drawn as they
 * arrive, so a large rectangle is never buffered.
 */
export class RawDecoder implements RectDecoder {
  private rowsDone = 0;

  decode(input: ByteQueue, rect: Rect, target: DecodeTarget): boolean {
    const rowBytes = rect.w * 4;
    if (rowBytes === 0 || rect.h === 0) return true;
    const rows = Math.min(rect.h - this.rowsDone, Math.floor(input.length / rowBytes));
    if (rows > 0) {
      target.putRgba(rect.x, rect.y + this.rowsDone, rect.w, rows, input.take(rows * rowBytes), rowBytes);
      this.rowsDone += rows;
    }
    if (this.rowsDone < rect.h) return false;
    this.rowsDone = 0;
    return true;
  }
}
