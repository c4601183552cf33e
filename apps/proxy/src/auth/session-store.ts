import type { Role } from '@xwc/api-client';
import { MemoryLoginCounters, type LoginCounters } from './login-counters.ts';

/** What the gateway keeps for a logged-in browser. Keyed by a hash of the cookie, never the cookie. */
export interface StoredSession {
  id: string;
  user: string;
  role: Role;
  /** The XAPI session ref: server-side only, never sent to a browser or written to a log. */
  xapiRef: string;
  createdAt: number;
  lastSeen: number;
}

/** Why a login ended; consoles and event streams tell the user accordingly. */
export type EndReason = 'user' | 'expired' | 'ended-by-pool';

export interface SessionStore {
  /** False while the store cannot be reached: requests that need a session then get a 503, not a logout. */
  readonly available: boolean;
  /** Whether other gateway instances use the same store. */
  readonly shared: boolean;
  /** Login attempts, counted where the sessions are kept: shared by the instances that share the store. */
  readonly loginCounters: LoginCounters;
  get(id: string): Promise<StoredSession | undefined>;
  set(session: StoredSession): Promise<void>;
  touch(id: string, at: number): Promise<void>;
  delete(id: string, reason: EndReason): Promise<void>;
  /** Called when a session is deleted or expires anywhere (another instance too, where the store is shared). */
  onDelete(listener: (id: string, reason: EndReason) => void): void;
  close(): Promise<void>;
}

/** The store could not be reached (or did not answer in time); safe to show: it names no address or secret. */
export class SessionStoreUnavailable extends Error {
  override readonly name = 'SessionStoreUnavailable';
  constructor(cause?: unknown) {
    super('The session store cannot be reached. Try again in a moment.', { cause });
  }
}

/** How often expiry is checked: a session ends (and its consoles close) close to its limit; at most once a minute. */
export const sweepInterval = (limits: { idleTimeoutMs: number; maxAgeMs: number }): number =>
  Math.min(60_000, Math.max(1000, Math.min(limits.idleTimeoutMs, limits.maxAgeMs) / 10));

/** The default store: in process memory, bounded, with expiry swept in the background. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly listeners: ((id: string, reason: EndReason) => void)[] = [];
  private readonly sweeper: NodeJS.Timeout;
  readonly available = true;
  readonly shared = false;
  readonly loginCounters: LoginCounters;

  constructor(
    private readonly limits: { idleTimeoutMs: number; maxAgeMs: number; maxSessions?: number },
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepInterval(limits));
    this.sweeper.unref();
    this.loginCounters = new MemoryLoginCounters(undefined, now);
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const session = this.sessions.get(id);
    if (session && this.expired(session)) {
      await this.delete(id, 'expired');
      return undefined;
    }
    return session;
  }

  async set(session: StoredSession): Promise<void> {
    const max = this.limits.maxSessions ?? 100_000;
    if (!this.sessions.has(session.id) && this.sessions.size >= max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) await this.delete(oldest, 'expired');
    }
    this.sessions.set(session.id, session);
  }

  async touch(id: string, at: number): Promise<void> {
    const session = this.sessions.get(id);
    if (session) session.lastSeen = at;
  }

  async delete(id: string, reason: EndReason): Promise<void> {
    if (!this.sessions.delete(id)) return;
    for (const listener of this.listeners) listener(id, reason);
  }

  onDelete(listener: (id: string, reason: EndReason) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private expired(session: StoredSession): boolean {
    const now = this.now();
    return now - session.lastSeen > this.limits.idleTimeoutMs || now - session.createdAt > this.limits.maxAgeMs;
  }

  private sweep(): void {
    for (const session of [...this.sessions.values()]) {
      if (this.expired(session)) void this.delete(session.id, 'expired');
    }
  }
}
