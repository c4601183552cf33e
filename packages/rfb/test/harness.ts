import { connect, createServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { RfbSession, type Framebuffer, type InputMessage, type SessionHost } from '../src/index.ts';
import { TestViewer } from './novnc-viewer.ts';

/** One viewer's session on the server side, with what its host was told. */
export interface Served {
  readonly session: RfbSession;
  readonly socket: Socket;
  readonly errors: string[];
  readonly input: InputMessage[];
  closed: boolean;
}

/** A session on `fb` over `stream`, with a host that records nothing unless `host` says otherwise. */
export function sessionOn(stream: Duplex, fb: Framebuffer, host: Partial<SessionHost> = {}): RfbSession {
  return new RfbSession(stream, {
    framebuffer: fb,
    name: 'test screen',
    version: '3.8',
    onReady: () => undefined,
    onInput: () => undefined,
    onClosed: () => undefined,
    ...host,
  });
}

/** A loopback RFB server: one RfbSession per connection, all on `fb`. */
export async function serve(fb: Framebuffer, host: Partial<SessionHost> = {}) {
  const served: Served[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const errors: string[] = [];
    const input: InputMessage[] = [];
    const entry: Served = {
      socket,
      errors,
      input,
      closed: false,
      session: sessionOn(socket, fb, {
        onInput: (m) => input.push(m),
        onProtocolError: (reason) => errors.push(reason),
        onClosed: () => (entry.closed = true),
        ...host,
      }),
    };
    served.push(entry);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    served,
    port: address.port,
    /** A connected viewer past the handshake. */
    async viewer(): Promise<TestViewer> {
      const socket = connect({ host: '127.0.0.1', port: address.port });
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      const v = new TestViewer(socket);
      await v.handshake();
      return v;
    },
    async stop(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Two in-process stream ends: what one writes the other reads. A write is acknowledged only once the reading end
 * wants more, so a reader that stops reading pushes back on the writer as a socket would.
 */
export function duplexPair(highWaterMark = 16 * 1024): [Duplex, Duplex] {
  const pending: [(() => void) | null, (() => void) | null] = [null, null];
  const ends: Duplex[] = [];
  for (const i of [0, 1]) {
    ends.push(
      new Duplex({
        highWaterMark,
        write(chunk: Buffer, _encoding, callback) {
          if (ends[1 - i]!.push(chunk)) callback();
          else pending[1 - i] = callback;
        },
        read() {
          const callback = pending[i];
          pending[i] = null;
          callback?.();
        },
        final(callback) {
          ends[1 - i]!.push(null);
          callback();
        },
      }),
    );
  }
  return [ends[0]!, ends[1]!];
}

/** Waits (bounded) until `check` holds. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A small seeded generator, so a failing randomized run can be repeated. */
export function random(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}
