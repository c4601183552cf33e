/**
 * A small RFB client for tests, written independently of the server: speaks 3.3/3.7/3.8 with security None,
 * sends any client message, and decodes Raw updates (in whatever pixel format it asked for) into an RGBA picture.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { keyEvent, pointerEvent, qemuKeyEvent, setEncodings, updateRequest, xenScanCode } from '@xwc/rfb';
import type { ConsoleBackend } from '../src/consoles/backend.ts';

export interface WireFormat {
  bpp: 8 | 16 | 32;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  max: [number, number, number];
  shift: [number, number, number];
}

export const FORMAT_SERVER: WireFormat = {
  bpp: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  max: [255, 255, 255],
  shift: [16, 8, 0],
};
/** What noVNC 1.7 sends: 32bpp little-endian with red in the low byte. */
export const FORMAT_NOVNC: WireFormat = { ...FORMAT_SERVER, shift: [0, 8, 16] };
export const FORMAT_RGB565_BE: WireFormat = {
  bpp: 16,
  depth: 16,
  bigEndian: true,
  trueColour: true,
  max: [31, 63, 31],
  shift: [11, 5, 0],
};
export const FORMAT_BGR233: WireFormat = {
  bpp: 8,
  depth: 8,
  bigEndian: false,
  trueColour: true,
  max: [7, 7, 3],
  shift: [0, 3, 6],
};

export interface ServerInitInfo {
  width: number;
  height: number;
  format: WireFormat;
  name: string;
  /** The raw ServerInit bytes. */
  bytes: Buffer;
}

export interface UpdateRect {
  x: number;
  y: number;
  w: number;
  h: number;
  encoding: number;
}

export type ServerMessage =
  { type: 'update'; rects: UpdateRect[] } | { type: 'bell' } | { type: 'cut-text'; text: string };

export const ENC_RAW = 0;
export const ENC_COPY_RECT = 1;
export const ENC_DESKTOP_SIZE = -223;
export const ENC_QEMU_EXT_KEY = -258;

const READ_TIMEOUT_MS = 10_000;

export function encodeFormat(f: WireFormat): Buffer {
  const b = Buffer.alloc(16);
  b[0] = f.bpp;
  b[1] = f.depth;
  b[2] = f.bigEndian ? 1 : 0;
  b[3] = f.trueColour ? 1 : 0;
  f.max.forEach((m, i) => b.writeUInt16BE(m, 4 + 2 * i));
  f.shift.forEach((s, i) => (b[10 + i] = s));
  return b;
}

function decodeFormat(b: Buffer, o: number): WireFormat {
  return {
    bpp: b[o] as 8 | 16 | 32,
    depth: b[o + 1]!,
    bigEndian: b[o + 2] !== 0,
    trueColour: b[o + 3] !== 0,
    max: [b.readUInt16BE(o + 4), b.readUInt16BE(o + 6), b.readUInt16BE(o + 8)],
    shift: [b[o + 10]!, b[o + 11]!, b[o + 12]!],
  };
}

function readValue(b: Buffer, o: number, f: WireFormat): number {
  if (f.bpp === 32) return f.bigEndian ? b.readUInt32BE(o) : b.readUInt32LE(o);
  if (f.bpp === 16) return f.bigEndian ? b.readUInt16BE(o) : b.readUInt16LE(o);
  return b[o]!;
}

/** Reads one pixel value and expands its channels back to 0..255 into `out[at..at+2]`. */
export function decodePixel(b: Buffer, o: number, f: WireFormat, out: Uint8Array, at: number): void {
  const v = readValue(b, o, f);
  for (let i = 0; i < 3; i++) {
    const max = f.max[i]!;
    out[at + i] = Math.round((Math.floor(v / 2 ** f.shift[i]!) % (max + 1)) * (255 / max));
  }
  out[at + 3] = 255;
}

export class RfbTestClient {
  readonly socket: Duplex;
  private buf = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private ended = false;
  format: WireFormat = FORMAT_SERVER;
  width = 0;
  height = 0;
  /** The decoded picture, RGBA. */
  rgba = new Uint8Array(0);
  /** When set, every Raw rectangle's payload is kept here as received. */
  raw: { rect: UpdateRect; data: Buffer }[] | null = null;
  /** Bells and cut texts seen while waiting for updates. */
  readonly others: ServerMessage[] = [];
  readonly closed: Promise<void>;

  private constructor(socket: Duplex) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.wake?.();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.wake?.();
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  /** An RFB client over any byte stream (e.g. a console WebSocket's binary frames). */
  static over(stream: Duplex): RfbTestClient {
    return new RfbTestClient(stream);
  }

  static connect(port: number): Promise<RfbTestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RfbTestClient(socket)));
      socket.once('error', reject);
    });
  }

  get buffered(): number {
    return this.buf.length;
  }

  /** Resolves with exactly n bytes; rejects if the server closes first or nothing comes for a long time. */
  async read(n: number): Promise<Buffer> {
    const deadline = Date.now() + READ_TIMEOUT_MS;
    while (this.buf.length < n) {
      if (this.ended) throw new Error(`connection closed with ${this.buf.length}/${n} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes (have ${this.buf.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  send(b: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(b) ? b : Buffer.from(b));
  }

  /** ProtocolVersion, security None, ClientInit, ServerInit. */
  async handshake(version: '3.3' | '3.7' | '3.8' = '3.8', shared = true): Promise<ServerInitInfo> {
    const banner = (await this.read(12)).toString('latin1');
    if (!/^RFB 003\.00[38]\n$/.test(banner)) throw new Error(`bad banner ${JSON.stringify(banner)}`);
    this.send(Buffer.from(`RFB 003.00${version.slice(2)}\n`, 'latin1'));
    if (version === '3.3' || banner === 'RFB 003.003\n') {
      const type = (await this.read(4)).readUInt32BE(0);
      if (type !== 1) throw new Error(`security type ${type}`);
    } else {
      const count = (await this.read(1))[0]!;
      const types = [...(await this.read(count))];
      if (!types.includes(1)) throw new Error(`no None security in ${types}`);
      this.send([1]);
      if (version === '3.8') {
        const result = (await this.read(4)).readUInt32BE(0);
        if (result !== 0) throw new Error(`SecurityResult ${result}`);
      }
    }
    this.send([shared ? 1 : 0]);
    const head = await this.read(24);
    const name = await this.read(head.readUInt32BE(20));
    this.width = head.readUInt16BE(0);
    this.height = head.readUInt16BE(2);
    this.format = decodeFormat(head, 4);
    this.rgba = new Uint8Array(this.width * this.height * 4);
    return {
      width: this.width,
      height: this.height,
      format: this.format,
      name: name.toString('utf8'),
      bytes: Buffer.concat([head, name]),
    };
  }

  setPixelFormat(f: WireFormat): void {
    this.send(Buffer.concat([Buffer.from([0, 0, 0, 0]), encodeFormat(f)]));
    this.format = f;
  }

  setEncodings(encodings: number[]): void {
    this.send(setEncodings(encodings));
  }

  requestUpdate(incremental: boolean, rect = { x: 0, y: 0, w: this.width, h: this.height }): void {
    this.send(updateRequest(incremental, rect));
  }

  key(keysym: number, down: boolean): void {
    this.send(keyEvent(down, keysym));
  }

  /** Press and release each character (Latin-1 keysyms), then optionally Return. */
  type(text: string, thenReturn = false): void {
    for (const c of text) {
      this.key(c.charCodeAt(0), true);
      this.key(c.charCodeAt(0), false);
    }
    if (thenReturn) {
      this.key(0xff0d, true);
      this.key(0xff0d, false);
    }
  }

  pointer(mask: number, x: number, y: number): void {
    this.send(pointerEvent(mask, x, y));
  }

  cutText(text: string): void {
    const t = Buffer.from(text, 'latin1');
    const b = Buffer.alloc(8 + t.length);
    b[0] = 6;
    b.writeUInt32BE(t.length, 4);
    t.copy(b, 8);
    this.send(b);
  }

  /** XenCenter's scan-code message: u8 254, u8 down, pad 2, u32 scancode. */
  xenScancode(scancode: number, down: boolean): void {
    this.send(xenScanCode(down, scancode));
  }

  /** QEMU extended key event: u8 255, u8 0, u16 down, u32 keysym, u32 keycode. */
  qemuKey(keysym: number, keycode: number, down: boolean): void {
    this.send(qemuKeyEvent(down, keysym, keycode));
  }

  /** Reads one server message, applying updates to the picture. */
  async readMessage(): Promise<ServerMessage> {
    const type = (await this.read(1))[0]!;
    switch (type) {
      case 0: {
        const count = (await this.read(3)).readUInt16BE(1);
        const rects: UpdateRect[] = [];
        for (let i = 0; i < count; i++) rects.push(await this.readRect());
        return { type: 'update', rects };
      }
      case 2:
        return { type: 'bell' };
      case 3: {
        const len = (await this.read(7)).readUInt32BE(3);
        return { type: 'cut-text', text: (await this.read(len)).toString('latin1') };
      }
      default:
        throw new Error(`unknown server message ${type}`);
    }
  }

  /** Reads messages until a FramebufferUpdate; anything else goes to `others`. */
  async readUpdate(): Promise<UpdateRect[]> {
    for (let i = 0; i < 1000; i++) {
      const m = await this.readMessage();
      if (m.type === 'update') return m.rects;
      this.others.push(m);
    }
    throw new Error('no update');
  }

  /** Requests and reads one update. */
  async update(incremental = false): Promise<UpdateRect[]> {
    this.requestUpdate(incremental);
    return this.readUpdate();
  }

  private async readRect(): Promise<UpdateRect> {
    const h = await this.read(12);
    const r = { x: h.readUInt16BE(0), y: h.readUInt16BE(2), w: h.readUInt16BE(4), h: h.readUInt16BE(6) };
    const encoding = h.readInt32BE(8);
    if (encoding === ENC_RAW) {
      const bpp = this.format.bpp / 8;
      const data = await this.read(r.w * r.h * bpp);
      this.raw?.push({ rect: { ...r, encoding }, data: Buffer.from(data) });
      if (r.x + r.w > this.width || r.y + r.h > this.height)
        throw new Error(`rect outside screen ${JSON.stringify(r)}`);
      for (let y = 0; y < r.h; y++) {
        for (let x = 0; x < r.w; x++) {
          decodePixel(data, (y * r.w + x) * bpp, this.format, this.rgba, ((r.y + y) * this.width + r.x + x) * 4);
        }
      }
    } else if (encoding === ENC_COPY_RECT) {
      const src = await this.read(4);
      const sx = src.readUInt16BE(0);
      const sy = src.readUInt16BE(2);
      const copy = new Uint8Array(r.w * r.h * 4);
      for (let y = 0; y < r.h; y++) {
        const from = ((sy + y) * this.width + sx) * 4;
        copy.set(this.rgba.subarray(from, from + r.w * 4), y * r.w * 4);
      }
      for (let y = 0; y < r.h; y++)
        this.rgba.set(copy.subarray(y * r.w * 4, (y + 1) * r.w * 4), ((r.y + y) * this.width + r.x) * 4);
    } else if (encoding === ENC_DESKTOP_SIZE) {
      this.width = r.w;
      this.height = r.h;
      this.rgba = new Uint8Array(r.w * r.h * 4);
    } else if (encoding !== ENC_QEMU_EXT_KEY) {
      throw new Error(`unexpected encoding ${encoding}`);
    }
    return { ...r, encoding };
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A loopback listener handing each accepted socket to a console backend. */
export async function listen(
  backend: ConsoleBackend,
): Promise<{ port: number; server: Server; accepted: Socket[]; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  /** Server-side sockets in accept order, for tests that look at what the server has buffered. */
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    accepted.push(socket);
    socket.on('close', () => sockets.delete(socket));
    backend.serve(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    server,
    accepted,
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits (bounded) until `check` is true; for state the server updates asynchronously. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
