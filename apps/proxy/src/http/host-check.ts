import type { IncomingMessage } from 'node:http';
import type { GatewayConfig } from '../config.ts';
import { parseAuthority, type Authority } from './authority.ts';
import { ApiError } from './errors.ts';

/** Names every gateway answers to on the port it listens on, beside its own `HOST`. */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * DNS rebinding: a page on evil.example whose name is made to resolve to this gateway is same-origin with it in
 * the browser, so neither Origin checks nor SameSite cookies stop it; only the Host header tells which name the
 * browser used. Requests and upgrades must name a host this gateway was configured for: the loopback names and
 * `HOST` on the listening port, the host of `PUBLIC_ORIGIN`, and `ALLOWED_HOSTS` (an entry without a port
 * matches any port).
 */
export class AllowedHosts {
  private readonly entries: Authority[];

  constructor(private readonly config: Pick<GatewayConfig, 'host' | 'allowedHosts' | 'publicOrigin'>) {
    const { publicOrigin } = config;
    this.entries = [
      ...config.allowedHosts,
      ...(publicOrigin ? [{ host: publicOrigin.host, port: publicOrigin.port }] : []),
    ];
  }

  /** Adds the loopback names and the bound address with the port actually bound (known once listening). */
  listening(port: number): void {
    const bound = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    for (const name of [...LOOPBACK, bound]) {
      const authority = parseAuthority(name);
      if (authority) this.entries.push({ host: authority.host, port });
    }
  }

  /** The accepted `host[:port]` values, for the start-up log. */
  describe(): string[] {
    return [...new Set(this.entries.map((e) => (e.port === undefined ? e.host : `${e.host}:${e.port}`)))];
  }

  /** Undefined when the request's Host is one of ours; otherwise the refusal to send. */
  refusal(req: IncomingMessage): ApiError | undefined {
    const raw = req.headers.host;
    if (!raw) return new ApiError(400, 'BAD_REQUEST', 'The request has no Host header.');
    const host = parseAuthority(raw);
    if (!host) return new ApiError(400, 'BAD_REQUEST', 'The Host header is not a host name or address.');
    if (this.entries.some((entry) => matches(entry, host))) return undefined;
    return new ApiError(
      421,
      'HOST_REFUSED',
      'This gateway does not answer to that host name. Its administrator can add the name to ALLOWED_HOSTS ' +
        '(or set PUBLIC_ORIGIN).',
    );
  }
}

/** A Host without a port names the scheme's default port (browsers leave it out exactly then): 80 or 443. */
function matches(entry: Authority, host: Authority): boolean {
  if (entry.host !== host.host || entry.port === undefined) return entry.host === host.host;
  return host.port === undefined ? entry.port === 80 || entry.port === 443 : host.port === entry.port;
}
