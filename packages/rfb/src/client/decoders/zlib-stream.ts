import { constants, inflateRawSync } from 'node:zlib';
import { RfbProtocolError } from '../protocol-error.ts';

/** Deflate's window: the most any back-reference reaches. */
const WINDOW = 32 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * The most compressed bytes any zlib stream needs for `n` bytes of output, with room for a header and a flush marker
 * (zlib's own deflateBound is below this for every setting): longer data for a rectangle is refused unread.
 */
export function maxDeflated(n: number): number {
  return n + (n >> 3) + (n >> 6) + 64;
}

/**
 * One zlib stream that runs across rectangles (ZRLE's per connection, Tight's four), inflated synchronously.
 *
 * Servers end each rectangle's data with a sync flush (byte-aligned, every block complete), so each piece inflates on
 * its own given the stream's last 32 KiB of output as the dictionary. That keeps decoding synchronous with Node's
 * documented one-shot API; the cost is one small inflate context per rectangle.
 */
export class ZlibStream {
  private window = EMPTY;
  /** Bytes of the 2-byte zlib header (RFC 1950) not yet seen. */
  private header: number[] = [];
  private started = false;

  constructor(private readonly what: string) {}

  /** The server started the stream afresh (Tight's reset bits). */
  reset(): void {
    this.window = EMPTY;
    this.header = [];
    this.started = false;
  }

  /**
   * Inflates one rectangle's compressed bytes into at most `maxOutput` bytes; more output than that, or corrupt
   * data, is a protocol error.
   */
  inflate(data: Buffer, maxOutput: number): Buffer {
    const body = this.started ? data : this.skipHeader(data);
    if (body.length === 0) return EMPTY;
    let out: Buffer;
    try {
      out = inflateRawSync(body, {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: Math.max(1, maxOutput),
        ...(this.window.length ? { dictionary: this.window } : {}),
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new RfbProtocolError(
        code === 'ERR_BUFFER_TOO_LARGE'
          ? `${this.what} data inflates to more than its rectangle holds`
          : `${this.what} data is not a valid zlib stream`,
      );
    }
    this.remember(out);
    return out;
  }

  private skipHeader(data: Buffer): Buffer {
    const take = Math.min(2 - this.header.length, data.length);
    this.header.push(...data.subarray(0, take));
    if (this.header.length < 2) return EMPTY;
    const [cmf, flg] = this.header as [number, number];
    // Deflate, a window of at most 32 KiB, a valid check value, and no preset dictionary.
    if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0 || (flg & 0x20) !== 0) {
      throw new RfbProtocolError(`${this.what} data does not start with a zlib header`);
    }
    this.started = true;
    return data.subarray(take);
  }

  private remember(out: Buffer): void {
    if (out.length >= WINDOW) this.window = Buffer.from(out.subarray(out.length - WINDOW));
    else if (out.length > 0) {
      const joined = Buffer.concat([this.window, out]);
      this.window = joined.length > WINDOW ? joined.subarray(joined.length - WINDOW) : joined;
    }
  }
}
