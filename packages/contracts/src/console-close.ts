/**
 * WebSocket close codes for consoles, the wall and share-link viewers (documented in docs/api.md): what the gateway
 * sends and what the web app does on each, in one entry, so a code cannot be sent that the UI does not know.
 * - `reason`: the gateway's close reason, a fixed human sentence: never a secret, an address or a stack trace, and within
 *   the 123-byte close-reason limit. The gateway may refine it (e.g. who holds a busy console).
 * - `message`: what the UI tells the user.
 * - `policy`: what the UI does next:
 *   `retry` reconnect with backoff (transient trouble); `rejoin` reconnect at once and say nothing (the view moved onto
 *   a shared console); `reattach` the console moved (reboot, migration): re-resolve and reconnect at once;
 *   `wait-running` reconnect once the VM runs again; `wait-console` reconnect once the VM lists a new console;
 *   `session` the login ended: ask for the password, then reconnect; `manual` stop and offer a Reconnect button;
 *   `final` stop: reconnecting would fail the same way. Only `retry`, `rejoin` and `reattach` reconnect unasked, so a
 *   policy close (a flood, malformed data) is never answered by coming back.
 */

export type ClosePolicy =
  'retry' | 'rejoin' | 'reattach' | 'wait-running' | 'wait-console' | 'session' | 'manual' | 'final';

export interface CloseMeaning {
  readonly message: string;
  readonly policy: ClosePolicy;
}

interface CloseEntry extends CloseMeaning {
  readonly code: number;
  readonly reason: string;
}

export const CONSOLE_CLOSE = {
  normal: { code: 1000, reason: 'Console closed.', message: 'The console was closed.', policy: 'manual' },
  goingAway: {
    code: 1001,
    reason: 'The gateway is shutting down; reconnect.',
    message: 'The gateway restarted; reconnecting…',
    policy: 'retry',
  },
  /** Sent by the `ws` library itself on a frame that breaks the WebSocket protocol. */
  protocolError: {
    code: 1002,
    reason: 'WebSocket protocol error.',
    message: 'The gateway closed this view: the browser broke the WebSocket protocol.',
    policy: 'manual',
  },
  notBinary: {
    code: 1003,
    reason: 'Console data must be binary.',
    message: 'The gateway closed this view: the browser sent text where console data must be binary.',
    policy: 'manual',
  },
  /** Sent by the `ws` library itself on a text frame that is not UTF-8. */
  badText: {
    code: 1007,
    reason: 'Invalid UTF-8.',
    message: 'The gateway closed this view: the browser sent text that is not UTF-8.',
    policy: 'manual',
  },
  /** A ping flood. */
  policy: {
    code: 1008,
    reason: 'Too many control frames.',
    message: 'The browser sent too many control frames; the console was closed.',
    policy: 'manual',
  },
  /** Sent by the `ws` library itself on a message over the socket's size limit. */
  tooBig: {
    code: 1009,
    reason: 'Message too big.',
    message: 'The gateway closed this view: the browser sent a message over the size limit.',
    policy: 'manual',
  },
  internal: {
    code: 1011,
    reason: 'Unexpected gateway error.',
    message: 'The gateway hit an unexpected error; reconnecting…',
    policy: 'retry',
  },
  notLoggedIn: {
    code: 4001,
    reason: 'Not logged in, or the session expired.',
    message: 'Your session has ended. Log in again to reopen the console.',
    policy: 'session',
  },
  forbidden: {
    code: 4003,
    reason: 'Your role may not open this console.',
    message: 'Your role does not allow opening this console.',
    policy: 'final',
  },
  notFound: {
    code: 4004,
    reason: 'No such VM or host.',
    message: 'This VM or host no longer exists.',
    policy: 'final',
  },
  notRunning: {
    code: 4005,
    reason: 'The VM is not running.',
    message: 'The VM is not running, so it has no console.',
    policy: 'wait-running',
  },
  unavailable: {
    code: 4006,
    reason: 'No console is available for this VM.',
    message: 'No console is available yet; waiting for the VM to offer one…',
    policy: 'wait-console',
  },
  busy: {
    code: 4009,
    reason: 'Console busy: another user holds the only console session the pool allows.',
    message: 'The console is busy: the pool allows one console session per VM and another user holds it.',
    policy: 'manual',
  },
  ended: {
    code: 4010,
    reason: 'The console ended at the host (reboot, migration or shutdown).',
    message: 'The console ended at the host (reboot, migration or shutdown); re-attaching…',
    policy: 'reattach',
  },
  unreachable: {
    code: 4012,
    reason: 'The host could not be reached in time.',
    message: 'The VM’s host could not be reached in time; retrying…',
    policy: 'retry',
  },
  certificate: {
    code: 4013,
    reason: "The host's certificate was refused.",
    message: 'The gateway refused the host’s TLS certificate. An administrator must check the pool’s certificates.',
    policy: 'final',
  },
  idle: {
    code: 4014,
    reason: 'Closed after the idle timeout.',
    message: 'The console closed after being idle (no key or pointer input).',
    policy: 'manual',
  },
  timeLimit: {
    code: 4015,
    reason: 'Closed at the console time limit.',
    message: 'The console reached its time limit and was closed.',
    policy: 'manual',
  },
  stalled: {
    code: 4016,
    reason: 'Closed because the browser stopped reading.',
    message: 'The console closed because this browser stopped reading; reconnecting…',
    policy: 'retry',
  },
  loggedOut: { code: 4017, reason: 'You logged out.', message: 'You logged out.', policy: 'final' },
  poolIdle: {
    code: 4019,
    reason: 'The pool closed the console after its idle timeout (no key or pointer input).',
    message: 'The pool closed the console after its idle timeout (nobody typed or moved the pointer).',
    policy: 'manual',
  },
  rejoin: {
    code: 4020,
    reason: 'The console is now shared; reconnect at once.',
    message: 'Joining the shared console…',
    policy: 'rejoin',
  },
  tooMany: {
    code: 4029,
    reason: 'Too many consoles are open.',
    message: 'Too many consoles are open (for you or on the gateway). Close one and reconnect.',
    policy: 'manual',
  },
  /** A share-link viewer's link stopped working (expiry, revocation, the sharer's login ending, used once already). */
  linkExpired: {
    code: 4031,
    reason: 'The share link expired.',
    message: 'The share link expired. Ask for a new one.',
    policy: 'final',
  },
  linkRevoked: {
    code: 4032,
    reason: 'The share link was revoked.',
    message: 'The person who shared this console revoked the link.',
    policy: 'final',
  },
  linkEnded: {
    code: 4033,
    reason: 'The share link ended: the person who shared it is no longer logged in.',
    message: 'The share link ended: the person who shared it logged out, or their session ended.',
    policy: 'final',
  },
  linkUsed: {
    code: 4034,
    reason: 'This share link was for one viewing, and it has been used.',
    message: 'This link was for one viewing, and it has been used. Ask for a new one.',
    policy: 'final',
  },
  badViewer: {
    code: 4400,
    reason: 'The browser sent malformed console data.',
    message: 'The gateway closed this view: the browser sent malformed console data.',
    policy: 'manual',
  },
  badUpstream: {
    code: 4502,
    reason: 'The host answered the console request with something unexpected.',
    message: 'The host answered the console request with something unexpected; retrying…',
    policy: 'retry',
  },
  badScreen: {
    code: 4503,
    reason: "The host's console sent malformed data.",
    message: 'The host’s console sent malformed data, so the gateway closed it.',
    policy: 'manual',
  },
} as const satisfies Record<string, CloseEntry>;

export type ConsoleCloseKind = keyof typeof CONSOLE_CLOSE;

const BY_CODE = new Map<number, ConsoleCloseKind>(
  (Object.keys(CONSOLE_CLOSE) as ConsoleCloseKind[]).map((kind) => [CONSOLE_CLOSE[kind].code, kind]),
);

/** The kind a close code stands for, when it is one of ours. */
export function consoleCloseKind(code: number): ConsoleCloseKind | undefined {
  return BY_CODE.get(code);
}

/** Kinds whose reason the gateway refines with facts the user needs (who holds a busy console). */
const REFINED: ReadonlySet<ConsoleCloseKind> = new Set(['busy']);

/** What a close means for the user and for reconnecting; codes not in the table (1006: the network) by their range. */
export function closeMeaning(code: number, reason = ''): CloseMeaning {
  const kind = consoleCloseKind(code);
  if (kind) {
    const { message, policy } = CONSOLE_CLOSE[kind];
    return REFINED.has(kind) && reason && reason !== CONSOLE_CLOSE[kind].reason
      ? { message: reason, policy }
      : { message, policy };
  }
  if (code === 1006) return { message: 'The connection to the gateway was lost; reconnecting…', policy: 'retry' };
  const suffix = reason ? `: ${reason}` : '';
  if (code >= 4000 && code < 5000)
    return { message: `The gateway closed the console (${code})${suffix}.`, policy: 'manual' };
  return { message: `The console connection closed (${code})${suffix}; reconnecting…`, policy: 'retry' };
}

/** Whether the UI reconnects by itself after this close (a policy close, a refusal or a limit never is). */
export const reconnectsUnasked = (policy: ClosePolicy): boolean =>
  policy === 'retry' || policy === 'rejoin' || policy === 'reattach';
