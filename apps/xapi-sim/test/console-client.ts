import type { TLSSocket } from 'node:tls';
import type { SimHost, SimulatedPool } from '../src/index.ts';
import { RfbTestClient } from './rfb-client.ts';
import { openTls, until } from './sim-client.ts';

/** xapi's reply to an accepted CONNECT, before the console's own bytes. */
export const OK_200 = 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nCache-Control: no-cache, no-store\r\n\r\n';

/** A console of a running VM: where xapi says to connect, split into the host to dial and the request path. */
export interface ConsoleTarget {
  readonly ref: string;
  readonly host: SimHost;
  readonly path: string;
}

export function consoleOf(pool: SimulatedPool, vm: string, protocol: 'rfb' | 'vt100'): ConsoleTarget {
  const ref = pool.findRefs('console', (r) => r.VM === vm && r.protocol === protocol)[0];
  if (!ref) throw new Error(`no ${protocol} console for ${vm}`);
  const location = new URL(pool.record('console', ref).location as string);
  const host = pool.hosts.find((h) => h.address === location.hostname)!;
  return { ref, host, path: location.pathname + location.search };
}

/** The CONNECT request a console client sends (xapi's own clients use HTTP/1.0 and the session cookie). */
export const connectRequest = (target: ConsoleTarget, session: string, version = '1.0'): string =>
  `CONNECT ${target.path} HTTP/${version}\r\nHost: ${target.host.address}\r\nCookie: session_id=${session}\r\n\r\n`;

/** A viewer through CONNECT: the 200 block is checked and consumed, the rest is the console's byte stream. */
export interface Viewer {
  readonly socket: TLSSocket;
  readonly rfb: RfbTestClient;
  readonly closed: () => boolean;
}

export async function openViewer(pool: SimulatedPool, target: ConsoleTarget, session: string): Promise<Viewer> {
  const socket = await openTls(pool, target.host);
  let closed = false;
  socket.on('close', () => (closed = true));
  const rfb = RfbTestClient.over(socket);
  socket.write(connectRequest(target, session));
  const head = (await rfb.read(OK_200.length)).toString('latin1');
  if (head !== OK_200) throw new Error(`CONNECT refused: ${JSON.stringify(head)}`);
  return { socket, rfb, closed: () => closed };
}

/** Everything a refused CONNECT gets back, up to the close. */
export async function refusal(pool: SimulatedPool, target: ConsoleTarget, session: string, version = '1.0') {
  const socket = await openTls(pool, target.host);
  let data = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (chunk: Buffer) => (data = Buffer.concat([data, chunk])));
  socket.on('close', () => (closed = true));
  socket.write(connectRequest(target, session, version));
  try {
    await until(() => closed, 'the refused connection to close');
  } finally {
    socket.destroy();
  }
  return data.toString('utf8');
}

/** The status line a CONNECT gets, whether it is accepted or refused; the connection is closed after it. */
export async function statusLine(pool: SimulatedPool, target: ConsoleTarget, session: string): Promise<string> {
  const socket = await openTls(pool, target.host);
  let data = '';
  let closed = false;
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.write(connectRequest(target, session));
  try {
    await until(() => closed || data.includes('\r\n'), 'a status line');
  } finally {
    socket.destroy();
  }
  return data.slice(0, data.indexOf('\r\n'));
}

/** xapi's HTML error framing (`Http_svr.response_error_html`) for a request of the given HTTP version. */
export const htmlPage = (version: string, status: string, body: string): string =>
  `HTTP/${version} ${status}\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncontent-type: text/html\r\n` +
  `connection: close\r\ncache-control: no-cache, no-store\r\n\r\n${body}`;
