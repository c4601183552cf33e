/**
 * WebSocket close codes for consoles (documented in docs/api.md). Reasons are fixed human sentences:
 * they never carry a secret, an address or a stack trace, and they fit the 123-byte close-reason limit.
 */
export const CLOSE = {
  normal: { code: 1000, reason: 'Console closed.' },
  goingAway: { code: 1001, reason: 'The gateway is shutting down; reconnect.' },
  policy: { code: 1008, reason: 'Too many control frames.' },
  internal: { code: 1011, reason: 'Unexpected gateway error.' },
  notLoggedIn: { code: 4001, reason: 'Not logged in, or the session expired.' },
  forbidden: { code: 4003, reason: 'Your role may not open this console.' },
  notFound: { code: 4004, reason: 'No such VM or host.' },
  notRunning: { code: 4005, reason: 'The VM is not running.' },
  unavailable: { code: 4006, reason: 'No console is available for this VM.' },
  busy: { code: 4009, reason: 'Console busy: another user holds the only console session the pool allows.' },
  ended: { code: 4010, reason: 'The console ended at the host (reboot, migration or shutdown).' },
  unreachable: { code: 4012, reason: 'The host could not be reached in time.' },
  certificate: { code: 4013, reason: "The host's certificate was refused." },
  idle: { code: 4014, reason: 'Closed after the idle timeout.' },
  timeLimit: { code: 4015, reason: 'Closed at the console time limit.' },
  stalled: { code: 4016, reason: 'Closed because the browser stopped reading.' },
  loggedOut: { code: 4017, reason: 'You logged out.' },
  tooMany: { code: 4029, reason: 'Too many consoles are open.' },
  badUpstream: { code: 4502, reason: 'The host answered the console request with something unexpected.' },
} as const satisfies Record<string, { code: number; reason: string }>;

export type CloseKind = keyof typeof CLOSE;
export type CloseSpec = (typeof CLOSE)[CloseKind];

/** A failure that ends a console with a given close kind; `reason` may refine the default sentence. */
export class ConsoleError extends Error {
  constructor(
    readonly kind: CloseKind,
    readonly reason: string = CLOSE[kind].reason,
  ) {
    super(reason);
  }
}
