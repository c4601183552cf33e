import type { DecodeTarget } from '../../framebuffer.ts';
import type { Rect } from '../../rect.ts';
import type { ByteQueue } from '../byte-queue.ts';
import { RfbProtocolError } from '../protocol-error.ts';
import type { RectDecoder } from './rect-decoder.ts';

/** CopyRect: the rectangle takes what is at (srcX, srcY) on the screen; the source must lie on the screen too. */
export class CopyRectDecoder implements RectDecoder {
  decode(input: ByteQueue, rect: Rect, target: DecodeTarget): boolean {
    if (input.length < 4) return false;
    const source = input.take(4);
    const srcX = source.readUInt16BE(0);
    const srcY = source.readUInt16BE(2);
    if (srcX + rect.w > target.width || srcY + rect.h > target.height) {
      throw new RfbProtocolError(`CopyRect source ${rect.w}×${rect.h} at ${srcX},${srcY} is outside the screen`);
    }
    target.copyRect(srcX, srcY, rect);
    return true;
  }
}
