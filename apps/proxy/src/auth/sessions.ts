import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { XapiError, type Role, type XapiSession } from '@xwc/api-client';
import type { LoginLimitScope } from '@xwc/contracts';
import type { Audit } from '../audit.ts';
import type { Logger } from '../log.ts';
import type { PoolLink } from '../pool/link.ts';
import { newToken, readToken, sessionIdOf } from './cookie.ts';
import { CredentialVault } from './credential-vault.ts';
import { LoginLimited, LoginLimits, type LoginAttempt, type LoginLimitSettings } from './login-limits.ts';
import type { EndReason, SessionStore, StoredSession } from './session-store.ts';

export type { EndReason } from './session-store.ts';

/** A logged-in browser session as this instance knows it. */
export interface UserSession {
  readonly id: string;
  readonly user: string;
  readonly role: Role;
  /** Replaced when the session is renewed after a pool restart. */
  xapi: XapiSession;
  /**
   * After XAPI answered SESSION_INVALID to `failed`: logs in again if the pool just restarted or moved its master
   * (it forgot every session) and the password is still held; undefined when the user must log in.
   */
  renew(failed: XapiSession): Promise<XapiSession | undefined>;
}

export class LoginError extends Error {
  constructor(
    readonly kind: 'bad-credentials' | 'rate-limited' | 'invalid',
    message: string,
    readonly limit?: { retryAfter: number; scope: LoginLimitScope },
  ) {
    super(message);
  }
}

type SessionEvents = { ended: [session: UserSession, reason: EndReason] };

/** How often a session's last-seen time is written back (cheap for Redis, precise enough for idle expiry). */
const TOUCH_EVERY_MS = 30_000;
/** How long an instance without the password waits for the one that has it to renew a session. */
const RENEWAL_WAIT_MS = 10_000;

/**
 * Logins: checks limits, logs in to XAPI with the user's own credentials, keeps the XAPI session
 * server-side and hands the browser only an opaque token. Ending a session (logout, expiry, or the
 * pool destroying it) is announced once through `ended`, so consoles and streams close with it.
 */
export class Sessions extends EventEmitter<SessionEvents> {
  private readonly live = new Map<string, UserSession>();
  private readonly limiter: LoginLimits;
  private readonly vault = new CredentialVault();
  /** The pool's toolstack run (`PoolLink.epoch`) each held login last saw. */
  private readonly epochs = new Map<string, string>();
  private readonly renewing = new Map<string, Promise<XapiSession | undefined>>();

  constructor(
    private readonly store: SessionStore,
    private readonly link: PoolLink,
    private readonly limits: LoginLimitSettings & { reloginAfterPoolRestart: boolean },
    private readonly audit: Audit,
    private readonly log: Logger,
  ) {
    super();
    this.limiter = new LoginLimits(store.loginCounters, limits);
    store.onDelete((id, reason) => this.forget(id, reason));
  }

  async login(username: unknown, password: unknown, source: string): Promise<{ token: string; session: UserSession }> {
    if (typeof username !== 'string' || typeof password !== 'string' || !username || username.length > 256) {
      throw new LoginError('invalid', 'Send a JSON body {"username": "…", "password": "…"}.');
    }
    if (password.length > 1024) throw new LoginError('invalid', 'The password is too long.');
    let attempt: LoginAttempt;
    try {
      attempt = await this.limiter.begin(username.toLowerCase(), source);
    } catch (error) {
      if (!(error instanceof LoginLimited)) throw error;
      this.audit({ event: 'login', user: username, outcome: 'rate-limited', reason: error.scope }, { source });
      throw new LoginError('rate-limited', error.message, { retryAfter: error.retryAfter, scope: error.scope });
    }
    let xapi: XapiSession;
    try {
      xapi = await this.link.login(username, password);
    } catch (error) {
      if (error instanceof XapiError && error.code.startsWith('SESSION_AUTH')) {
        this.audit({ event: 'login', user: username, outcome: 'failure', reason: error.code }, { source });
        throw new LoginError('bad-credentials', 'Wrong user name or password.');
      }
      this.audit({ event: 'login', user: username, outcome: 'error', reason: errorCode(error) }, { source });
      await attempt.undecided().catch(() => undefined);
      throw error;
    }
    await attempt.succeeded().catch((error: unknown) => this.log.warn('could not clear login counters', { error }));
    const role = (await xapi.role().catch(() => undefined)) ?? 'read-only';
    const token = newToken();
    const now = Date.now();
    const stored: StoredSession = {
      id: sessionIdOf(token),
      user: username,
      role,
      xapiRef: xapi.ref,
      createdAt: now,
      lastSeen: now,
    };
    try {
      await this.store.set(stored);
    } catch (error) {
      // Nobody could use this XAPI session: do not leave it open on the pool.
      void xapi.logout({ timeoutMs: 10_000 }).catch(() => {});
      throw error;
    }
    if (this.limits.reloginAfterPoolRestart) {
      this.vault.put(stored.id, username, password);
      const epoch = await this.link.epoch(xapi);
      if (epoch) this.epochs.set(stored.id, epoch);
    }
    const session = this.userSession(stored, xapi);
    this.live.set(stored.id, session);
    this.audit({ event: 'login', user: username, outcome: 'success', role }, { source });
    return { token, session };
  }

  /** The session behind a request's cookie, or undefined. */
  async authenticate(req: IncomingMessage): Promise<UserSession | undefined> {
    const token = readToken(req);
    if (!token) return undefined;
    return this.byId(sessionIdOf(token), true);
  }

  /**
   * The live session with this id, whichever instance it began on (a share link's maker, whose session opens the
   * console its guests watch). Only a request of the user's own (`visit`) counts as activity.
   */
  async byId(id: string, visit = false): Promise<UserSession | undefined> {
    const stored = await this.store.get(id);
    if (!stored) return undefined;
    const now = Date.now();
    if (visit && now - stored.lastSeen > TOUCH_EVERY_MS) await this.store.touch(id, now);
    let session = this.live.get(id);
    if (!session) {
      session = this.userSession(stored, this.link.session(stored.xapiRef));
      this.live.set(id, session);
    } else if (session.xapi.ref !== stored.xapiRef) {
      // Another instance renewed the XAPI session after a pool restart.
      session.xapi = this.link.session(stored.xapiRef);
    }
    return session;
  }

  private userSession(stored: StoredSession, xapi: XapiSession): UserSession {
    const session: UserSession = {
      id: stored.id,
      user: stored.user,
      role: stored.role,
      xapi,
      renew: (failed) => {
        // Someone else already replaced the session that failed: use theirs, log in no further.
        if (session.xapi !== failed) return Promise.resolve(session.xapi);
        let pending = this.renewing.get(stored.id);
        if (!pending) {
          pending = this.renew(session).finally(() => this.renewing.delete(stored.id));
          this.renewing.set(stored.id, pending);
        }
        return pending;
      },
    };
    return session;
  }

  private async renew(session: UserSession): Promise<XapiSession | undefined> {
    const renewedElsewhere = await this.renewedElsewhere(session, 0);
    if (renewedElsewhere) return renewedElsewhere;
    const credentials = this.vault.take(session.id);
    if (!credentials && this.store.shared && this.limits.reloginAfterPoolRestart) {
      return this.renewedElsewhere(session, RENEWAL_WAIT_MS);
    }
    if (!credentials || !this.live.has(session.id)) return undefined;
    try {
      const xapi = await this.link.login(credentials.user, credentials.password);
      // Renew only if the pool really restarted or moved its master; a session it ended on purpose stays ended.
      const before = this.epochs.get(session.id);
      const after = await this.link.epoch(xapi);
      const restarted = before && after ? before !== after : this.link.recentlyDisrupted();
      if (!restarted) {
        await xapi.logout().catch(() => undefined);
        return undefined;
      }
      if (after) this.epochs.set(session.id, after);
      const stored = await this.store.get(session.id);
      if (!stored) {
        await xapi.logout().catch(() => undefined);
        return undefined;
      }
      await this.store.set({ ...stored, xapiRef: xapi.ref });
      session.xapi = xapi;
      this.log.info('renewed a session the pool dropped in a restart', { user: session.user });
      this.audit(
        {
          event: 'login',
          user: session.user,
          outcome: 'success',
          role: session.role,
          reason: 'renewed after pool restart',
        },
        { source: 'gateway' },
      );
      return xapi;
    } catch (error) {
      this.log.warn('could not renew a session after a pool restart', { user: session.user, error });
      return undefined;
    }
  }

  /**
   * With a shared store only the instance where the user logged in holds the password: it stores the
   * renewed XAPI session, and the others take it from there (waiting up to `waitMs` for it).
   */
  private async renewedElsewhere(session: UserSession, waitMs: number): Promise<XapiSession | undefined> {
    const deadline = Date.now() + waitMs;
    while (true) {
      const current = await this.store.get(session.id).catch(() => undefined);
      if (!current) return undefined;
      if (current.xapiRef !== session.xapi.ref) {
        session.xapi = this.link.session(current.xapiRef);
        return session.xapi;
      }
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Ends a session everywhere: the store (and through it the other instances), this instance's consoles and
   * streams, and XAPI (unless XAPI ended it). When the store cannot be reached the rest still happens, so the
   * XAPI session is gone either way, and the store's error is rethrown for the caller to report.
   */
  async end(session: UserSession, reason: EndReason): Promise<void> {
    const failed = await this.store.delete(session.id, reason).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    this.forget(session.id, reason);
    if (reason !== 'ended-by-pool') {
      await session.xapi.logout({ timeoutMs: 10_000 }).catch((error: unknown) => {
        this.log.debug('XAPI logout failed', { error });
      });
    }
    if (failed) throw failed.error;
  }

  /** Reacts to a deletion from the store, wherever it came from (expiry, another instance). */
  private forget(id: string, reason: EndReason): void {
    // The password goes with the login, whichever way it ended.
    this.vault.delete(id);
    this.epochs.delete(id);
    const session = this.live.get(id);
    if (!session) return;
    this.live.delete(id);
    this.emit('ended', session, reason);
    if (reason === 'expired') {
      this.audit({ event: 'logout', user: session.user, reason }, { source: 'gateway' });
      void session.xapi.logout({ timeoutMs: 10_000 }).catch(() => {});
    }
  }

  /** Every live session of this instance, e.g. to close at shutdown. */
  all(): UserSession[] {
    return [...this.live.values()];
  }
}

function errorCode(error: unknown): string {
  if (error instanceof XapiError) return error.code;
  if (error instanceof Error && 'kind' in error) return `transport:${String((error as { kind: unknown }).kind)}`;
  return 'unknown';
}
