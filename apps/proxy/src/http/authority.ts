/**
 * `Host` values and origins, parsed strictly into comparable values: scheme and host lower-case, IPv6 in brackets
 * and compressed, IPv4 in dotted form, the port always explicit (http → 80, https → 443). Anything with userinfo,
 * a path, a query, whitespace or another scheme is not an authority and parses to undefined.
 */

export type Scheme = 'http' | 'https';

export const DEFAULT_PORT: Record<Scheme, number> = { http: 80, https: 443 };

export interface Authority {
  /** Lower-case name, dotted IPv4 or bracketed IPv6. */
  host: string;
  /** The port given, if any. */
  port?: number;
}

export interface Origin {
  scheme: Scheme;
  host: string;
  port: number;
}

const AUTHORITY = /^(\[[0-9A-Fa-f:.]{2,45}\]|[A-Za-z0-9._-]{1,253})(?::(\d{1,5}))?$/;
const ORIGIN = /^(https?):\/\/([^/?#@\\\s]+)$/i;

/** `host[:port]` as a Host header or a setting holds it. */
export function parseAuthority(text: string): Authority | undefined {
  const match = AUTHORITY.exec(text);
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  let host: string;
  try {
    // The URL parser normalises case, IPv6 compression and IPv4 shorthand, so equal hosts compare equal.
    host = new URL(`http://${match[1]}`).hostname;
  } catch {
    return undefined;
  }
  return port === undefined ? { host } : { host, port };
}

/** A serialised origin, `scheme://host[:port]`, as browsers send in `Origin` (never `null` here). */
export function parseOrigin(text: string): Origin | undefined {
  const match = ORIGIN.exec(text);
  const authority = match ? parseAuthority(match[2]!) : undefined;
  if (!authority) return undefined;
  const scheme = match![1]!.toLowerCase() as Scheme;
  return { scheme, host: authority.host, port: authority.port ?? DEFAULT_PORT[scheme] };
}

export const originKey = (origin: Origin): string => `${origin.scheme}://${origin.host}:${origin.port}`;
