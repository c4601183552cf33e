import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { XapiError } from '../../src/errors.ts';
import * as jsonrpc from '../../src/wire/jsonrpc.ts';
import * as xmlrpc from '../../src/wire/xmlrpc.ts';
import type { XapiValue } from '../../src/wire/values.ts';

export interface ReceivedCall {
  method: string;
  params: XapiValue[];
  transport: 'json-rpc' | 'xml-rpc';
}

/** Answers one decoded call: return a value, throw XapiError for a XAPI failure, or never settle to hang. */
export type Handler = (method: string, params: XapiValue[]) => XapiValue | Promise<XapiValue>;

export interface FakeXapiOptions {
  handler?: Handler;
  /** How `/jsonrpc` behaves: real JSON-RPC, an old host's XML-RPC fallback, or absent (404). */
  jsonrpc?: 'json' | 'xml-fallback' | 'missing';
  tls?: { key: string; cert: string };
  host?: string;
  port?: number;
  /** Takes over a request entirely (malformed replies, stalls); return true when handled. */
  raw?: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => boolean;
}

export interface FakeXapi {
  url: string;
  host: string;
  port: number;
  calls: ReceivedCall[];
  /** TCP connections accepted so far. */
  connections: () => number;
  close: () => Promise<void>;
}

function reply(res: http.ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

async function outcome(handler: Handler, method: string, params: XapiValue[]) {
  try {
    return { ok: true as const, value: await handler(method, params) };
  } catch (error) {
    if (error instanceof XapiError) return { ok: false as const, code: error.code, params: [...error.params] };
    return { ok: false as const, code: 'INTERNAL_ERROR', params: [String(error)] };
  }
}

/** A minimal XAPI speaking both wire protocols through the shared codecs, on loopback only. */
export async function startFakeXapi(options: FakeXapiOptions = {}): Promise<FakeXapi> {
  const handler = options.handler ?? (() => '');
  const calls: ReceivedCall[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (options.raw?.(req, res, body)) return;
      const path = (req.url ?? '/').split('?')[0];
      void (async () => {
        if (path === '/jsonrpc' && (options.jsonrpc ?? 'json') === 'missing') {
          return reply(res, 404, 'text/html', '<html>not found</html>');
        }
        if (path === '/jsonrpc' && (options.jsonrpc ?? 'json') === 'json') {
          const request = jsonrpc.decodeRequest(body);
          calls.push({ method: request.method, params: request.params, transport: 'json-rpc' });
          const result = await outcome(handler, request.method, request.params);
          return reply(
            res,
            200,
            'application/json',
            result.ok
              ? jsonrpc.encodeResult(request.version, request.id, result.value)
              : jsonrpc.encodeError(request.version, request.id, result.code, result.params),
          );
        }
        let call: xmlrpc.DecodedCall;
        try {
          call = xmlrpc.decodeCall(body);
        } catch {
          // An old host's /jsonrpc: the JSON body reaches the XML-RPC parser.
          return reply(res, 200, 'text/xml', xmlrpc.encodeFailure('XMLRPC_UNMARSHAL_FAILURE', ['body']));
        }
        calls.push({ method: call.method, params: call.params, transport: 'xml-rpc' });
        const result = await outcome(handler, call.method, call.params);
        reply(
          res,
          200,
          'text/xml',
          result.ok ? xmlrpc.encodeSuccess(result.value) : xmlrpc.encodeFailure(result.code, result.params),
        );
      })().catch(() => reply(res, 500, 'text/html', '<html>error</html>'));
    });
  };

  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : http.createServer(onRequest);
  server.on(options.tls ? 'secureConnection' : 'connection', () => connections++);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    calls,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
