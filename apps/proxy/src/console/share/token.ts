import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LINK_PROTOCOL_PREFIX, LINK_TOKEN } from '@xwc/contracts';

/**
 * Share-link tokens: 256 random bits, handed out once (in the answer that made the link) and kept by the gateway only
 * as a hash. The hash is domain-separated, so a link token's hash can never equal a session cookie's.
 */

/** A link's bearer secret. */
export type LinkToken = string & { readonly __brand: 'LinkToken' };

export const newLinkToken = (): LinkToken => `xwcl_${randomBytes(32).toString('base64url')}` as LinkToken;

/** A link's public handle (listing, revoking): random, and worthless without the token. */
export const newLinkId = (): string => randomUUID();

export const linkTokenHash = (token: LinkToken): string =>
  createHash('sha256').update('xwc/share-link/v1\0').update(token).digest('hex');

const asToken = (text: string | undefined): LinkToken | undefined =>
  text !== undefined && LINK_TOKEN.test(text) ? (text as LinkToken) : undefined;

/** The token of a guest's request for the link's description: `Authorization: Bearer <token>`. */
export function tokenFromAuthorization(req: IncomingMessage): LinkToken | undefined {
  const match = /^Bearer ([^\s]+)$/.exec(req.headers.authorization ?? '');
  return asToken(match?.[1]);
}

/** The token of a guest's console upgrade: the subprotocol `xwc-link.<token>` offered beside `binary`. */
export function tokenFromProtocols(req: IncomingMessage): LinkToken | undefined {
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const carrier = offered.find((p) => p.startsWith(LINK_PROTOCOL_PREFIX));
  return asToken(carrier?.slice(LINK_PROTOCOL_PREFIX.length));
}
