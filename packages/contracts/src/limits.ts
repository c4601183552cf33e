/**
 * The gateway's `429` refusals (documented in docs/api.md), shared by the gateway that sends them and the web app that
 * explains them. Both carry `retryAfter` (whole seconds, also sent as `Retry-After`).
 */
export const LIMIT_CODES = {
  /** Too many failed logins: for one user name from this address, or from this address for every name. */
  login: 'RATE_LIMITED',
  /** Too many live inventory streams (`GET /api/events`) for this login, or on this gateway instance. */
  eventStreams: 'TOO_MANY_STREAMS',
  /** Too many share links made by this user in the last minute, or too many of theirs still open. */
  links: 'TOO_MANY_LINKS',
} as const;

/** What a login refusal applies to: `user` = only the user name that was tried; `address` = every name from here. */
export type LoginLimitScope = 'user' | 'address';

export interface LimitRefusal {
  retryAfter: number;
  scope: LoginLimitScope;
}

/** The `retryAfter` and `scope` of a `RATE_LIMITED` body; a missing or odd value reads as the stricter case. */
export function parseLimitRefusal(body: Readonly<Record<string, unknown>>, fallbackSeconds = 30): LimitRefusal {
  const seconds = Number(body.retryAfter);
  return {
    retryAfter: Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : fallbackSeconds,
    scope: body.scope === 'user' ? 'user' : 'address',
  };
}
