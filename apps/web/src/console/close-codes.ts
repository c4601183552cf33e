/**
 * What each console close code (docs/api.md) means for the user and for reconnecting.
 * - `retry`: reconnect with backoff (transient trouble).
 * - `reattach`: the console moved (reboot, migration): re-resolve and reconnect at once.
 * - `wait-running`: reconnect once the VM runs again.
 * - `wait-console`: reconnect once the VM lists a new console (XenCenter's "looking for console").
 * - `session`: the login session ended: ask for the password, then reconnect.
 * - `manual`: stop; offer a Reconnect button.
 * - `final`: stop; reconnecting would fail the same way.
 */

export type ClosePolicy = 'retry' | 'reattach' | 'wait-running' | 'wait-console' | 'session' | 'manual' | 'final';

export interface CloseMeaning {
  readonly message: string;
  readonly policy: ClosePolicy;
}

const MEANINGS: Readonly<Record<number, CloseMeaning>> = {
  1000: { message: 'The console was closed.', policy: 'manual' },
  1001: { message: 'The gateway restarted; reconnecting…', policy: 'retry' },
  1006: { message: 'The connection to the gateway was lost; reconnecting…', policy: 'retry' },
  1011: { message: 'The gateway hit an unexpected error; reconnecting…', policy: 'retry' },
  4001: { message: 'Your session has ended. Log in again to reopen the console.', policy: 'session' },
  4003: { message: 'Your role does not allow opening this console.', policy: 'final' },
  4004: { message: 'This VM or host no longer exists.', policy: 'final' },
  4005: { message: 'The VM is not running, so it has no console.', policy: 'wait-running' },
  4006: { message: 'No console is available yet; waiting for the VM to offer one…', policy: 'wait-console' },
  4009: {
    message: 'The console is busy: the pool allows one console session per VM and another user holds it.',
    policy: 'manual',
  },
  4010: { message: 'The console ended at the host (reboot, migration or shutdown); re-attaching…', policy: 'reattach' },
  4012: { message: 'The VM’s host could not be reached in time; retrying…', policy: 'retry' },
  4013: {
    message: 'The gateway refused the host’s TLS certificate. An administrator must check the pool’s certificates.',
    policy: 'final',
  },
  4014: { message: 'The console closed after being idle (no key or pointer input).', policy: 'manual' },
  4015: { message: 'The console reached its time limit and was closed.', policy: 'manual' },
  4016: { message: 'The console closed because this browser stopped reading; reconnecting…', policy: 'retry' },
  4017: { message: 'You logged out.', policy: 'final' },
  4029: {
    message: 'Too many consoles are open (for you or on the gateway). Close one and reconnect.',
    policy: 'manual',
  },
  4502: { message: 'The host answered the console request with something unexpected; retrying…', policy: 'retry' },
};

export function closeMeaning(code: number, reason = ''): CloseMeaning {
  const known = MEANINGS[code];
  if (known) return known;
  const suffix = reason ? `: ${reason}` : '';
  if (code >= 4000 && code < 5000)
    return { message: `The gateway closed the console (${code})${suffix}.`, policy: 'manual' };
  return { message: `The console connection closed (${code})${suffix}; reconnecting…`, policy: 'retry' };
}
