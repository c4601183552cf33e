import type { IncomingMessage } from 'node:http';
import type { GatewayConfig } from '../config.ts';
import { DEFAULT_PORT, originKey, parseAuthority, parseOrigin } from './authority.ts';
import { requestScheme } from './client-address.ts';

export interface OriginPolicy {
  /** Origins allowed beside the server's own, as `originKey`s. */
  allowed: ReadonlySet<string>;
  /** Accept requests that carry no Origin at all (non-browser clients). Off by default. */
  allowMissing: boolean;
  /** `PUBLIC_ORIGIN` as an `originKey`: when set, the server's own origin, whatever the request says. */
  publicOrigin?: string;
  /** Behind a trusted proxy the browser's scheme is the forwarded one. */
  trustProxy: boolean;
}

/** The policy from the settings (config.ts has already checked every origin). */
export function originPolicy(
  config: Pick<GatewayConfig, 'allowedOrigins' | 'allowNoOrigin' | 'publicOrigin' | 'trustProxy'>,
): OriginPolicy {
  return {
    allowed: new Set(config.allowedOrigins.map((text) => originKey(parseOrigin(text)!))),
    allowMissing: config.allowNoOrigin,
    ...(config.publicOrigin ? { publicOrigin: originKey(config.publicOrigin) } : {}),
    trustProxy: config.trustProxy,
  };
}

/** This server's origin as the browser addressed it: its scheme (TLS, or forwarded by a trusted proxy) and Host. */
function ownOrigin(req: IncomingMessage, policy: OriginPolicy): string | undefined {
  if (policy.publicOrigin) return policy.publicOrigin;
  const host = parseAuthority(req.headers.host ?? '');
  if (!host) return undefined;
  const scheme = requestScheme(req, policy.trustProxy);
  return originKey({ scheme, host: host.host, port: host.port ?? DEFAULT_PORT[scheme] });
}

/**
 * The cross-site check for WebSocket upgrades and mutating requests. A browser always sends Origin on these; it
 * must be this server's own origin — scheme, host and port all equal — or a listed one. `null` (sandboxed frames,
 * file: pages), anything that is not a bare origin (userinfo, a path) and foreign origins are refused.
 */
export function originAllowed(req: IncomingMessage, policy: OriginPolicy): boolean {
  const raw = req.headers.origin;
  if (raw === undefined) return policy.allowMissing;
  const origin = parseOrigin(raw);
  if (!origin) return false;
  const key = originKey(origin);
  return policy.allowed.has(key) || key === ownOrigin(req, policy);
}
