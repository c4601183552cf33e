import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { Duplex } from 'node:stream';
import { formatHostPort, VerifiedAgent, XapiTransportError, type TrustPolicy } from '@xwc/api-client';
import { createProxyServer } from 'http-proxy-3';

/** Why a GET from a pool host failed: each becomes one of the API's errors. */
export type PoolHttpFailure = 'timeout' | 'unreachable' | 'certificate' | 'too-large' | 'status' | 'aborted';

export class PoolHttpError extends Error {
  constructor(
    readonly kind: PoolHttpFailure,
    message: string,
    /** The host's HTTP status, for `status`. */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface PoolGet {
  /** A `host.address` of the pool; refused unless `addresses` holds it. */
  address: string;
  port: number;
  addresses: ReadonlySet<string>;
  /** Path and query, built by the gateway from validated values; checked again before use. */
  path: string;
  /** The user's own XAPI session: it goes in the Cookie header and nowhere else. */
  sessionRef: string;
}

export interface PoolHttpLimits {
  /** Connecting, the handshake, the reply and its body, together. */
  timeoutMs: number;
  maxBytes: number;
}

const SESSION_REF = /^OpaqueRef:[0-9a-f-]{36}$/;
const SAFE_PATH = /^\/(?:rrd_updates|host_rrd|vm_rrd)\?[\x21-\x7e]{1,480}$/;
/** The only request headers a pool host is sent; the browser's own never go on. */
const SENT_HEADERS = new Set(['host', 'cookie']);

interface Pending {
  settle(error: PoolHttpError | undefined, body?: Buffer): void;
  abort(): void;
}

/** Connections with a deadline of their own: the agent opens, verifies and hands over each TLS socket. */
class DeadlineAgent extends VerifiedAgent {
  constructor(
    trust: TrustPolicy,
    private readonly connectTimeoutMs: number,
  ) {
    super(trust);
  }

  override createConnection(
    options: Parameters<VerifiedAgent['createConnection']>[0],
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    return super.createConnection({ ...options, connectTimeoutMs: this.connectTimeoutMs }, callback);
  }
}

/**
 * GETs from the pool's own hosts through http-proxy-3, over the same verified TLS as the API and consoles (the
 * pool's trust policy: CA, pins from `host.get_server_certificate`, or first use), only to the pool's addresses,
 * with the user's XAPI session added here, a size bound and a deadline. The browser request that asked is what
 * http-proxy relays, stripped to `Host` and the session cookie; the reply is read here (never piped on) so the
 * caller can parse it once and answer many.
 */
export class PoolHttp {
  readonly #proxy = createProxyServer({
    xfwd: false,
    followRedirects: false,
    selfHandleResponse: true,
    ignorePath: true,
  });
  readonly #agent: DeadlineAgent;
  readonly #pending = new WeakMap<ServerResponse, Pending>();

  constructor(
    trust: TrustPolicy,
    private readonly limits: PoolHttpLimits,
  ) {
    this.#agent = new DeadlineAgent(trust, limits.timeoutMs);
    this.#proxy.on('proxyReq', (proxyReq, _req, _res, options) => {
      for (const name of proxyReq.getHeaderNames()) if (!SENT_HEADERS.has(name)) proxyReq.removeHeader(name);
      // The request had to wait for its socket to lose the browser's headers; now it may go.
      (options.buffer as PassThrough).end();
    });
    this.#proxy.on('proxyRes', (proxyRes, _req, res) => this.#read(proxyRes, res));
  }

  /** The body of a 200 reply to `target`, relaying `req` (answered by the caller through `res`). */
  get(req: IncomingMessage, res: ServerResponse, target: PoolGet): Promise<Buffer> {
    const where = formatHostPort(target.address, target.port);
    // Checked again here, at the last moment, so nothing unvetted is ever sent or contacted.
    if (!target.addresses.has(target.address) || !SAFE_PATH.test(target.path) || !SESSION_REF.test(target.sessionRef)) {
      return Promise.reject(
        new PoolHttpError('unreachable', `refused to send ${target.path.slice(0, 40)} to ${where}`),
      );
    }
    return new Promise<Buffer>((resolve, reject) => {
      const body = new PassThrough();
      let settled = false;
      const pending: Pending = {
        settle: (error, reply) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          res.off('close', onClose);
          this.#pending.delete(res);
          if (error) reject(error);
          else resolve(reply!);
        },
        abort: () => body.destroy(),
      };
      const timer = setTimeout(() => {
        pending.settle(new PoolHttpError('timeout', `${where} did not answer within ${this.limits.timeoutMs} ms`));
        pending.abort();
      }, this.limits.timeoutMs);
      const onClose = (): void => pending.settle(new PoolHttpError('aborted', 'the browser went away'));
      res.once('close', onClose);
      this.#pending.set(res, pending);
      this.#proxy.web(
        req,
        res,
        {
          target: new URL(`http://${where}${target.path}`),
          agent: this.#agent,
          buffer: body,
          headers: { host: where.replace(/:443$/, ''), cookie: `session_id=${target.sessionRef}`, expect: '' },
          proxyTimeout: this.limits.timeoutMs,
        },
        (error) => pending.settle(failureOf(error, where)),
      );
    });
  }

  #read(proxyRes: IncomingMessage, res: ServerResponse): void {
    const pending = this.#pending.get(res);
    if (!pending) return void proxyRes.destroy();
    const status = proxyRes.statusCode ?? 0;
    const declared = Number(proxyRes.headers['content-length']);
    if (status !== 200) {
      proxyRes.destroy();
      return pending.settle(new PoolHttpError('status', `the host answered ${status}`, status));
    }
    if (declared > this.limits.maxBytes) {
      proxyRes.destroy();
      return pending.settle(tooLarge(this.limits.maxBytes));
    }
    const chunks: Buffer[] = [];
    let length = 0;
    proxyRes.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > this.limits.maxBytes) {
        proxyRes.destroy();
        return pending.settle(tooLarge(this.limits.maxBytes));
      }
      chunks.push(chunk);
    });
    proxyRes.on('end', () => pending.settle(undefined, Buffer.concat(chunks, length)));
    proxyRes.on('error', () => pending.settle(new PoolHttpError('unreachable', 'the reply was cut off')));
    proxyRes.on('close', () => pending.settle(new PoolHttpError('unreachable', 'the reply was cut off')));
  }

  close(): void {
    this.#agent.destroy();
    this.#proxy.close();
  }
}

const tooLarge = (max: number): PoolHttpError =>
  new PoolHttpError('too-large', `the reply is larger than ${Math.round(max / 1024)} KiB`);

function failureOf(error: unknown, where: string): PoolHttpError {
  if (error instanceof XapiTransportError) {
    if (error.kind === 'tls') return new PoolHttpError('certificate', `the certificate of ${where} was refused`);
    if (error.kind === 'timeout') return new PoolHttpError('timeout', `${where} did not answer in time`);
  }
  return new PoolHttpError('unreachable', `${where} cannot be reached`);
}
