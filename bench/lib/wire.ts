/**
 * What a benchmark client asks of the target server behind the proxy under test. The request travels as
 * the stream's first bytes, so it works the same through raw TCP, websockify, the bridge and the whole
 * gateway (TLS CONNECT, the simulator's relay): 24 bytes, "XWCB", mode, 3 pad, count (u64), a, b (u32).
 */
export const MAGIC = 'XWCB';
/** The target speaks first, as an RFB server does; a client sends its request once it has these 12 bytes. */
export const BANNER = Buffer.from('XWCB ready.\n', 'latin1');
export const REQUEST_BYTES = 24;

export const MODE = {
  /** Sends `count` pattern bytes, then ends. */
  source: 1,
  /** Reads `count` pattern bytes, answers with a RESULT, then ends. */
  sink: 2,
  /** Frames of `a` payload bytes as fast as the socket drains (none if a = 0), keys echoed in-band. */
  floodEcho: 3,
  /** `count` updates of `a` pattern bytes, one every `b` ms, then ends. */
  ticker: 4,
} as const;
export type Mode = (typeof MODE)[keyof typeof MODE];

export function request(mode: Mode, count: number, a = 0, b = 0): Buffer {
  const out = Buffer.alloc(REQUEST_BYTES);
  out.write(MAGIC, 0, 'latin1');
  out[4] = mode;
  out.writeBigUInt64BE(BigInt(count), 8);
  out.writeUInt32BE(a, 16);
  out.writeUInt32BE(b, 20);
  return out;
}

export function parseRequest(buf: Buffer): { mode: Mode; count: number; a: number; b: number } | undefined {
  if (buf.length < REQUEST_BYTES || buf.toString('latin1', 0, 4) !== MAGIC) return undefined;
  return {
    mode: buf[4] as Mode,
    count: Number(buf.readBigUInt64BE(8)),
    a: buf.readUInt32BE(16),
    b: buf.readUInt32BE(20),
  };
}

/** The sink's answer: bytes received (u64) and 1 if every byte matched the pattern. */
export const RESULT_BYTES = 9;

/**
 * Flood/echo framing, server→client: a 5-byte header (kind, u32 payload length) then the payload. A key is
 * an 8-byte client message (the size of an RFB KeyEvent) carrying a sequence number; its echo is a KEY frame
 * with the same 8 bytes, queued behind whatever the server had already written.
 */
export const FRAME = { fill: 0xf0, key: 0x4b } as const;
export const KEY_BYTES = 8;

export function frameHeader(kind: number, length: number): Buffer {
  const out = Buffer.alloc(5);
  out[0] = kind;
  out.writeUInt32BE(length, 1);
  return out;
}

/** Splits the server's byte stream back into frames, across any chunking; calls `onKey` for each echo. */
export class FrameReader {
  private header = Buffer.alloc(0);
  private kind = 0;
  private left = 0;
  private keyBytes: Buffer[] = [];
  bytes = 0;
  broken = false;

  constructor(private readonly onKey: (key: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let at = 0;
    while (at < chunk.length && !this.broken) {
      if (this.left === 0) {
        const need = 5 - this.header.length;
        this.header = Buffer.concat([this.header, chunk.subarray(at, at + need)]);
        at += Math.min(need, chunk.length - at);
        if (this.header.length < 5) return;
        this.kind = this.header[0]!;
        this.left = this.header.readUInt32BE(1);
        this.header = Buffer.alloc(0);
        if (this.kind !== FRAME.fill && this.kind !== FRAME.key) this.broken = true;
        continue;
      }
      const n = Math.min(this.left, chunk.length - at);
      if (this.kind === FRAME.key) this.keyBytes.push(chunk.subarray(at, at + n));
      this.left -= n;
      at += n;
      if (this.left === 0 && this.kind === FRAME.key) {
        this.onKey(Buffer.concat(this.keyBytes));
        this.keyBytes = [];
      }
    }
  }
}
