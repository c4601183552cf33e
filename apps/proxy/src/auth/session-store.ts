import type { Role } from '@xwc/api-client';

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

export interface SessionStore {
  get(id: string): Promise<StoredSession | undefined>;
  set(session: StoredSession): Promise<void>;
  touch(id: string, at: number): Promise<void>;
  delete(id: string): Promise<void>;
  /** Called when a session is deleted anywhere (another instance too, where the store is shared). */
  onDelete(listener: (id: string) => void): void;
  close(): Promise<void>;
}

/** The default store: in process memory, bounded, with expiry swept in the background. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, StoredSession>();
  private readonly listeners: ((id: string) => void)[] = [];
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly limits: { idleTimeoutMs: number; maxAgeMs: number; maxSessions?: number },
    private readonly now: () => number = Date.now,
  ) {
    // Often enough that a session ends (and its consoles close) close to its limit, at most once a minute.
    const every = Math.min(60_000, Math.max(1000, Math.min(limits.idleTimeoutMs, limits.maxAgeMs) / 10));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const session = this.sessions.get(id);
    if (session && this.expired(session)) {
      await this.delete(id);
      return undefined;
    }
    return session;
  }

  async set(session: StoredSession): Promise<void> {
    const max = this.limits.maxSessions ?? 100_000;
    if (!this.sessions.has(session.id) && this.sessions.size >= max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) await this.delete(oldest);
    }
    this.sessions.set(session.id, session);
  }

  async touch(id: string, at: number): Promise<void> {
    const session = this.sessions.get(id);
    if (session) session.lastSeen = at;
  }

  async delete(id: string): Promise<void> {
    if (!this.sessions.delete(id)) return;
    for (const listener of this.listeners) listener(id);
  }

  onDelete(listener: (id: string) => void): void {
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
      if (this.expired(session)) void this.delete(session.id);
    }
  }
}
