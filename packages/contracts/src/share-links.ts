/**
 * Read-only share links to one console (documented in docs/api.md), shared by the gateway that makes and checks them
 * and the web app that shows and opens them.
 *
 * A link is `/share/<vm|host>/<uuid>#<token>`: the token stays in the fragment, which browsers never send to a server
 * (nor in a Referer). The page hands it to the gateway in a header only: `Authorization: Bearer <token>` for the
 * link's description, and the WebSocket subprotocol `xwc-link.<token>` beside `binary` for the console itself.
 */

/** `xwcl_` and 256 random bits in base64url: a shape no session cookie has, so neither passes for the other. */
export const LINK_TOKEN = /^xwcl_[A-Za-z0-9_-]{43}$/;

/** The WebSocket subprotocol that carries the token (the gateway answers with `binary`, never echoing it). */
export const LINK_PROTOCOL_PREFIX = 'xwc-link.';

/** How long a link lasts, in seconds: one hour unless asked, never more than a day. */
export const LINK_LIFETIME = { defaultSeconds: 3600, minSeconds: 10, maxSeconds: 86_400 } as const;

/** The `error` codes of refused links (HTTP answers; a console already open is closed with a `link*` code). */
export const LINK_ERRORS = {
  /** No such link (mistyped, tampered with, or forgotten an hour after it ended). */
  invalid: 'LINK_INVALID',
  expired: 'LINK_EXPIRED',
  revoked: 'LINK_REVOKED',
  /** The login of the person who made it ended (logout, expiry, the pool ending it). */
  ended: 'LINK_ENDED',
  /** A single-use link that has been opened once. */
  used: 'LINK_USED',
  /** A valid link presented for another console than its own. */
  otherConsole: 'LINK_OTHER_CONSOLE',
} as const;

export type LinkState = 'active' | 'expired' | 'revoked' | 'ended' | 'used';

export type LinkConsoleKind = 'vm' | 'host';

/** A link as its maker (and pool admins) list it: never the token, which exists only in the answer that made it. */
export interface ShareLinkView {
  readonly id: string;
  readonly console: { readonly kind: LinkConsoleKind; readonly uuid: string };
  /** The VM's or host's name when the link was made. */
  readonly objectName: string;
  readonly createdBy: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly singleUse: boolean;
  readonly state: LinkState;
  /** Who revoked it, when it was revoked. */
  readonly revokedBy?: string;
}

/** What a guest holding the token is told about the link (`GET /api/shared/<kind>/<uuid>`). */
export interface SharedConsoleView {
  readonly console: { readonly kind: LinkConsoleKind; readonly uuid: string };
  readonly objectName: string;
  readonly sharedBy: string;
  readonly expiresAt: string;
  readonly singleUse: boolean;
  /** Always true: guests watch only. */
  readonly viewOnly: true;
}
