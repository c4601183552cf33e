/**
 * Server-side byte streams built by hand for the RFB client's unit tests, and a client wired to a framebuffer that
 * records what it sends.
 */
import { connect } from 'node:net';
import { afterEach, expect } from 'vitest';
import { constants, createDeflate, type Deflate } from 'node:zlib';
import { Framebuffer, RfbClient, type NegotiatedVersion, type RfbClientEvent } from '../src/index.ts';
import { parseClientMessage, rectHeader, serverInit, updateHeader, type ClientMessage } from '../src/messages.ts';
import { SERVER_PIXEL_FORMAT } from '../src/pixel-format.ts';
import type { Rect } from '../src/rect.ts';
import { until } from './harness.ts';

export const u8 = (...bytes: number[]) => Buffer.from(bytes);

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

export const banner = (version: string) => Buffer.from(`RFB ${version}\n`, 'latin1');

/** Everything a 3.8 server sends up to and including ServerInit, offering security type None. */
export function handshake38(width: number, height: number, name = 'test'): Buffer {
  return Buffer.concat([banner('003.008'), u8(1, 1), u32(0), serverInit(width, height, SERVER_PIXEL_FORMAT, name)]);
}

export function update(...rects: Buffer[]): Buffer {
  return Buffer.concat([updateHeader(rects.length), ...rects]);
}

export function rect(r: Rect, encoding: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([rectHeader(r, encoding), payload]);
}

/** Raw pixels in the client's format (R, G, B, X) from 0xRRGGBB colours. */
export function rawPixels(colours: number[]): Buffer {
  return Buffer.from(colours.flatMap((c) => [(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff, 0]));
}

/** ZRLE's CPIXEL and Tight's TPIXEL in the client's format: R, G, B. */
export function rgb(...colours: number[]): Buffer {
  return Buffer.from(colours.flatMap((c) => [(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff]));
}

/** One zlib stream as a server keeps it: each piece ends with a sync flush, and the stream goes on across pieces. */
export class ServerZlib {
  private readonly deflate: Deflate;
  private readonly out: Buffer[] = [];

  constructor(level = 6) {
    this.deflate = createDeflate({ level });
    this.deflate.on('data', (chunk: Buffer) => this.out.push(chunk));
  }

  async piece(data: Buffer): Promise<Buffer> {
    this.deflate.write(data);
    await new Promise<void>((resolve) => this.deflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    // 'data' events for the flushed output are delivered before the flush callback, but give them a turn anyway.
    await new Promise((resolve) => setImmediate(resolve));
    return Buffer.concat(this.out.splice(0));
  }

  close(): void {
    this.deflate.close();
  }
}

/** Server zlib streams for one test file, closed after each test. */
export function serverZlibs(): () => ServerZlib {
  const open: ServerZlib[] = [];
  afterEach(() => open.splice(0).forEach((s) => s.close()));
  return () => {
    const s = new ServerZlib();
    open.push(s);
    return s;
  };
}

/** A client on a framebuffer, recording what it sent and every event. */
export function testClient(
  options: { encodings?: readonly number[]; width?: number; height?: number; version?: NegotiatedVersion } = {},
) {
  const fb = new Framebuffer(options.width ?? 1, options.height ?? 1);
  const sent: Buffer[] = [];
  const events: RfbClientEvent[] = [];
  const client = new RfbClient({
    target: fb,
    send: (bytes) => {
      sent.push(bytes);
      return true;
    },
    ...(options.encodings ? { encodings: options.encodings } : {}),
    ...(options.version ? { version: options.version } : {}),
  });
  return {
    fb,
    client,
    sent,
    events,
    /** Feeds `bytes` in pieces cut at `cuts` (offsets); returns the events of this feed. */
    feed(bytes: Buffer, cuts: number[] = []): RfbClientEvent[] {
      const fresh: RfbClientEvent[] = [];
      let from = 0;
      for (const cut of [...cuts, bytes.length]) {
        fresh.push(...client.receive(bytes.subarray(from, cut)));
        from = cut;
      }
      events.push(...fresh);
      return fresh;
    },
    /** The error reason, if the client failed. */
    get error(): string | undefined {
      const e = events.find((x) => x.type === 'error');
      return e?.type === 'error' ? e.error.reason : undefined;
    },
  };
}

/**
 * The client messages among sent bytes, parsed; the handshake's replies (the version banner, the security choice and
 * ClientInit: "RFB …", [1] or [1, 1], never a client message) are left out.
 */
export function clientMessages(sent: Buffer[]): ClientMessage[] {
  let rest = Buffer.concat(sent.filter((b) => b[0] !== 0x52 && !(b[0] === 1 && b.length <= 2)));
  const out: ClientMessage[] = [];
  while (rest.length > 0) {
    const parsed = parseClientMessage(rest);
    if (parsed.kind !== 'message') throw new Error(`client sent something unparsable: ${parsed.kind}`);
    out.push(parsed.message);
    rest = rest.subarray(parsed.length);
  }
  return out;
}

/** The FramebufferUpdateRequests the client sent. */
export function updateRequests(sent: Buffer[]) {
  return clientMessages(sent).flatMap((m) => (m.type === 'update-request' ? [m] : []));
}

export const samePicture = (a: Framebuffer, b: Framebuffer) => Buffer.from(a.rgba()).equals(Buffer.from(b.rgba()));

/** Feeds `stream` to a fresh client once per cut (two pieces) and expects `expected` every time, without errors. */
export function expectPictureAtCuts(stream: Buffer, cuts: number[], encodings: number[], expected: Framebuffer) {
  for (const cut of cuts) {
    const t = testClient({ encodings });
    t.feed(stream, [cut]);
    expect(t.error).toBeUndefined();
    expect(samePicture(t.fb, expected)).toBe(true);
  }
}

/** Every cut position of a stream: each split test feeds it in two pieces cut there. */
export const everyCut = (length: number) => Array.from({ length: length - 1 }, (_, i) => i + 1);

/** The client on a loopback TCP connection: the socket feeds it, it writes to the socket. */
export interface Connected {
  readonly client: RfbClient;
  readonly fb: Framebuffer;
  readonly events: RfbClientEvent[];
  /** Updates applied so far. */
  readonly updates: () => number;
  close(): void;
}

export async function connectRfb(
  port: number,
  encodings?: readonly number[],
  version?: NegotiatedVersion,
): Promise<Connected> {
  const socket = connect({ host: '127.0.0.1', port });
  const fb = new Framebuffer(1, 1);
  const events: RfbClientEvent[] = [];
  const client = new RfbClient({
    target: fb,
    send: (b) => socket.write(b),
    ...(encodings ? { encodings } : {}),
    ...(version ? { version } : {}),
  });
  socket.on('data', (chunk: Buffer) => events.push(...client.receive(chunk)));
  socket.on('error', () => undefined);
  await until(() => client.state !== 'handshake' || socket.destroyed, `the RFB handshake on port ${port}`);
  const failure = events.find((e) => e.type === 'error');
  if (failure?.type === 'error') throw failure.error;
  if (client.state !== 'running') throw new Error('connection closed during the handshake');
  return {
    client,
    fb,
    events,
    updates: () => events.filter((e) => e.type === 'update').length,
    close: () => socket.destroy(),
  };
}
