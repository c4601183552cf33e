import type { IncomingMessage } from 'node:http';
import type { Scheme } from './authority.ts';

/** The client's address; behind a trusted reverse proxy, the last hop it recorded in X-Forwarded-For. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const list = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',');
    const last = list
      .map((a) => a.trim())
      .filter(Boolean)
      .pop();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** The scheme the browser used: https over our TLS listener or, behind a trusted proxy, as it forwarded it. */
export function requestScheme(req: IncomingMessage, trustProxy: boolean): Scheme {
  if ('encrypted' in req.socket && req.socket.encrypted) return 'https';
  return trustProxy && req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
}

/** Whether the browser reached us over TLS (directly, or through a trusted terminating proxy). */
export const isSecure = (req: IncomingMessage, trustProxy: boolean): boolean =>
  requestScheme(req, trustProxy) === 'https';
