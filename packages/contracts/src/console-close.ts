/**
 * WebSocket close codes for consoles (documented in docs/api.md), shared by the gateway that sends them and the web app
 * that explains them. Reasons are fixed human sentences: they never carry a secret, an address or a stack trace, and
 * they fit the 123-byte close-reason limit. The gateway may refine a reason (e.g. who holds a busy console).
 */
export const CONSOLE_CLOSE = {
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
  poolIdle: { code: 4019, reason: 'The pool closed the console after its idle timeout (no key or pointer input).' },
  rejoin: { code: 4020, reason: 'The console is now shared; reconnect at once.' },
  tooMany: { code: 4029, reason: 'Too many consoles are open.' },
  /** A share-link viewer's link stopped working (expiry, revocation, the sharer's login ending, used once already). */
  linkExpired: { code: 4031, reason: 'The share link expired.' },
  linkRevoked: { code: 4032, reason: 'The share link was revoked.' },
  linkEnded: { code: 4033, reason: 'The share link ended: the person who shared it is no longer logged in.' },
  linkUsed: { code: 4034, reason: 'This share link was for one viewing, and it has been used.' },
  badViewer: { code: 4400, reason: 'The browser sent malformed console data.' },
  badUpstream: { code: 4502, reason: 'The host answered the console request with something unexpected.' },
  badScreen: { code: 4503, reason: "The host's console sent malformed data." },
} as const satisfies Record<string, { code: number; reason: string }>;

export type ConsoleCloseKind = keyof typeof CONSOLE_CLOSE;

const BY_CODE = new Map<number, ConsoleCloseKind>(
  (Object.keys(CONSOLE_CLOSE) as ConsoleCloseKind[]).map((kind) => [CONSOLE_CLOSE[kind].code, kind]),
);

/** The kind a close code stands for, when it is one of ours. */
export function consoleCloseKind(code: number): ConsoleCloseKind | undefined {
  return BY_CODE.get(code);
}
