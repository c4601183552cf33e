/**
 * Reads the HTTP reply to `CONNECT /console…` from a byte stream, within a size bound. What follows
 * the blank line already belongs to the console protocol and is handed back untouched.
 */
export interface ConnectReply {
  version: string;
  status: number;
  headers: ReadonlyMap<string, string>;
  /** Bytes after the header block (the start of the RFB stream). */
  rest: Buffer;
}

export type ReplyProgress = { done: false } | { done: true; reply: ConnectReply } | { done: true; error: string };

export class ReplyParser {
  private buffered: Buffer = Buffer.alloc(0);

  constructor(private readonly maxHeaderBytes = 8192) {}

  push(chunk: Buffer): ReplyProgress {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end === -1) {
      return this.buffered.length > this.maxHeaderBytes
        ? { done: true, error: 'reply headers too large' }
        : { done: false };
    }
    if (end > this.maxHeaderBytes) return { done: true, error: 'reply headers too large' };
    const head = this.buffered.subarray(0, end).toString('latin1');
    const rest = this.buffered.subarray(end + 4);
    const [statusLine, ...lines] = head.split('\r\n');
    const m = /^HTTP\/(1\.[01]) (\d{3})(?: .*)?$/.exec(statusLine ?? '');
    if (!m) return { done: true, error: 'malformed status line' };
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) return { done: true, error: 'malformed header line' };
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    return { done: true, reply: { version: m[1]!, status: Number(m[2]), headers, rest } };
  }
}
