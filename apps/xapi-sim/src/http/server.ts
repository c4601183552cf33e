import type { Duplex } from 'node:stream';
import { RRD_PATHS } from '../rrd/handler.ts';
import { parseHead, type RequestHead } from './request.ts';
import {
  escapeHtml,
  forbidden,
  headerFieldsTooLarge,
  internalError,
  methodNotImplemented,
  optionsResponse,
} from './responses.ts';

export interface HttpRoutes {
  /** A POST body, answered as XML-RPC or JSON-RPC by path; resolves to the whole response. */
  rpc(req: RequestHead, body: Buffer): Promise<Buffer>;
  /** CONNECT or GET on `/console`: the handler owns the (paused) socket from here on. */
  console(req: RequestHead, socket: Duplex, head: Buffer): void;
  /** GET on one of the statistics paths (`/rrd_updates`, `/host_rrd`, `/vm_rrd`): the whole response. */
  rrd(req: RequestHead): Buffer;
}

export interface HttpLimits {
  readonly maxHeadBytes: number;
  /** `Xapi_globs.http_limit_max_rpc_size`. */
  readonly maxBodyBytes: number;
}

const BLANK_LINE = Buffer.from('\r\n\r\n');
/** Paths registered per method, matched by longest prefix as `Http_svr` does; PUT has handlers xapi-side. */
const CONSOLE_PREFIX = '/console';

/**
 * Serves HTTP/1.x requests on one connection, one at a time, as xapi's `Http_svr.handle_connection`:
 * keep-alive unless the request or its version says close; any POST path is RPC; `/console` takes the
 * socket over; unknown methods get 501 and known ones without a route 403. While `answering()` is false
 * (a hung toolstack) requests are read and never answered.
 */
export function serveConnection(
  socket: Duplex,
  routes: HttpRoutes,
  limits: HttpLimits,
  answering: () => boolean,
): void {
  let pending: Buffer = Buffer.alloc(0);
  let busy = false;

  const finish = (bytes: Buffer): void => {
    socket.off('data', onData);
    socket.end(bytes);
  };

  const pump = async (): Promise<void> => {
    if (busy || !answering()) return;
    busy = true;
    try {
      for (;;) {
        while (pending[0] === 0x0d || pending[0] === 0x0a) pending = pending.subarray(1);
        const end = pending.indexOf(BLANK_LINE);
        if (end === -1) {
          if (pending.length > limits.maxHeadBytes) finish(headerFieldsTooLarge());
          return;
        }
        if (end > limits.maxHeadBytes) return finish(headerFieldsTooLarge());
        const req = parseHead(pending.subarray(0, end).toString('latin1'));
        if (!req) return finish(internalError(undefined, 'The HTTP headers could not be parsed.'));
        const rest = pending.subarray(end + BLANK_LINE.length);

        if ((req.method === 'CONNECT' || req.method === 'GET') && req.path.startsWith(CONSOLE_PREFIX)) {
          // Paused until the console handler has its own reader attached, so no byte is lost meanwhile.
          socket.off('data', onData);
          socket.pause();
          pending = Buffer.alloc(0);
          routes.console(req, socket, rest);
          return;
        }
        if (req.method === 'POST') {
          const length = contentLength(req);
          if (length === undefined) {
            return finish(internalError(req, escapeHtml('Failure("We require a content-length: HTTP header")')));
          }
          if (length > limits.maxBodyBytes) {
            return finish(internalError(req, 'Http_svr.Client_requested_size_over_limit'));
          }
          if (rest.length < length) return;
          pending = rest.subarray(length);
          const response = await routes.rpc(req, rest.subarray(0, length));
          if (req.close) return finish(response);
          socket.write(response);
          continue;
        }
        pending = rest;
        if (req.method === 'GET' && Object.hasOwn(RRD_PATHS, req.path)) {
          const response = routes.rrd(req);
          if (req.close) return finish(response);
          socket.write(response);
          continue;
        }
        if (req.method === 'OPTIONS') {
          if (req.close) return finish(optionsResponse(req));
          socket.write(optionsResponse(req));
          continue;
        }
        return finish(['GET', 'PUT', 'CONNECT'].includes(req.method) ? forbidden(req) : methodNotImplemented(req));
      }
    } catch (error) {
      finish(internalError(undefined, escapeHtml(error instanceof Error ? error.message : String(error))));
    } finally {
      busy = false;
    }
  };

  const onData = (chunk: Buffer): void => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    void pump();
  };
  socket.on('data', onData);
}

function contentLength(req: RequestHead): number | undefined {
  const text = req.headers.get('content-length');
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}
