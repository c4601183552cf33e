import type { ByteQueue } from './byte-queue.ts';
import { CLIENT_LIMITS } from './limits.ts';
import { RfbProtocolError } from './protocol-error.ts';

/** One screen of an ExtendedDesktopSize layout. */
export interface Screen {
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  flags: number;
}

const SCREEN_BYTES = 16;

/** Checks a new screen size from DesktopSize, ExtendedDesktopSize or ServerInit. */
export function checkScreenSize(w: number, h: number): void {
  const max = CLIENT_LIMITS.maxScreenSide;
  if (w > max || h > max) throw new RfbProtocolError(`screen size ${w}×${h} is larger than ${max}×${max}`);
}

/**
 * ExtendedDesktopSize's payload: a u8 count, 3 bytes padding, then 16 bytes a screen (at most 255 by the count's
 * width). Null until it has all arrived.
 */
export function readScreens(input: ByteQueue): Screen[] | null {
  if (input.length < 4) return null;
  const count = input.peek(1)[0]!;
  const length = 4 + count * SCREEN_BYTES;
  if (input.length < length) return null;
  const b = input.take(length);
  return Array.from({ length: count }, (_, i) => {
    const at = 4 + i * SCREEN_BYTES;
    return {
      id: b.readUInt32BE(at),
      x: b.readUInt16BE(at + 4),
      y: b.readUInt16BE(at + 6),
      w: b.readUInt16BE(at + 8),
      h: b.readUInt16BE(at + 10),
      flags: b.readUInt32BE(at + 12),
    };
  });
}

/**
 * A u32 length at `offset`, then that many bytes of UTF-8 name (ServerInit, DesktopName), decoded lossily; consumes
 * everything up to the name's end. Null until it has all arrived; a name longer than the limit is a protocol error
 * before any of it is buffered.
 */
export function readName(input: ByteQueue, offset = 0): string | null {
  if (input.length < offset + 4) return null;
  const length = input.peek(offset + 4).readUInt32BE(offset);
  if (length > CLIENT_LIMITS.maxNameBytes) {
    throw new RfbProtocolError(`desktop name of ${length} bytes is longer than ${CLIENT_LIMITS.maxNameBytes}`);
  }
  if (input.length < offset + 4 + length) return null;
  return input.take(offset + 4 + length).toString('utf8', offset + 4);
}
