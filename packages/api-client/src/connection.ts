import { EventEmitter } from 'node:events';
import type * as http from 'node:http';
import { isIP } from 'node:net';
import { protocolError, XapiError, XapiTransportError } from './errors.ts';
import type { KnownClass, XapiRef } from './schema.ts';
import { XapiSession } from './session.ts';
import { plainAgent, VerifiedAgent } from './transport/agent.ts';
import { isPromptCall, type TransportKind } from './transport/call.ts';
import { bareHostname } from './transport/http.ts';
import { TransportSelector, type TransportOption } from './transport/select.ts';
import type { TrustPolicy } from './trust.ts';
import { expectString } from './expect.ts';
import type { XapiValue } from './wire/values.ts';

export interface ConnectionOptions {
  /** The pool's address: `https://host[:port]` (or `http://` for tests and port-80 hosts). Any path is ignored. */
  url: string | URL;
  /** Default `auto`: JSON-RPC, falling back to XML-RPC for hosts without it. */
  transport?: TransportOption;
  /** Required for `https:` URLs. Asked about every new connection, including after a re-target. */
  trust?: TrustPolicy;
  /** Per-call deadline unless a call says otherwise. Default 60 s. */
  timeoutMs?: number;
  /** Largest reply accepted. Default 256 MiB (get_all_records on a large pool). */
  maxResponseBytes?: number;
  /** How many `HOST_IS_SLAVE` redirects one login follows. Default 3. */
  maxRedirects?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface LoginOptions extends CallOptions {
  /** Identifies this client in XAPI's per-originator session accounting. */
  originator?: string;
  /** The API version the client speaks; XAPI's default is "1.1". */
  version?: string;
}

/** A record left out of a reply that holds many (`get_all_records`, `event.from`) because it does not parse. */
export interface MalformedRecord {
  cls: KnownClass;
  ref: XapiRef;
  error: XapiTransportError;
}

export interface RetargetEvent {
  from: string;
  to: string;
}

export type ConnectionEvents = {
  /** The connection now targets another host (the pool master moved or a member redirected us). */
  retarget: [RetargetEvent];
  /** `auto` settled on a wire protocol. */
  transport: [TransportKind];
  /** A call could not reach the pool (refused, reset, timed out): the pool may be restarting. */
  unreachable: [XapiTransportError];
  /** One record of a many-record reply was malformed: it was left out, the rest of the reply was used. */
  'malformed-record': [MalformedRecord];
  /** A call ended: its method, how long it took, and its error if it failed (for metrics; never its parameters). */
  call: [CallEnd];
};

export interface CallEnd {
  method: string;
  seconds: number;
  error?: unknown;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Connections at most for getters at once. A burst of them (a thousand consoles ending together, each asking the
 * pool its idle timeout) otherwise opened a TLS connection per call to the master: a handshake's memory each here,
 * and as many connections for xapi to accept. Queued, they are answered in turn within moments.
 */
export const PROMPT_CONNECTIONS = 16;
export const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/** The master address a `HOST_IS_SLAVE` error names, if the error is one. */
export function masterAddressOf(error: unknown): string | undefined {
  if (!(error instanceof XapiError) || error.code !== 'HOST_IS_SLAVE') return undefined;
  const address = error.params[0]?.trim();
  return address ? address : undefined;
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** `url` with its host replaced by `address`, keeping scheme and port; IPv6 addresses are bracketed. */
export function retargetUrl(url: URL, address: string): URL {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0 && !HOST_NAME.test(bare)) {
    throw protocolError('HOST_IS_SLAVE names an address that is not a host name or IP address');
  }
  const next = new URL(url.origin);
  next.hostname = family === 6 ? `[${bare}]` : bare;
  return next;
}

/**
 * One pool, reached through its master. Holds the keep-alive agent, the trust policy and the wire
 * protocol; sessions made by `login` share them and follow the connection when it is re-targeted.
 */
export class XapiConnection extends EventEmitter<ConnectionEvents> {
  #url: URL;
  /** Connections for calls the host answers at once: at most PROMPT_CONNECTIONS, a burst of them queues. */
  readonly #prompt: http.Agent;
  /** Connections for calls that may take long (`event.from`, actions): each its own, so none waits behind another. */
  readonly #lasting: http.Agent;
  readonly #selector: TransportSelector;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #maxRedirects: number;

  constructor(options: ConnectionOptions) {
    super();
    const url = new URL(options.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('XAPI URLs are https: or http:');
    if (url.protocol === 'https:' && !options.trust) throw new TypeError('an https: XAPI URL needs a trust policy');
    this.#url = new URL(url.origin);
    const agent = (maxSockets?: number): http.Agent =>
      url.protocol === 'https:' ? new VerifiedAgent(options.trust!, maxSockets) : plainAgent(maxSockets);
    this.#prompt = agent(PROMPT_CONNECTIONS);
    this.#lasting = agent();
    this.#selector = new TransportSelector(options.transport ?? 'auto', (kind) => this.emit('transport', kind));
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.#maxRedirects = options.maxRedirects ?? 3;
  }

  /** The current target, e.g. `https://192.0.2.10:443`. */
  get url(): string {
    return this.#url.origin;
  }

  /** The address of the host calls go to: the master, once any redirect was followed. */
  get master(): string {
    return bareHostname(this.#url);
  }

  /** The wire protocol in use; undefined while `auto` has not yet heard from a host. */
  get transport(): TransportKind | undefined {
    return this.#selector.kind;
  }

  /** A raw call: no session is added and `HOST_IS_SLAVE` is not followed. */
  call(method: string, params: readonly XapiValue[] = [], options: CallOptions = {}): Promise<XapiValue> {
    const reply = this.#selector.call({
      url: this.#url,
      agent: isPromptCall(method) ? this.#prompt : this.#lasting,
      method,
      params,
      timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      maxResponseBytes: this.#maxResponseBytes,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const started = performance.now();
    const ended = (error?: unknown): void =>
      void this.emit('call', { method, seconds: (performance.now() - started) / 1000, ...(error ? { error } : {}) });
    return reply.then(
      (value) => {
        ended();
        return value;
      },
      (error: unknown) => {
        ended(error);
        if (error instanceof XapiTransportError && (error.kind === 'network' || error.kind === 'timeout')) {
          this.emit('unreachable', error);
        }
        throw error;
      },
    );
  }

  /** Points the connection at another host of the pool, keeping scheme and port. */
  retarget(address: string): void {
    const next = retargetUrl(this.#url, address);
    if (next.origin === this.#url.origin) return;
    const from = this.master;
    this.#url = next;
    this.emit('retarget', { from, to: this.master });
  }

  /**
   * If `error` is `HOST_IS_SLAVE` naming a host other than the current one, re-targets there and
   * returns true: the caller may retry.
   */
  followMaster(error: unknown): boolean {
    const address = masterAddressOf(error);
    if (address === undefined) return false;
    const before = this.#url.origin;
    this.retarget(address);
    return this.#url.origin !== before;
  }

  /** `session.login_with_password`, following `HOST_IS_SLAVE` to the master. */
  async login(username: string, password: string, options: LoginOptions = {}): Promise<XapiSession> {
    const params = [username, password, options.version ?? '1.1', options.originator ?? 'xwc'];
    for (let hop = 0; ; hop++) {
      try {
        const ref = expectString(
          await this.call('session.login_with_password', params, options),
          'session.login_with_password',
        );
        return new XapiSession(this, ref);
      } catch (error) {
        if (hop >= this.#maxRedirects || !this.followMaster(error)) throw error;
      }
    }
  }

  /** Closes pooled connections. Sessions stay valid on the server; log them out first if they should not. */
  close(): void {
    this.#prompt.destroy();
    this.#lasting.destroy();
  }
}
