import type { LoginLimitScope } from '@xwc/contracts';
import type { AttemptCount, LoginCounters } from './login-counters.ts';

export interface LoginLimitSettings {
  /** Wrong passwords for one user name from one address before delays start. */
  freeAttempts: number;
  /** The wait after the first failure past them; it doubles with each further failure, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Failed logins from one address, whatever the names (password spraying), before it must pause a window. */
  perAddress: number;
  /** Failed logins for one name from all addresses past which no address gets free attempts for it. */
  perUser: number;
  /** Counters are forgotten this long after their last attempt. */
  windowMs: number;
}

/** A login refused before it reached the pool: wait `retryAfter` seconds; `scope` says for which names. */
export class LoginLimited extends Error {
  constructor(
    readonly retryAfter: number,
    readonly scope: LoginLimitScope,
  ) {
    super(
      scope === 'user'
        ? `Too many failed logins for this user name. Try again in ${retryAfter} s.`
        : `Too many failed logins from your address. Try again in ${retryAfter} s.`,
    );
  }
}

/** A login that was let through: say how it ended, so that only guesses stay counted. */
export interface LoginAttempt {
  succeeded(): Promise<void>;
  /** The pool did not judge the password (unreachable, not the master, …): no guess was made. */
  undecided(): Promise<void>;
}

/**
 * Login limits that nobody can use to lock a named user out (docs/SECURITY.md, row 21):
 *
 * - per user name **and** client address: `freeAttempts` wrong passwords, then a delay that doubles with each further
 *   failure (`firstDelayMs`, twice that, … up to `maxDelayMs`): an attacker hammering `root` slows only their own
 *   address;
 * - per address across names: past `perAddress` failures the address waits out a window (password spraying);
 * - per user name across addresses: a generous ceiling that only slows — past it each address gets one free attempt
 *   for that name and then the delays, so a botnet gets one guess per address and then waits, while the real user's
 *   first attempt from their own address is always let through.
 *
 * Attempts are counted when they start (parallel guesses count too); a refused attempt is put back as it was, so
 * `retryAfter` is exact. A success clears its name-and-address counter and is not counted elsewhere.
 */
export class LoginLimits {
  constructor(
    private readonly counters: LoginCounters,
    private readonly settings: LoginLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an attempt by `user` (already normalised) from `address`, or throws LoginLimited. */
  async begin(user: string, address: string): Promise<LoginAttempt> {
    const { counters, settings } = this;
    const pairKey = `login:pair:${address} ${user}`;
    const addressKey = `login:address:${address}`;
    const userKey = `login:user:${user}`;
    const keys = [pairKey, addressKey, userKey];
    const now = this.now();
    const before = await counters.add(keys, now, settings.windowMs);
    const [pair, fromAddress, forUser] = before as [AttemptCount, AttemptCount, AttemptCount];
    const addressWait = fromAddress.count < settings.perAddress ? 0 : fromAddress.last + settings.windowMs - now;
    const free = forUser.count < settings.perUser ? settings.freeAttempts : 1;
    const pairWait = pair.count < free ? 0 : pair.last + this.delay(pair.count - free) - now;
    const wait = Math.max(addressWait, pairWait);
    if (wait > 0) {
      await counters.restore(keys, before, settings.windowMs);
      throw new LoginLimited(Math.ceil(wait / 1000), addressWait > 0 ? 'address' : 'user');
    }
    return {
      succeeded: async () => {
        await counters.clear([pairKey]);
        await counters.takeBack([addressKey, userKey]);
      },
      undecided: () => counters.takeBack(keys),
    };
  }

  /** The wait after the `n`th failure past the free ones (n from 0). */
  private delay(n: number): number {
    return Math.min(this.settings.firstDelayMs * 2 ** n, this.settings.maxDelayMs);
  }
}
