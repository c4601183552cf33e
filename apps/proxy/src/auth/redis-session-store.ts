import { createHmac, type KeyObject } from 'node:crypto';
import { isRole, type Role } from '@xwc/api-client';
import { createClient } from 'redis';
import type { Logger } from '../log.ts';
import type { LoginCounters } from './login-counters.ts';
import { RedisLoginCounters } from './redis-login-counters.ts';
import { deriveKey, open, seal } from './seal.ts';
import {
  SessionStoreUnavailable,
  sweepInterval,
  type EndReason,
  type SessionStore,
  type StoredSession,
} from './session-store.ts';

export interface RedisStoreOptions {
  url: string;
  /** SESSION_SECRET: the same on every instance. */
  secret: string;
  limits: { idleTimeoutMs: number; maxAgeMs: number };
  log: Logger;
}

type Client = ReturnType<typeof createClient>;

/**
 * Layout: `xwc:session:<id>` is a hash (`data`: the sealed user, role and XAPI ref; `createdAt`; `lastSeen`)
 * whose TTL is whichever of the idle and absolute limits comes first. Ending a session deletes it, leaves
 * `xwc:session-ended:<id>` = reason for a while and publishes `{id, reason}` on `xwc:session-ended`, so
 * every instance closes that login's consoles with the right code. A record that simply expired is noticed
 * by each instance that served it (on its next read, or by a sweep at the memory store's cadence), which
 * also covers an announcement missed while an instance was reconnecting. Login attempts are counted under
 * `xwc:login:*` (see redis-login-counters.ts).
 */
const sessionKey = (id: string): string => `xwc:session:${id}`;
const endedKey = (id: string): string => `xwc:session-ended:${id}`;
const ENDED_CHANNEL = 'xwc:session-ended';
/** Longer than a sweep interval, so a sweep finds why a session it knew ended. */
const ENDED_MARKER_MS = 5 * 60_000;
/** Commands fail after this rather than hang; with the offline queue off they fail at once while disconnected. */
const COMMAND_TIMEOUT_MS = 2000;
const SWEEP_BATCH = 500;
const END_REASONS: ReadonlySet<string> = new Set<EndReason>(['user', 'expired', 'ended-by-pool']);

/** Records a visit and pushes the expiry out, in one step, only if the record still exists. */
const TOUCH_SCRIPT = `
local created = tonumber(redis.call('HGET', KEYS[1], 'createdAt'))
if not created then return 0 end
local at = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'lastSeen', ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.max(1, math.floor(math.min(tonumber(ARGV[2]), created + tonumber(ARGV[3]) - at))))
return 1`;

/** Bounded exponential backoff with jitter: 100 ms doubling to 3 s. */
const reconnectDelay = (retries: number): number =>
  Math.round(Math.min(3000, 100 * 2 ** retries) * (0.8 + Math.random() * 0.4));

/** The shared store for several gateway instances (REDIS_URL). The XAPI ref is never stored in plain text. */
export class RedisSessionStore implements SessionStore {
  private readonly key: KeyObject;
  private readonly client: Client;
  private readonly subscriber: Client;
  private readonly listeners: ((id: string, reason: EndReason) => void)[] = [];
  /** Sessions this instance has served: the ones whose end it must notice. */
  private readonly watched = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;
  private sweeping = false;
  private subscribed = false;
  private down = false;
  readonly shared = true;
  readonly loginCounters: LoginCounters;

  /** Connects, waiting up to `waitMs` for Redis; past that the store starts unavailable and recovers by itself. */
  static async connect(options: RedisStoreOptions, waitMs = 5000): Promise<RedisSessionStore> {
    const store = new RedisSessionStore(options);
    await store.ready(waitMs);
    return store;
  }

  private constructor(private readonly options: RedisStoreOptions) {
    const { log } = options;
    this.key = deriveKey(options.secret);
    this.client = createClient({
      url: options.url,
      disableOfflineQueue: true,
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      pingInterval: 10_000,
      socket: { connectTimeout: COMMAND_TIMEOUT_MS, reconnectStrategy: reconnectDelay },
    });
    this.subscriber = this.client.duplicate();
    this.client.on('error', (error: unknown) => {
      if (this.down) return;
      this.down = true;
      log.warn('session store (Redis) unavailable; requests that need a session get 503 until it is back', { error });
    });
    this.client.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      log.info('session store (Redis) reachable again');
    });
    this.subscriber.on('error', (error: unknown) => log.debug('Redis subscriber connection failed', { error }));
    // Resubscribing after a reconnect is node-redis's job; this covers a first SUBSCRIBE that failed.
    this.subscriber.on('ready', () => {
      if (!this.subscribed) void this.subscribe();
    });
    // Both loops retry until `close()`; they never reject on their own.
    this.client.connect().catch(() => {});
    this.subscriber.connect().catch(() => {});
    this.sweeper = setInterval(() => void this.sweep(), sweepInterval(options.limits));
    this.sweeper.unref();
    const countersKey = createHmac('sha256', this.key.export()).update('xwc/login-counters/v1').digest();
    this.loginCounters = new RedisLoginCounters(this.client, (command) => this.run(command), countersKey);
  }

  get available(): boolean {
    return this.client.isReady;
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const fields = await this.run(() => this.client.hGetAll(sessionKey(id)));
    const record = this.parse(id, fields);
    if (!record) {
      if (this.watched.has(id)) await this.gone([id]);
      return undefined;
    }
    this.watched.add(id);
    return record;
  }

  async set(session: StoredSession): Promise<void> {
    const ttl = this.ttl(session, Date.now());
    if (ttl <= 0) return;
    const { id, user, role, xapiRef } = session;
    const data = seal(this.key, JSON.stringify({ user, role, xapiRef }), id);
    const fields = { data, createdAt: String(session.createdAt), lastSeen: String(session.lastSeen) };
    await this.run(() => this.client.multi().hSet(sessionKey(id), fields).pExpire(sessionKey(id), ttl).exec());
    this.watched.add(id);
  }

  async touch(id: string, at: number): Promise<void> {
    const { idleTimeoutMs, maxAgeMs } = this.options.limits;
    await this.run(() =>
      this.client.eval(TOUCH_SCRIPT, {
        keys: [sessionKey(id)],
        arguments: [String(at), String(idleTimeoutMs), String(maxAgeMs)],
      }),
    );
  }

  async delete(id: string, reason: EndReason): Promise<void> {
    await this.run(() =>
      this.client
        .multi()
        .del(sessionKey(id))
        .set(endedKey(id), reason, { expiration: { type: 'PX', value: ENDED_MARKER_MS } })
        .publish(ENDED_CHANNEL, JSON.stringify({ id, reason }))
        .exec(),
    );
    this.notify(id, reason);
  }

  onDelete(listener: (id: string, reason: EndReason) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all(
      [this.client, this.subscriber].map(async (client) => {
        if (!client.isOpen) return;
        if (!client.isReady) return client.destroy();
        await client.close().catch(() => client.destroy());
      }),
    );
  }

  /** Waits for the connection and the subscription, up to `waitMs`. */
  private async ready(waitMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (!(this.client.isReady && this.subscribed) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!this.client.isReady) {
      this.options.log.error('session store (Redis) cannot be reached yet; serving 503 until it can');
    }
  }

  private async subscribe(): Promise<void> {
    try {
      await this.subscriber.subscribe(ENDED_CHANNEL, (message) => this.announced(message));
      this.subscribed = true;
    } catch (error) {
      this.options.log.debug('Redis SUBSCRIBE failed; retrying on the next connection', { error });
    }
  }

  /** Runs a command, turning any failure into SessionStoreUnavailable (at once when not connected). */
  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (!this.client.isReady) throw new SessionStoreUnavailable();
    try {
      return await command();
    } catch (error) {
      throw new SessionStoreUnavailable(error);
    }
  }

  private ttl(session: Pick<StoredSession, 'createdAt' | 'lastSeen'>, now: number): number {
    const { idleTimeoutMs, maxAgeMs } = this.options.limits;
    return Math.min(session.lastSeen + idleTimeoutMs, session.createdAt + maxAgeMs) - now;
  }

  /** The record, or undefined when it is missing, incomplete, or does not open with this instance's key. */
  private parse(id: string, fields: Record<string, string>): StoredSession | undefined {
    const createdAt = Number(fields.createdAt);
    const lastSeen = Number(fields.lastSeen);
    if (fields.data === undefined || !Number.isFinite(createdAt) || !Number.isFinite(lastSeen)) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(open(this.key, fields.data, id));
    } catch (error) {
      this.options.log.warn('ignoring a session record that does not open (another SESSION_SECRET?)', { error });
      return undefined;
    }
    const { user, role, xapiRef } = (data ?? {}) as Record<string, unknown>;
    if (typeof user !== 'string' || !isRole(role) || typeof xapiRef !== 'string') return undefined;
    return { id, user, role: role as Role, xapiRef, createdAt, lastSeen };
  }

  /** Another instance (or this one) ended a session. */
  private announced(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    const { id, reason } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof id === 'string' && typeof reason === 'string' && END_REASONS.has(reason)) {
      this.notify(id, reason as EndReason);
    }
  }

  /** Watched sessions that are gone: ended elsewhere (the marker says why) or expired. */
  private async gone(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const reasons = await this.client.mGet(ids.map(endedKey)).catch(() => ids.map(() => null));
    ids.forEach((id, i) => {
      const reason = reasons[i];
      this.notify(id, reason && END_REASONS.has(reason) ? (reason as EndReason) : 'expired');
    });
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || !this.client.isReady || this.watched.size === 0) return;
    this.sweeping = true;
    try {
      const ids = [...this.watched];
      for (let start = 0; start < ids.length; start += SWEEP_BATCH) {
        const batch = ids.slice(start, start + SWEEP_BATCH);
        const exists = await Promise.all(batch.map((id) => this.client.exists(sessionKey(id))));
        await this.gone(batch.filter((_, i) => exists[i] === 0));
      }
    } catch (error) {
      this.options.log.debug('session sweep failed', { error });
    } finally {
      this.sweeping = false;
    }
  }

  private notify(id: string, reason: EndReason): void {
    if (!this.watched.delete(id)) return;
    for (const listener of this.listeners) listener(id, reason);
  }
}
