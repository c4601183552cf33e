/** How much of a text console's recent output is kept for viewers who join later. */
export const HISTORY_BYTES = 64 * 1024;

/**
 * The last `HISTORY_BYTES` of a text console's output, as received. A viewer joining late is sent it first, from the
 * first line start once older output was dropped (so it does not begin inside a line or an escape sequence).
 */
export class OutputHistory {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private trimmed = false;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes > HISTORY_BYTES) {
      const first = this.chunks[0]!;
      const excess = this.bytes - HISTORY_BYTES;
      this.trimmed = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.bytes -= first.length;
      } else {
        // A copy, so the rest of a large chunk is not kept alive by the slice.
        this.chunks[0] = Buffer.from(first.subarray(excess));
        this.bytes -= excess;
      }
    }
  }

  /** The kept output, in one buffer (empty when nothing was received yet). */
  replay(): Buffer {
    const all = Buffer.concat(this.chunks, this.bytes);
    if (!this.trimmed) return all;
    const lineStart = all.indexOf(0x0a);
    return lineStart < 0 ? all : all.subarray(lineStart + 1);
  }
}
