/**
 * A test viewer that decodes what the server sends with noVNC's own decoders (Raw, CopyRect, Tight from
 * @novnc/novnc/core/decoders), through a stand-in for noVNC's socket queue and a display that draws into an RGBA
 * array, so pixel checks do not depend on this package's code. Raw in formats other than noVNC's is decoded here,
 * independently of the server's converter.
 */
import type { Duplex } from 'node:stream';
import { SERVER_PIXEL_FORMAT, setEncodings, setPixelFormat, updateRequest, type PixelFormat } from '../src/index.ts';

interface Decoder {
  decodeRect(x: number, y: number, w: number, h: number, sock: SockQueue, display: Display, depth: number): boolean;
}

// noVNC's logging module looks for the browser's `window` when it loads.
(globalThis as { window?: unknown }).window ??= { console, Error };

const decoderModule = async (name: string): Promise<new () => Decoder> => {
  const url = new URL(`../../../node_modules/@novnc/novnc/core/decoders/${name}.js`, import.meta.url);
  return ((await import(url.href)) as { default: new () => Decoder }).default;
};

const RawDecoder = await decoderModule('raw');
const CopyRectDecoder = await decoderModule('copyrect');
const TightDecoder = await decoderModule('tight');

export const ENCODING = {
  raw: 0,
  copyRect: 1,
  tight: 7,
  desktopSize: -223,
  lastRect: -224,
  qemuExtendedKeyEvent: -258,
  desktopName: -307,
} as const;

export { NOVNC_ENCODINGS } from '../bench/update-reader.ts';

/** noVNC's format: 32bpp depth 24, little-endian, red in the lowest byte. */
export const NOVNC_FORMAT: PixelFormat = { ...SERVER_PIXEL_FORMAT, redShift: 0, blueShift: 16 };

/** Formats the tests use besides noVNC's. */
export const FORMATS = {
  bigEndian888: { ...SERVER_PIXEL_FORMAT, bigEndian: true },
  rgb565: {
    ...SERVER_PIXEL_FORMAT,
    bitsPerPixel: 16,
    depth: 16,
    redMax: 31,
    greenMax: 63,
    blueMax: 31,
    redShift: 11,
    greenShift: 5,
    blueShift: 0,
  },
  bgr233: {
    ...SERVER_PIXEL_FORMAT,
    bitsPerPixel: 8,
    depth: 8,
    redMax: 7,
    greenMax: 7,
    blueMax: 3,
    redShift: 0,
    greenShift: 3,
    blueShift: 6,
  },
} satisfies Record<string, PixelFormat>;

const channels = (f: PixelFormat): [number, number][] => [
  [f.redMax, f.redShift],
  [f.greenMax, f.greenShift],
  [f.blueMax, f.blueShift],
];

/** The methods of noVNC's Websock receive queue that its decoders call. */
class SockQueue {
  private q = new Uint8Array(0);
  private i = 0;

  push(chunk: Uint8Array): void {
    const next = new Uint8Array(this.q.length - this.i + chunk.length);
    next.set(this.q.subarray(this.i));
    next.set(chunk, this.q.length - this.i);
    this.q = next;
    this.i = 0;
  }

  rQlen(): number {
    return this.q.length - this.i;
  }
  rQwait(_msg: string, num: number): boolean {
    return this.rQlen() < num;
  }
  rQpeek8(): number {
    return this.q[this.i]!;
  }
  rQskipBytes(n: number): void {
    this.i += n;
  }
  rQshift8(): number {
    return this.q[this.i++]!;
  }
  rQshift16(): number {
    return (this.rQshift8() << 8) | this.rQshift8();
  }
  rQshift32(): number {
    return ((this.rQshift16() << 16) | this.rQshift16()) >>> 0;
  }
  rQshiftBytes(len: number, copy = true): Uint8Array {
    this.i += len;
    return copy ? this.q.slice(this.i - len, this.i) : this.q.subarray(this.i - len, this.i);
  }
  rQpeekBytes(len: number, copy = true): Uint8Array {
    return copy ? this.q.slice(this.i, this.i + len) : this.q.subarray(this.i, this.i + len);
  }
  rQshiftTo(target: Uint8Array, len: number): void {
    target.set(this.q.subarray(this.i, this.i + len));
    this.i += len;
  }
}

/** The drawing calls noVNC's decoders make on its Display, applied to an RGBA array; anything off-screen throws. */
export class Display {
  rgba: Uint8Array;

  constructor(
    public width: number,
    public height: number,
  ) {
    this.rgba = new Uint8Array(width * height * 4);
  }

  resize(w: number, h: number): void {
    this.width = w;
    this.height = h;
    this.rgba = new Uint8Array(w * h * 4);
  }

  private check(x: number, y: number, w: number, h: number): void {
    if (x < 0 || y < 0 || x + w > this.width || y + h > this.height) {
      throw new Error(`rectangle ${w}x${h}+${x}+${y} outside the ${this.width}x${this.height} screen`);
    }
  }

  fillRect(x: number, y: number, w: number, h: number, color: ArrayLike<number>): void {
    this.check(x, y, w, h);
    // A row at a time as 32-bit words: a pixel at a time, a whole-screen fill took a few hundred milliseconds.
    const word = new Uint32Array(Uint8Array.of(color[0]!, color[1]!, color[2]!, 255).buffer)[0]!;
    const words = new Uint32Array(this.rgba.buffer, this.rgba.byteOffset, this.rgba.length / 4);
    for (let row = y; row < y + h; row++) words.fill(word, row * this.width + x, row * this.width + x + w);
  }

  blitImage(x: number, y: number, w: number, h: number, arr: Uint8Array, offset: number): void {
    this.check(x, y, w, h);
    for (let row = 0; row < h; row++) {
      const from = offset + row * w * 4;
      this.rgba.set(arr.subarray(from, from + w * 4), ((y + row) * this.width + x) * 4);
      for (let col = 0; col < w; col++) this.rgba[((y + row) * this.width + x + col) * 4 + 3] = 255;
    }
  }

  copyImage(oldX: number, oldY: number, newX: number, newY: number, w: number, h: number): void {
    this.check(oldX, oldY, w, h);
    this.check(newX, newY, w, h);
    const copy = new Uint8Array(w * h * 4);
    for (let row = 0; row < h; row++) {
      const from = ((oldY + row) * this.width + oldX) * 4;
      copy.set(this.rgba.subarray(from, from + w * 4), row * w * 4);
    }
    for (let row = 0; row < h; row++) {
      this.rgba.set(copy.subarray(row * w * 4, (row + 1) * w * 4), ((newY + row) * this.width + newX) * 4);
    }
  }

  imageRect(): void {
    throw new Error('JPEG is not expected from a lossless server');
  }
}

export type ServerMessage =
  | { type: 'update'; rects: { x: number; y: number; w: number; h: number; encoding: number }[] }
  | { type: 'bell' }
  | { type: 'cut-text'; text: string };

const READ_TIMEOUT_MS = 10_000;

/** One viewer over any byte stream (a socket, or one end of an in-process pair). */
export class TestViewer {
  private readonly sock = new SockQueue();
  private wake: (() => void) | null = null;
  private ended = false;
  private readonly decoders = new Map<number, Decoder>([
    [ENCODING.raw, new RawDecoder()],
    [ENCODING.copyRect, new CopyRectDecoder()],
    [ENCODING.tight, new TightDecoder()],
  ]);
  format: PixelFormat = NOVNC_FORMAT;
  display = new Display(0, 0);
  name = '';
  /** Rectangles received, by encoding. */
  readonly received = new Map<number, number>();
  /** Bytes of rectangle data received, headers included. */
  rectBytes = 0;
  readonly closed: Promise<void>;

  constructor(readonly stream: Duplex) {
    stream.on('data', (chunk: Buffer) => {
      this.sock.push(chunk);
      this.wake?.();
    });
    this.closed = new Promise((resolve) =>
      stream.on('close', () => {
        this.ended = true;
        this.wake?.();
        resolve();
      }),
    );
    stream.on('error', () => undefined);
  }

  /** Bytes arrived and not yet read. */
  get buffered(): number {
    return this.sock.rQlen();
  }

  private async need(n: number): Promise<void> {
    const deadline = Date.now() + READ_TIMEOUT_MS;
    while (this.sock.rQlen() < n) {
      if (this.ended) throw new Error(`connection closed with ${this.sock.rQlen()}/${n} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  send(bytes: Buffer | number[]): void {
    this.stream.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  /** RFB 3.8, security None, shared ClientInit, ServerInit. */
  async handshake(): Promise<void> {
    await this.need(12);
    this.sock.rQskipBytes(12);
    this.send(Buffer.from('RFB 003.008\n', 'latin1'));
    await this.need(1);
    const count = this.sock.rQshift8();
    await this.need(count);
    this.sock.rQskipBytes(count);
    this.send([1]);
    await this.need(4);
    if (this.sock.rQshift32() !== 0) throw new Error('security failed');
    this.send([1]);
    await this.need(24);
    const w = this.sock.rQshift16();
    const h = this.sock.rQshift16();
    this.sock.rQskipBytes(16);
    const nameLength = this.sock.rQshift32();
    await this.need(nameLength);
    this.name = Buffer.from(this.sock.rQshiftBytes(nameLength)).toString('utf8');
    this.display = new Display(w, h);
  }

  setPixelFormat(f: PixelFormat): void {
    this.send(setPixelFormat(f));
    this.format = f;
  }

  setEncodings(encodings: number[]): void {
    this.send(setEncodings(encodings));
  }

  request(incremental: boolean, rect = { x: 0, y: 0, w: this.display.width, h: this.display.height }): void {
    this.send(updateRequest(incremental, rect));
  }

  async readMessage(): Promise<ServerMessage> {
    await this.need(1);
    const type = this.sock.rQshift8();
    switch (type) {
      case 0: {
        await this.need(3);
        this.sock.rQskipBytes(1);
        let count = this.sock.rQshift16();
        const rects: { x: number; y: number; w: number; h: number; encoding: number }[] = [];
        for (let i = 0; i < count; i++) {
          await this.need(12);
          const r = {
            x: this.sock.rQshift16(),
            y: this.sock.rQshift16(),
            w: this.sock.rQshift16(),
            h: this.sock.rQshift16(),
            encoding: this.sock.rQshift32() | 0,
          };
          const before = this.sock.rQlen();
          if (r.encoding === ENCODING.lastRect) count = 0;
          else await this.rect(r);
          this.rectBytes += 12 + before - this.sock.rQlen();
          this.received.set(r.encoding, (this.received.get(r.encoding) ?? 0) + 1);
          rects.push(r);
        }
        return { type: 'update', rects };
      }
      case 2:
        return { type: 'bell' };
      case 3: {
        await this.need(7);
        this.sock.rQskipBytes(3);
        const length = this.sock.rQshift32();
        await this.need(length);
        return { type: 'cut-text', text: Buffer.from(this.sock.rQshiftBytes(length)).toString('latin1') };
      }
      default:
        throw new Error(`unknown server message ${type}`);
    }
  }

  /** Reads until a FramebufferUpdate; other messages are returned in `others`. */
  async readUpdate(others: ServerMessage[] = []): Promise<ServerMessage & { type: 'update' }> {
    for (let i = 0; i < 100; i++) {
      const m = await this.readMessage();
      if (m.type === 'update') return m;
      others.push(m);
    }
    throw new Error('no update');
  }

  async update(incremental: boolean): Promise<ServerMessage & { type: 'update' }> {
    this.request(incremental);
    return this.readUpdate();
  }

  /**
   * Pulls incremental updates until the display equals `screen` (RGBA, as this viewer's format shows it), at most
   * `max`: an update carries what fits the viewer's pace, the rest follows in the next ones. Returns the updates read.
   */
  async catchUp(screen: Uint8Array, max = 200): Promise<number> {
    let n = 0;
    while (n < max && differingPixels(this.display.rgba, screen) > 0) {
      await this.update(true);
      n++;
    }
    return n;
  }

  private async rect(r: { x: number; y: number; w: number; h: number; encoding: number }): Promise<void> {
    switch (r.encoding) {
      case ENCODING.desktopSize:
        this.display.resize(r.w, r.h);
        return;
      case ENCODING.qemuExtendedKeyEvent:
        return;
      case ENCODING.desktopName: {
        await this.need(4);
        const length = this.sock.rQshift32();
        await this.need(length);
        this.name = Buffer.from(this.sock.rQshiftBytes(length)).toString('utf8');
        return;
      }
      case ENCODING.raw:
        if (!isNoVncFormat(this.format)) return this.rawOtherFormat(r);
    }
    const decoder = this.decoders.get(r.encoding);
    if (!decoder) throw new Error(`unexpected encoding ${r.encoding}`);
    for (let i = 0; i < 100_000; i++) {
      if (decoder.decodeRect(r.x, r.y, r.w, r.h, this.sock, this.display, 24)) return;
      await this.need(this.sock.rQlen() + 1);
    }
    throw new Error('decoder made no progress');
  }

  private async rawOtherFormat(r: { x: number; y: number; w: number; h: number }): Promise<void> {
    const f = this.format;
    const bpp = f.bitsPerPixel / 8;
    await this.need(r.w * r.h * bpp);
    const data = Buffer.from(this.sock.rQshiftBytes(r.w * r.h * bpp));
    const out = new Uint8Array(r.w * r.h * 4);
    for (let i = 0; i < r.w * r.h; i++) {
      const o = i * bpp;
      const v =
        bpp === 4
          ? f.bigEndian
            ? data.readUInt32BE(o)
            : data.readUInt32LE(o)
          : bpp === 2
            ? f.bigEndian
              ? data.readUInt16BE(o)
              : data.readUInt16LE(o)
            : data[o]!;
      channels(f).forEach(([max, shift], c) => {
        out[i * 4 + c] = Math.round((Math.floor(v / 2 ** shift) % (max + 1)) * (255 / max));
      });
    }
    this.display.blitImage(r.x, r.y, r.w, r.h, out, 0);
  }
}

function isNoVncFormat(f: PixelFormat): boolean {
  return (Object.keys(NOVNC_FORMAT) as (keyof PixelFormat)[]).every((k) => f[k] === NOVNC_FORMAT[k]);
}

/** RGBA of an expected picture in format `f`: each channel reduced to the format's precision and expanded back. */
export function quantize(rgba: Uint8Array, f: PixelFormat): Uint8Array {
  const out = new Uint8Array(rgba.length);
  for (let i = 0; i < rgba.length; i += 4) {
    channels(f).forEach(([max], c) => {
      out[i + c] = Math.round(Math.floor((rgba[i + c]! * max + 127) / 255) * (255 / max));
    });
    out[i + 3] = 255;
  }
  return out;
}

/** How many pixels differ between two RGBA pictures of the same size. */
export function differingPixels(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length) / 4;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
  return n;
}
