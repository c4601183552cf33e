import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { jsonrpc, xmlrpc, type XapiValue } from '@xwc/api-client';
import type { SimHost, SimulatedPool } from '../src/index.ts';

/** Raw HTTP over TLS to one simulated host, so tests see the exact bytes the simulator writes. */
export interface RawResponse {
  readonly head: string;
  readonly status: number;
  readonly headers: Map<string, string>;
  readonly body: Buffer;
  /** Everything received, head included. */
  readonly raw: Buffer;
}

export function openTls(pool: SimulatedPool, host: SimHost = pool.master): Promise<TLSSocket> {
  const port = Number(new URL(host.url).port);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: host.address, port, ca: pool.caPem, servername: undefined }, () =>
      resolve(socket),
    );
    socket.once('error', reject);
  });
}

/** Reads until the header block and a `content-length` body (or the close) have arrived. */
export function readResponse(socket: TLSSocket, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no complete response after ${timeoutMs} ms`)), timeoutMs);
    const tryParse = (closed: boolean): void => {
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) {
        if (closed) finish(new Error(`connection closed after ${data.length} bytes without a header block`));
        return;
      }
      const head = data.subarray(0, end).toString('latin1');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = new Map(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const length = headers.has('content-length') ? Number(headers.get('content-length')) : undefined;
      const body = data.subarray(end + 4);
      if (length !== undefined ? body.length >= length : closed) {
        finish(undefined, {
          head,
          status: Number(statusLine!.split(' ')[1]),
          headers,
          body: length === undefined ? body : body.subarray(0, length),
          raw: data,
        });
      }
    };
    const onData = (chunk: Buffer): void => {
      data = Buffer.concat([data, chunk]);
      tryParse(false);
    };
    const onEnd = (): void => tryParse(true);
    const finish = (error?: Error, response?: RawResponse): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      if (error) reject(error);
      else resolve(response!);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
  });
}

/** Sends raw request bytes on a new connection and reads one response. */
export async function rawRequest(pool: SimulatedPool, request: string | Buffer, host?: SimHost): Promise<RawResponse> {
  const socket = await openTls(pool, host);
  try {
    socket.write(request);
    return await readResponse(socket);
  } finally {
    socket.destroy();
  }
}

export function post(path: string, body: string, contentType = 'text/xml', extra = ''): string {
  return (
    `POST ${path} HTTP/1.1\r\nHost: xapi\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
  );
}

export type Outcome = xmlrpc.XapiOutcome;

/** One XML-RPC call through the shared codec; the result still unwrapped from `{Status, Value}`. */
export async function xmlCall(
  pool: SimulatedPool,
  method: string,
  params: readonly XapiValue[],
  host?: SimHost,
): Promise<Outcome> {
  const response = await rawRequest(pool, post('/', xmlrpc.encodeCall(method, params)), host);
  const decoded = xmlrpc.decodeResponse(response.body.toString('utf8'));
  if (decoded.kind !== 'value') throw new Error('unexpected XML-RPC fault');
  return xmlrpc.unwrapStatus(decoded.value);
}

export async function jsonCall(
  pool: SimulatedPool,
  method: string,
  params: readonly XapiValue[],
  host?: SimHost,
): Promise<jsonrpc.DecodedReply> {
  const response = await rawRequest(
    pool,
    post('/jsonrpc', jsonrpc.encodeRequest(method, params, 1), 'application/json'),
    host,
  );
  return jsonrpc.decodeReply(response.body.toString('utf8'));
}

/** The value of a call expected to succeed; a failure throws with its code. */
export async function ok(pool: SimulatedPool, method: string, params: readonly XapiValue[]): Promise<XapiValue> {
  const outcome = await xmlCall(pool, method, params);
  if (!outcome.ok) throw new Error(`${method} failed: ${outcome.code} ${outcome.params.join(' ')}`);
  return outcome.value;
}

export async function login(pool: SimulatedPool, username = 'root'): Promise<string> {
  const user = pool.users.find((u) => u.username === username)!;
  return (await ok(pool, 'session.login_with_password', [
    user.username,
    user.password,
    '2.21',
    'xapi-sim tests',
  ])) as string;
}

/** Waits for `condition`, polling every few ms, failing after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
