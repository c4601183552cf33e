import * as http from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { XapiTransportError } from '../errors.ts';
import { formatHostPort } from '../trust.ts';
import type { ConnectHints } from './agent.ts';

export interface PostRequest {
  /** The target's origin; `path` is appended. */
  url: URL;
  path: string;
  agent: http.Agent;
  body: string;
  contentType: string;
  timeoutMs: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
  /** Send again, once, if a pooled connection was already closed by the server (read-only calls only). */
  resendOnStaleSocket?: boolean;
}

export interface HttpReply {
  status: number;
  /** The media type only, lower-cased (`text/xml`, `application/json`), or '' when absent. */
  contentType: string;
  body: string;
}

const RETRYABLE_ON_REUSE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * A pooled socket failed before any reply: most likely the server had closed it while idle, but the
 * request may also have reached a server that died, so only read-only calls are sent again.
 */
class StaleSocket extends Error {
  constructor(readonly failure: XapiTransportError) {
    super(failure.message);
  }
}

export function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/** URL.hostname keeps IPv6 brackets; sockets want the bare address. */
export function bareHostname(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * One POST with a deadline, cancellation and a response size cap. Every failure is an
 * XapiTransportError; HTTP statuses are left to the caller.
 */
export async function post(request: PostRequest): Promise<HttpReply> {
  try {
    return await attempt(request);
  } catch (error) {
    if (error instanceof StaleSocket && request.resendOnStaleSocket) return attempt(request);
    if (error instanceof StaleSocket) throw error.failure;
    throw error;
  }
}

function attempt(request: PostRequest): Promise<HttpReply> {
  const { url, path, signal } = request;
  const where = `${formatHostPort(bareHostname(url), defaultPort(url))}${path}`;
  return new Promise<HttpReply>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new XapiTransportError('aborted', `request to ${where} aborted`));
      return;
    }
    const connect = new AbortController();
    let settled = false;
    let responded = false;
    let req: http.ClientRequest | undefined;

    const settle = (error: Error | undefined, reply?: HttpReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        connect.abort();
        req?.destroy();
        reject(error);
      } else resolve(reply!);
    };
    const onAbort = (): void => settle(new XapiTransportError('aborted', `request to ${where} aborted`));
    const timer = setTimeout(
      () => settle(new XapiTransportError('timeout', `request to ${where} timed out after ${request.timeoutMs} ms`)),
      request.timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });

    const onError = (error: Error): void => {
      if (error instanceof XapiTransportError) return settle(error);
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === 'string' ? code : error.message;
      const failure = new XapiTransportError(
        'network',
        `${responded ? 'response from' : 'request to'} ${where} failed: ${reason}`,
        { cause: error },
      );
      if (!responded && req?.reusedSocket && typeof code === 'string' && RETRYABLE_ON_REUSE.has(code)) {
        return settle(new StaleSocket(failure));
      }
      settle(failure);
    };

    const options: http.RequestOptions & ConnectHints = {
      protocol: 'http:',
      hostname: bareHostname(url),
      port: defaultPort(url),
      path,
      method: 'POST',
      agent: request.agent,
      headers: {
        'content-type': request.contentType,
        'content-length': Buffer.byteLength(request.body),
        accept: request.contentType,
        'user-agent': 'xwc-api-client',
      },
      connectSignal: connect.signal,
      connectTimeoutMs: request.timeoutMs,
    };
    try {
      req = http.request(options);
    } catch (error) {
      settle(new XapiTransportError('network', `cannot send a request to ${where}`, { cause: error }));
      return;
    }
    req.on('error', onError);
    req.on('response', (res) => {
      responded = true;
      res.on('error', onError);
      const tooLarge = (): void =>
        settle(
          new XapiTransportError(
            'too-large',
            `response from ${where} exceeds the ${request.maxResponseBytes}-byte limit`,
          ),
        );
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > request.maxResponseBytes) return tooLarge();
      // Each chunk is decoded as it arrives, so its buffer is freed at once: a reply of tens of MB (a large pool's
      // first event.from) kept as buffers until the end, then copied whole, would leave that much native memory
      // with the allocator (the gateway's malloc settings keep freed memory), on top of the string it becomes.
      const decoder = new StringDecoder('utf8');
      const text: string[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) tooLarge();
        else text.push(decoder.write(chunk));
      });
      res.on('end', () => {
        if (!res.complete) return;
        text.push(decoder.end());
        settle(undefined, {
          status: res.statusCode ?? 0,
          contentType: (res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase(),
          body: text.join(''),
        });
      });
      res.on('close', () => {
        if (!res.complete) {
          settle(new XapiTransportError('network', `response from ${where} was truncated (connection closed)`));
        }
      });
    });
    req.end(request.body);
  });
}
