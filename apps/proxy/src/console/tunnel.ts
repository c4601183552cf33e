import type { TLSSocket } from 'node:tls';
import { connectVerified, formatHostPort, XapiTransportError, type TrustPolicy } from '@xwc/api-client';
import { ConsoleError, type CloseKind } from './close-codes.ts';
import type { ConsoleTarget } from './location.ts';
import { ReplyParser } from './reply-parser.ts';

export interface TunnelOptions {
  target: ConsoleTarget;
  trust: TrustPolicy;
  /** The user's own XAPI session ref: it goes in the Cookie header and nowhere else. */
  sessionRef: string;
  /** Bounds connecting, the TLS handshake and reading the reply together. */
  timeoutMs: number;
  maxHeaderBytes?: number;
  signal?: AbortSignal;
}

export interface Tunnel {
  socket: TLSSocket;
  /** Console bytes that arrived with the reply headers. */
  initial: Buffer;
}

const SESSION_REF = /^OpaqueRef:[0-9a-f-]{36}$/;
const SAFE_REQUEST_TARGET = /^\/console\?[\x21-\x7e]+$/;

/** What each status XAPI's `/console` handler answers means for the browser. */
function kindOfStatus(status: number): CloseKind {
  switch (status) {
    case 401:
      return 'notLoggedIn';
    case 403:
      return 'forbidden';
    case 404:
      return 'unavailable';
    case 500:
      return 'notRunning';
    case 503:
      return 'busy';
    default:
      return 'badUpstream';
  }
}

/**
 * Opens the console tunnel XAPI offers: TLS to the host (verified before any byte is sent), then
 * `CONNECT /console?… HTTP/1.0` with the session cookie, then the reply read within a size and time
 * bound. On 200 the socket is a raw console stream.
 */
export async function openTunnel(options: TunnelOptions): Promise<Tunnel> {
  const { target } = options;
  // Checked again here, at the last moment, so nothing unvetted can reach the request line.
  if (!SAFE_REQUEST_TARGET.test(target.pathAndQuery) || target.pathAndQuery.length > 256) {
    throw new ConsoleError('badUpstream', 'The console location is not usable.');
  }
  if (!SESSION_REF.test(options.sessionRef)) throw new ConsoleError('notLoggedIn');
  const deadline = Date.now() + options.timeoutMs;
  let socket: TLSSocket;
  try {
    socket = await connectVerified({
      host: target.address,
      port: target.port,
      trust: options.trust,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof XapiTransportError && error.kind === 'tls') throw new ConsoleError('certificate');
    throw new ConsoleError('unreachable');
  }
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 30_000);
  const host = formatHostPort(target.address, target.port).replace(/:443$/, '');
  socket.write(
    `CONNECT ${target.pathAndQuery} HTTP/1.0\r\nHost: ${host}\r\nCookie: session_id=${options.sessionRef}\r\n\r\n`,
  );
  try {
    const initial = await readReply(socket, Math.max(1, deadline - Date.now()), options.maxHeaderBytes ?? 8192);
    return { socket, initial };
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

function readReply(socket: TLSSocket, timeoutMs: number, maxHeaderBytes: number): Promise<Buffer> {
  const parser = new ReplyParser(maxHeaderBytes);
  return new Promise<Buffer>((resolve, reject) => {
    const finish = (outcome: { ok: Buffer } | { error: ConsoleError }): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      if ('ok' in outcome) resolve(outcome.ok);
      else reject(outcome.error);
    };
    const onData = (chunk: Buffer): void => {
      const progress = parser.push(chunk);
      if (!progress.done) return;
      if ('error' in progress) {
        finish({ error: new ConsoleError('badUpstream') });
      } else if (progress.reply.status !== 200) {
        finish({ error: new ConsoleError(kindOfStatus(progress.reply.status)) });
      } else {
        finish({ ok: progress.reply.rest });
      }
    };
    const onEnd = (): void =>
      finish({ error: new ConsoleError('badUpstream', 'The host closed the console request.') });
    const timer = setTimeout(() => finish({ error: new ConsoleError('unreachable') }), timeoutMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onEnd);
  });
}
