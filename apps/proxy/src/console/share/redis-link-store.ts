import { createHmac, type KeyObject } from 'node:crypto';
import { deriveKey, open, seal } from '../../auth/seal.ts';
import { SessionStoreUnavailable } from '../../auth/session-store.ts';
import type { Logger } from '../../log.ts';
import { redisClients, type RedisClient } from '../../redis-clients.ts';
import { LINK_RETENTION_MS, minuteOf, type LinkChange, type LinkStore, type StoredLink } from './link-store.ts';

/**
 * Links in Redis, for several instances: `xwc:link:<id>` is a hash (`data`: the link sealed with SESSION_SECRET, as
 * session records are, so Redis holds no user name or token hash in plain text beside the key; `usedAt`, `revokedAt`,
 * `revokedBy` (sealed), `endedAt`), expiring an hour after the link does; `xwc:link-token:<token hash>` = id;
 * `xwc:links` lists the ids; `xwc:link-rate:<HMAC of the user>:<minute>` counts creations. Each mark is published on
 * `xwc:link-changed`, so every instance cuts that link's guests off at once.
 */
const linkKey = (id: string): string => `xwc:link:${id}`;
const tokenKey = (hash: string): string => `xwc:link-token:${hash}`;
const INDEX = 'xwc:links';
const CHANNEL = 'xwc:link-changed';

/** Sets a mark once, on a link that still exists; with a second field (who) beside it. 1 when this call set it. */
const MARK_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], ARGV[3], ARGV[4]) end
return 1`;

export class RedisLinkStore implements LinkStore {
  private readonly client: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly key: KeyObject;
  private readonly rateKey: Buffer;
  private readonly listeners: ((id: string, change: LinkChange) => void)[] = [];

  constructor(url: string, secret: string, log: Logger) {
    this.key = deriveKey(secret);
    this.rateKey = createHmac('sha256', this.key.export()).update('xwc/link-rate/v1').digest();
    const redis = redisClients(url, log, 'share links');
    ({ client: this.client, subscriber: this.subscriber } = redis);
    redis.subscriberConnected
      .then(() => this.subscriber.subscribe(CHANNEL, (message) => this.announced(message)))
      .catch(() => undefined);
  }

  async add(link: StoredLink): Promise<void> {
    const k = linkKey(link.id);
    const until = link.expiresAt + LINK_RETENTION_MS;
    const { usedAt: _u, revokedAt: _r, revokedBy: _b, endedAt: _e, ...fixed } = link;
    await this.run(() =>
      this.client
        .multi()
        .hSet(k, 'data', seal(this.key, JSON.stringify(fixed), k))
        .pExpireAt(k, until)
        .set(tokenKey(link.tokenHash), link.id, { expiration: { type: 'PXAT', value: until } })
        .sAdd(INDEX, link.id)
        .exec(),
    );
  }

  async get(id: string): Promise<StoredLink | undefined> {
    const fields = await this.run(() => this.client.hGetAll(linkKey(id)));
    return this.parse(id, fields);
  }

  async byTokenHash(hash: string): Promise<StoredLink | undefined> {
    const id = await this.run(() => this.client.get(tokenKey(hash)));
    if (id === null) return undefined;
    const link = await this.get(id);
    return link?.tokenHash === hash ? link : undefined;
  }

  async all(): Promise<StoredLink[]> {
    const ids = await this.run(() => this.client.sMembers(INDEX));
    const records = await Promise.all(ids.map((id) => this.run(() => this.client.hGetAll(linkKey(id)))));
    const gone = ids.filter((_, i) => Object.keys(records[i]!).length === 0);
    if (gone.length > 0) await this.run(() => this.client.sRem(INDEX, gone));
    return ids.flatMap((id, i) => this.parse(id, records[i]!) ?? []);
  }

  async mark(id: string, change: LinkChange, at: number, by?: string): Promise<void> {
    const k = linkKey(id);
    const field = change === 'revoked' ? 'revokedAt' : 'endedAt';
    const who = by === undefined ? ['', ''] : ['revokedBy', seal(this.key, by, `${k}/revokedBy`)];
    const set = await this.run(() =>
      this.client.eval(MARK_SCRIPT, { keys: [k], arguments: [field, String(at), ...who] }),
    );
    if (set === 1) await this.run(() => this.client.publish(CHANNEL, JSON.stringify({ id, change })));
  }

  async claim(id: string, at: number): Promise<boolean> {
    const set = await this.run(() =>
      this.client.eval(MARK_SCRIPT, { keys: [linkKey(id)], arguments: ['usedAt', String(at), '', ''] }),
    );
    return set === 1;
  }

  async countCreation(user: string, now: number): Promise<number> {
    const who = createHmac('sha256', this.rateKey).update(user).digest('hex');
    const k = `xwc:link-rate:${who}:${minuteOf(now)}`;
    const [count] = await this.run(() => this.client.multi().incr(k).pExpire(k, 120_000).exec());
    return Number(count);
  }

  onChange(listener: (id: string, change: LinkChange) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.client.close(), this.subscriber.close()]);
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    if (!this.client.isReady) throw new SessionStoreUnavailable();
    try {
      return await command();
    } catch (error) {
      throw new SessionStoreUnavailable(error);
    }
  }

  private announced(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    const { id, change } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || (change !== 'revoked' && change !== 'ended')) return;
    for (const listener of this.listeners) listener(id, change);
  }

  /** The record, or undefined when it is missing, incomplete, or does not open with this instance's key. */
  private parse(id: string, fields: Record<string, string>): StoredLink | undefined {
    if (fields.data === undefined) return undefined;
    const k = linkKey(id);
    let fixed: unknown;
    try {
      fixed = JSON.parse(open(this.key, fields.data, k));
    } catch {
      return undefined;
    }
    const link = parseFixed(id, fixed);
    if (!link) return undefined;
    const time = (field: string): number | undefined => {
      const value = Number(fields[field]);
      return fields[field] !== undefined && Number.isFinite(value) ? value : undefined;
    };
    let revokedBy: string | undefined;
    try {
      if (fields.revokedBy !== undefined) revokedBy = open(this.key, fields.revokedBy, `${k}/revokedBy`);
    } catch {
      revokedBy = undefined;
    }
    const usedAt = time('usedAt');
    const revokedAt = time('revokedAt');
    const endedAt = time('endedAt');
    return {
      ...link,
      ...(usedAt === undefined ? {} : { usedAt }),
      ...(revokedAt === undefined ? {} : { revokedAt }),
      ...(revokedBy === undefined ? {} : { revokedBy }),
      ...(endedAt === undefined ? {} : { endedAt }),
    };
  }
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The sealed part of a record, checked field by field (it comes from a shared store). */
function parseFixed(id: string, value: unknown): StoredLink | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const { tokenHash, kind, uuid, objectName, createdBy, creatorSession, createdAt, expiresAt, singleUse } = v;
  if (v.id !== id || ![tokenHash, uuid, objectName, createdBy, creatorSession].every(isText)) return undefined;
  if ((kind !== 'vm' && kind !== 'host') || !isTime(createdAt) || !isTime(expiresAt)) return undefined;
  if (typeof singleUse !== 'boolean') return undefined;
  return {
    id,
    tokenHash: tokenHash as string,
    kind,
    uuid: uuid as string,
    objectName: objectName as string,
    createdBy: createdBy as string,
    creatorSession: creatorSession as string,
    createdAt,
    expiresAt,
    singleUse,
  };
}
