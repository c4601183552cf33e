/**
 * Bytes received and not yet parsed, kept as the chunks they arrived in. Readers check `length` first, then take
 * exactly what one protocol unit needs; chunks are joined only when a unit spans them.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The first `n` bytes (n ≤ length), contiguous, left in the queue. */
  peek(n: number): Buffer {
    let first = this.chunks[0] ?? Buffer.alloc(0);
    if (first.length < n) {
      let count = 0;
      let joined = 0;
      while (joined < n) joined += this.chunks[count++]!.length;
      first = Buffer.concat(this.chunks.slice(0, count), joined);
      this.chunks.splice(0, count, first);
    }
    return first.subarray(0, n);
  }

  /** Removes and returns the first `n` bytes (n ≤ length). */
  take(n: number): Buffer {
    const bytes = this.peek(n);
    this.skip(n);
    return bytes;
  }

  /** Drops the first `n` bytes (n ≤ length). */
  skip(n: number): void {
    let left = n;
    while (left > 0) {
      const first = this.chunks[0]!;
      if (first.length > left) {
        this.chunks[0] = first.subarray(left);
        break;
      }
      this.chunks.shift();
      left -= first.length;
    }
    this.size -= n;
  }
}
