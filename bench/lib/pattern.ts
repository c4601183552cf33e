/**
 * The bytes every benchmark stream carries: a pseudo-random block of a length that is no power of two,
 * repeated. Byte i of a stream is BLOCK[i mod PERIOD], so a receiver checks order, loss and duplication
 * with memcmp-speed comparisons (no hashing that would slow the fastest paths), and the count checks the tail.
 */
export const PERIOD = 1024 * 1024 + 4099;
/** Deterministic (xorshift32), so every process makes the same block without sharing it. */
function block(): Buffer {
  const out = Buffer.alloc(PERIOD);
  let x = 0x9e3779b9;
  for (let i = 0; i < PERIOD; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
const seed = block();
/** Two periods back to back: any PERIOD-long window starting in the first is contiguous. */
const DOUBLE = Buffer.concat([seed, seed]);

/** `length` bytes of the stream starting at `offset`, without copying (length ≤ PERIOD). */
export function slice(offset: number, length: number): Buffer {
  if (length > PERIOD) throw new Error('slice longer than the pattern period');
  const start = offset % PERIOD;
  return DOUBLE.subarray(start, start + length);
}

/** Checks received chunks against the pattern, in order. */
export class PatternChecker {
  offset = 0;
  mismatchAt: number | undefined;

  push(chunk: Buffer): void {
    if (this.mismatchAt !== undefined) {
      this.offset += chunk.length;
      return;
    }
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(chunk.length - at, PERIOD);
      if (!chunk.subarray(at, at + n).equals(slice(this.offset, n))) {
        this.mismatchAt = this.offset;
        this.offset += chunk.length - at;
        return;
      }
      this.offset += n;
      at += n;
    }
  }

  get ok(): boolean {
    return this.mismatchAt === undefined;
  }
}
