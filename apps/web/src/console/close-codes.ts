import { CONSOLE_CLOSE, consoleCloseKind, type ConsoleCloseKind } from '../shared/contracts.ts';

/**
 * What each console close code (docs/api.md; the codes themselves are the shared contract) means for the user and for
 * reconnecting.
 * - `retry`: reconnect with backoff (transient trouble).
 * - `rejoin`: reconnect at once and say nothing (the gateway moved this view onto a shared console).
 * - `reattach`: the console moved (reboot, migration): re-resolve and reconnect at once.
 * - `wait-running`: reconnect once the VM runs again.
 * - `wait-console`: reconnect once the VM lists a new console (XenCenter's "looking for console").
 * - `session`: the login session ended: ask for the password, then reconnect.
 * - `manual`: stop; offer a Reconnect button.
 * - `final`: stop; reconnecting would fail the same way.
 */

export type ClosePolicy =
  'retry' | 'rejoin' | 'reattach' | 'wait-running' | 'wait-console' | 'session' | 'manual' | 'final';

export interface CloseMeaning {
  readonly message: string;
  readonly policy: ClosePolicy;
}

const MEANINGS: Readonly<Record<ConsoleCloseKind, CloseMeaning>> = {
  normal: { message: 'The console was closed.', policy: 'manual' },
  goingAway: { message: 'The gateway restarted; reconnecting…', policy: 'retry' },
  policy: { message: 'The browser sent too many control frames; the console was closed.', policy: 'manual' },
  internal: { message: 'The gateway hit an unexpected error; reconnecting…', policy: 'retry' },
  notLoggedIn: { message: 'Your session has ended. Log in again to reopen the console.', policy: 'session' },
  forbidden: { message: 'Your role does not allow opening this console.', policy: 'final' },
  notFound: { message: 'This VM or host no longer exists.', policy: 'final' },
  notRunning: { message: 'The VM is not running, so it has no console.', policy: 'wait-running' },
  unavailable: { message: 'No console is available yet; waiting for the VM to offer one…', policy: 'wait-console' },
  busy: {
    message: 'The console is busy: the pool allows one console session per VM and another user holds it.',
    policy: 'manual',
  },
  ended: {
    message: 'The console ended at the host (reboot, migration or shutdown); re-attaching…',
    policy: 'reattach',
  },
  unreachable: { message: 'The VM’s host could not be reached in time; retrying…', policy: 'retry' },
  certificate: {
    message: 'The gateway refused the host’s TLS certificate. An administrator must check the pool’s certificates.',
    policy: 'final',
  },
  idle: { message: 'The console closed after being idle (no key or pointer input).', policy: 'manual' },
  timeLimit: { message: 'The console reached its time limit and was closed.', policy: 'manual' },
  stalled: { message: 'The console closed because this browser stopped reading; reconnecting…', policy: 'retry' },
  loggedOut: { message: 'You logged out.', policy: 'final' },
  poolIdle: {
    message: 'The pool closed the console after its idle timeout (nobody typed or moved the pointer).',
    policy: 'manual',
  },
  rejoin: { message: 'Joining the shared console…', policy: 'rejoin' },
  tooMany: {
    message: 'Too many consoles are open (for you or on the gateway). Close one and reconnect.',
    policy: 'manual',
  },
  linkExpired: { message: 'The share link expired. Ask for a new one.', policy: 'final' },
  linkRevoked: { message: 'The person who shared this console revoked the link.', policy: 'final' },
  linkEnded: {
    message: 'The share link ended: the person who shared it logged out, or their session ended.',
    policy: 'final',
  },
  linkUsed: { message: 'This link was for one viewing, and it has been used. Ask for a new one.', policy: 'final' },
  badViewer: { message: 'The gateway closed this view: the browser sent malformed console data.', policy: 'manual' },
  badUpstream: {
    message: 'The host answered the console request with something unexpected; retrying…',
    policy: 'retry',
  },
  badScreen: { message: 'The host’s console sent malformed data, so the gateway closed it.', policy: 'manual' },
};

/** Kinds whose reason the gateway refines with facts the user needs (who holds a busy console). */
const REFINED: ReadonlySet<ConsoleCloseKind> = new Set(['busy']);

export function closeMeaning(code: number, reason = ''): CloseMeaning {
  const kind = consoleCloseKind(code);
  if (kind) {
    const meaning = MEANINGS[kind];
    return REFINED.has(kind) && reason && reason !== CONSOLE_CLOSE[kind].reason
      ? { ...meaning, message: reason }
      : meaning;
  }
  if (code === 1006) return { message: 'The connection to the gateway was lost; reconnecting…', policy: 'retry' };
  const suffix = reason ? `: ${reason}` : '';
  if (code >= 4000 && code < 5000)
    return { message: `The gateway closed the console (${code})${suffix}.`, policy: 'manual' };
  return { message: `The console connection closed (${code})${suffix}; reconnecting…`, policy: 'retry' };
}
