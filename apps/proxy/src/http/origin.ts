import type { IncomingMessage } from 'node:http';

export interface OriginPolicy {
  /** Origins allowed beside the server's own (exact `scheme://host[:port]` strings). */
  allowed: ReadonlySet<string>;
  /** Accept requests that carry no Origin at all (non-browser clients). Off by default. */
  allowMissing: boolean;
}

/**
 * The cross-site check for WebSocket upgrades and mutating requests. A browser always sends
 * Origin on these; it must name this server (the Host the browser used) or a listed origin.
 * `null` (sandboxed frames, file: pages) and foreign origins are refused.
 */
export function originAllowed(req: IncomingMessage, policy: OriginPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return policy.allowMissing;
  if (policy.allowed.has(origin)) return true;
  if (origin === 'null') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (parsed.origin !== origin) return false;
  const host = req.headers.host;
  return host !== undefined && parsed.host === host.toLowerCase();
}
