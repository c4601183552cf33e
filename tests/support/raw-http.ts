import net from 'node:net';
import tls from 'node:tls';

export interface RawResponse {
  status: number;
  /** Header names lower-case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  head: string;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** The request target exactly as written on the request line. */
  target?: string;
  /** The Host header; null leaves it out; default the base URL's host. */
  host?: string | null;
  headers?: Record<string, string>;
  body?: string | Buffer;
  version?: '1.0' | '1.1';
}

/** A request written by hand, so tests can send what no well-behaved client would (any Host, or none; any target). */
export function requestText(baseUrl: string, request: RawRequest = {}): Buffer {
  const host = request.host === undefined ? new URL(baseUrl).host : request.host;
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [
    `${request.method ?? 'GET'} ${request.target ?? '/'} HTTP/${request.version ?? '1.1'}`,
    ...(host === null ? [] : [`Host: ${host}`]),
    'Connection: close',
    ...Object.entries(request.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    ...(body ? [`Content-Length: ${body.length}`] : []),
  ];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

/**
 * Sends the bytes as given and reads the answer: up to the end of its body (Content-Length), the server closing,
 * or a 101 head. Over TLS (an https base URL) the server must be signed by `ca`.
 */
export function rawHttp(
  baseUrl: string,
  bytes: Buffer,
  options: { ca?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) };
  const socket =
    url.protocol === 'https:'
      ? tls.connect({ ...target, ...(options.ca ? { ca: options.ca } : {}) })
      : net.connect(target);
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error('no complete answer in time')), options.timeoutMs ?? 10_000);
    const parse = (): RawResponse | undefined => {
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const head = received.subarray(0, end).toString('latin1');
      const [statusLine = '', ...fields] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const field of fields) {
        const colon = field.indexOf(':');
        const name = field.slice(0, colon).trim().toLowerCase();
        const value = field.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      return {
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        head,
        body: received.subarray(end + 4).toString('utf8'),
      };
    };
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      const response = parse();
      if (response) resolve(response);
      else reject(error ?? new Error(`no HTTP answer: ${JSON.stringify(received.toString('latin1').slice(0, 200))}`));
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const response = parse();
      if (!response) return;
      const length = Number(response.headers['content-length']);
      if (response.status === 101 || Buffer.byteLength(response.body) >= length) finish();
    });
    socket.on('error', (error) => finish(error));
    socket.on('close', () => finish());
    socket.write(bytes);
  });
}
