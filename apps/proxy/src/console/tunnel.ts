import type { TLSSocket } from 'node:tls';
import { connectVerified, formatHostPort, XapiTransportError, type TrustPolicy } from '@xwc/api-client';
import { ConsoleError, type CloseKind } from './close-codes.ts';
import type { ConsoleTarget } from './location.ts';
import { busyReason, MAX_LIMIT_BODY, parseLimitHolders } from './limit-reply.ts';
import { ReplyParser } from './reply-parser.ts';
import { timedUpstreamConnect } from '../ops/channels.ts';

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

/** The pool refused because someone holds the console under `limit_console_sessions`. */
export class ConsoleBusy extends ConsoleError {
  constructor(readonly holders: readonly string[]) {
    super('busy', busyReason(holders, 'another client'));
  }
}

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
export function openTunnel(options: TunnelOptions): Promise<Tunnel> {
  return timedUpstreamConnect(() => connectTunnel(options));
}

async function connectTunnel(options: TunnelOptions): Promise<Tunnel> {
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
    /** Set once a 503's headers are in: its page names who holds the console, so the body is read too. */
    let refusal: { body: Buffer[]; length: number; expected: number } | undefined;
    const finish = (outcome: { ok: Buffer } | { error: ConsoleError }): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.pause();
      if ('ok' in outcome) resolve(outcome.ok);
      else reject(outcome.error);
    };
    const busy = (): void => {
      const body = Buffer.concat(refusal!.body).subarray(0, MAX_LIMIT_BODY).toString('utf8');
      finish({ error: new ConsoleBusy(parseLimitHolders(body).names) });
    };
    const collect = (chunk: Buffer): void => {
      refusal!.body.push(chunk);
      refusal!.length += chunk.length;
      if (refusal!.length >= refusal!.expected) busy();
    };
    const onData = (chunk: Buffer): void => {
      if (refusal) return collect(chunk);
      const progress = parser.push(chunk);
      if (!progress.done) return;
      if ('error' in progress) {
        finish({ error: new ConsoleError('badUpstream') });
      } else if (progress.reply.status === 503) {
        const declared = Number(progress.reply.headers.get('content-length'));
        const expected =
          Number.isInteger(declared) && declared >= 0 ? Math.min(declared, MAX_LIMIT_BODY) : MAX_LIMIT_BODY;
        refusal = { body: [], length: 0, expected };
        collect(progress.reply.rest);
      } else if (progress.reply.status !== 200) {
        finish({ error: new ConsoleError(kindOfStatus(progress.reply.status)) });
      } else {
        finish({ ok: progress.reply.rest });
      }
    };
    const onEnd = (): void => {
      if (refusal) return busy();
      finish({ error: new ConsoleError('badUpstream', 'The host closed the console request.') });
    };
    const timer = setTimeout(() => (refusal ? busy() : finish({ error: new ConsoleError('unreachable') })), timeoutMs);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onEnd);
  });
}
