/**
 * The viewer side of the benchmarks, without decoding: noVNC's SetEncodings, and a reader that finds where each
 * FramebufferUpdate ends in what the engine sends (Raw, CopyRect, Tight and the pseudo-rectangles it uses), so a
 * benchmark client can pull as noVNC does (the next request once an update is whole) at the cost of parsing only.
 */

/**
 * What noVNC 1.7 sends in SetEncodings, in its order (core/rfb.js `_sendEncodings`, default quality 6 and
 * compression 2, a 24-bit screen, no H.264 decoder): CopyRect, Tight, TightPNG, ZRLE, JPEG, Hextile, RRE, Zlib, Raw,
 * then the quality and compression levels, DesktopSize, LastRect, QEMU extended keys and LED state,
 * ExtendedDesktopSize, XVP, Fence, ContinuousUpdates, DesktopName, ExtendedClipboard, extended mouse buttons and the
 * VMware and plain cursors.
 */
export const NOVNC_ENCODINGS: number[] = [
  1,
  7,
  -260,
  16,
  21,
  5,
  2,
  6,
  0,
  -32 + 6,
  -256 + 2,
  -223,
  -224,
  -258,
  -261,
  -308,
  -309,
  -312,
  -313,
  -307,
  0xc0a1e5ce - 2 ** 32,
  -316,
  0x574d5664,
  -239,
];

/** Reads a server stream and calls `onUpdate` after each whole FramebufferUpdate, so the client can ask for the next. */
export class UpdateReader {
  private buf: Buffer = Buffer.alloc(0);
  private state: { rects: number } | null = null;
  updates = 0;
  bytes = 0;

  constructor(private readonly onUpdate: () => void) {}

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (let guard = 0; guard < 1_000_000 && this.step(); guard++);
  }

  /** Consumes one message or rectangle if whole; false when more bytes are needed. */
  private step(): boolean {
    const b = this.buf;
    if (!this.state) {
      if (b.length < 4) return false;
      if (b[0] !== 0) throw new Error(`unexpected message ${b[0]}`);
      this.state = { rects: b.readUInt16BE(2) };
      this.buf = b.subarray(4);
      return this.finishIfDone();
    }
    if (b.length < 12) return false;
    const w = b.readUInt16BE(4);
    const h = b.readUInt16BE(6);
    const length = this.rectLength(b.readInt32BE(8), w, h, b.subarray(12));
    if (length < 0 || b.length < 12 + length) return false;
    this.buf = b.subarray(12 + length);
    this.state.rects--;
    return this.finishIfDone();
  }

  private finishIfDone(): boolean {
    if (this.state && this.state.rects === 0) {
      this.state = null;
      this.updates++;
      this.onUpdate();
    }
    return true;
  }

  /** Payload length of a rectangle, or -1 if not yet knowable. */
  private rectLength(encoding: number, w: number, h: number, p: Buffer): number {
    switch (encoding) {
      case 0:
        return w * h * 4;
      case 1:
        return 4;
      case -307:
        return p.length < 4 ? -1 : 4 + p.readUInt32BE(0);
      case 7:
        return tightLength(p, w, h);
      default:
        return 0;
    }
  }
}

function tightLength(p: Buffer, w: number, h: number): number {
  if (p.length < 1) return -1;
  const ctl = p[0]! >> 4;
  if (ctl === 0x08) return 4;
  let o = 1;
  let bitsPerPixel = 24;
  if (ctl & 0x4) {
    if (p.length < 3) return -1;
    const colours = p[2]! + 1;
    o = 3 + colours * 3;
    bitsPerPixel = colours <= 2 ? 1 : 8;
  }
  const raw = bitsPerPixel === 24 ? w * h * 3 : Math.ceil((w * bitsPerPixel) / 8) * h;
  if (raw < 12) return o + raw;
  let len = 0;
  for (let i = 0; i < 3; i++) {
    if (p.length < o + 1) return -1;
    const byte = p[o++]!;
    len |= (i < 2 ? byte & 0x7f : byte) << (7 * i);
    if (i < 2 && !(byte & 0x80)) break;
  }
  return o + len;
}
