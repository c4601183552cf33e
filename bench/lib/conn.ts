import net from 'node:net';
import WebSocket from 'ws';
import { BANNER } from './wire.ts';

/**
 * One client connection to a target, the same interface whether it is raw TCP or a WebSocket through a proxy
 * (websockify, the bridge, the whole gateway), so every scenario drives every path with the same code.
 */
export interface Conn {
  /** Every byte after the target's banner (if the endpoint has one), in order. */
  onData(listener: (chunk: Buffer) => void): void;
  /** Queues bytes; false when the caller should wait for `drained()` before sending more. */
  send(chunk: Buffer): boolean;
  drained(): Promise<void>;
  /** Stops reading (the kernel buffers fill, then the sender is held back) and starts again. */
  pause(): void;
  resume(): void;
  close(): void;
  /** Resolves when the connection is closed, with the WebSocket close code if any. */
  readonly closed: Promise<{ code?: number; reason?: string }>;
}

export interface Endpoint {
  readonly name: string;
  connect(): Promise<Conn>;
}

const SEND_HIGH = 4 * 1024 * 1024;
const SEND_LOW = 1024 * 1024;

/**
 * Holds bytes until the listener is set; with a banner, waits for it first (the bench target's), then hands later
 * bytes over. Without one (an RFB console) every byte is the listener's and the connection is open at once.
 */
function bannerGate(
  banner: Buffer | undefined,
  onOpen: (error?: Error) => void,
): {
  feed(chunk: Buffer): void;
  setListener(l: (chunk: Buffer) => void): void;
} {
  let head = Buffer.alloc(0);
  let open = banner === undefined;
  let listener: ((chunk: Buffer) => void) | undefined;
  const early: Buffer[] = [];
  return {
    feed(chunk) {
      if (open) {
        if (listener) listener(chunk);
        else early.push(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      if (head.length < banner!.length) return;
      if (!head.subarray(0, banner!.length).equals(banner!)) {
        onOpen(new Error(`unexpected first bytes ${JSON.stringify(head.subarray(0, 12).toString('latin1'))}`));
        return;
      }
      open = true;
      const rest = head.subarray(banner!.length);
      if (rest.length) early.push(rest);
      onOpen();
    },
    setListener(l) {
      listener = l;
      for (const chunk of early.splice(0)) l(chunk);
    },
  };
}

export function tcpEndpoint(port: number): Endpoint {
  return {
    name: 'raw TCP',
    connect: () =>
      new Promise<Conn>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.setNoDelay(true);
        socket.once('error', reject);
        socketConn(socket, Buffer.alloc(0), resolve, reject);
      }),
  };
}

/**
 * A connection over a TCP or TLS socket to the bench target: `initial` is what was read before (after a CONNECT
 * reply); resolves once the target's banner is in.
 */
export function socketConn(
  socket: net.Socket,
  initial: Buffer,
  resolve: (conn: Conn) => void,
  reject: (error: Error) => void,
): void {
  const closed = new Promise<{ code?: number }>((r) => socket.once('close', () => r({})));
  const gate = bannerGate(BANNER, (error) => (error ? reject(error) : resolve(conn)));
  const conn: Conn = {
    onData: (l) => gate.setListener(l),
    send: (chunk) => socket.write(chunk),
    drained: () => new Promise((r) => (socket.writableNeedDrain ? socket.once('drain', () => r()) : r())),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.destroy(),
    closed,
  };
  socket.on('data', (chunk: Buffer) => gate.feed(chunk));
  socket.resume();
  if (initial.length) gate.feed(initial);
}

/**
 * A WebSocket to `url`. `protocol` 'bench' (default) waits for the bench target's banner; 'rfb' is a console speaking
 * RFB from its first byte (the gateway's engine, or a VNC server behind pass-through), open once the upgrade is.
 */
export function wsEndpoint(
  name: string,
  url: string,
  headers: Record<string, string> = {},
  protocol: 'bench' | 'rfb' = 'bench',
): Endpoint {
  return {
    name,
    connect: () =>
      new Promise<Conn>((resolve, reject) => {
        const ws = new WebSocket(url, { headers, perMessageDeflate: false });
        const closed = new Promise<{ code?: number; reason?: string }>((r) =>
          ws.once('close', (code, reason) => r({ code, reason: reason.toString() })),
        );
        const gate = bannerGate(protocol === 'bench' ? BANNER : undefined, (error) =>
          error ? reject(error) : resolve(conn),
        );
        if (protocol === 'rfb') ws.once('open', () => resolve(conn));
        // Text frames are the gateway's presence notices, not console bytes.
        ws.on('message', (data: Buffer, isBinary: boolean) => isBinary && gate.feed(data));
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) =>
          reject(new Error(`${name}: upgrade refused with ${res.statusCode}`)),
        );
        ws.once('close', (code, reason) =>
          reject(new Error(`${name}: closed ${code} ${reason.toString()} before it opened`)),
        );
        let waiters: (() => void)[] = [];
        const flushed = (): void => {
          if (ws.bufferedAmount > SEND_LOW) return;
          const wake = waiters;
          waiters = [];
          for (const w of wake) w();
        };
        const conn: Conn = {
          onData: (l) => gate.setListener(l),
          send(chunk) {
            ws.send(chunk, { binary: true }, flushed);
            return ws.bufferedAmount < SEND_HIGH;
          },
          drained: () => new Promise((r) => (ws.bufferedAmount <= SEND_LOW ? r() : waiters.push(r))),
          pause: () => ws.pause(),
          resume: () => ws.resume(),
          close: () => {
            if (ws.readyState === WebSocket.OPEN) ws.close(1000);
            else ws.terminate();
          },
          closed,
        };
      }),
  };
}

/**
 * Makes a reader take at most `rate` bytes a second from `conn`: call the returned function with the bytes read so
 * far after each chunk; while the reader is ahead of the clock the connection stops reading, and the sender is held
 * back by the buffers filling up, as it would be by a browser on a slower link.
 */
export function pace(conn: Conn, rate: number): (bytesSoFar: number) => void {
  const started = performance.now();
  let paused = false;
  return (bytesSoFar) => {
    const ahead = started + (bytesSoFar / rate) * 1000 - performance.now();
    if (ahead <= 1 || paused) return;
    paused = true;
    conn.pause();
    setTimeout(() => {
      paused = false;
      conn.resume();
    }, ahead);
  };
}
