import type { KeyObject } from 'node:crypto';
import type { ConsoleViewer } from '@xwc/contracts';
import { deriveKey, open, seal } from '../../auth/seal.ts';
import type { Logger } from '../../log.ts';
import { redisClients, type RedisClient } from '../../redis-clients.ts';
import { PRESENCE_STALE_MS, type PresenceEntry, type PresenceTransport } from './presence.ts';

/**
 * Presence in Redis: `xwc:presence:<console>` is a hash of instance → entry, expiring when no instance refreshes it;
 * every change is announced on `xwc:presence` with the console key. Entries name users, so they are sealed with the
 * instances' shared SESSION_SECRET, as session records are: Redis holds no user name in plain text.
 */
const presenceKey = (key: string): string => `xwc:presence:${key}`;
const CHANNEL = 'xwc:presence';
/** What one console's presence may hold in Redis: far more viewers than any console has. */
const MAX_ENTRY_BYTES = 64 * 1024;

export class RedisPresence implements PresenceTransport {
  private readonly client: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly key: KeyObject;

  constructor(url: string, secret: string, log: Logger) {
    this.key = deriveKey(secret);
    ({ client: this.client, subscriber: this.subscriber } = redisClients(url, log, 'presence'));
  }

  async publish(key: string, entry: PresenceEntry): Promise<void> {
    const k = presenceKey(key);
    await this.client
      .multi()
      .hSet(k, entry.instance, seal(this.key, JSON.stringify(entry), `${k}/${entry.instance}`))
      .pExpire(k, PRESENCE_STALE_MS)
      .publish(CHANNEL, key)
      .exec();
  }

  async remove(key: string, instance: string): Promise<void> {
    await this.client.multi().hDel(presenceKey(key), instance).publish(CHANNEL, key).exec();
  }

  async read(key: string): Promise<PresenceEntry[]> {
    const k = presenceKey(key);
    const fields = await this.client.hGetAll(k);
    return Object.entries(fields).flatMap(([instance, sealed]) => {
      try {
        return parseEntry(open(this.key, sealed, `${k}/${instance}`)) ?? [];
      } catch {
        return [];
      }
    });
  }

  subscribe(onChange: (key: string) => void): void {
    void this.subscriber.subscribe(CHANNEL, (message) => onChange(message)).catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.client.close(), this.subscriber.close()]);
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** Entries come from other instances of ours, but through a shared store: parsed strictly, dropped when odd. */
export function parseEntry(text: string): PresenceEntry | undefined {
  if (text.length > MAX_ENTRY_BYTES) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { instance, viewers, at } = value as Record<string, unknown>;
  if (!isString(instance) || typeof at !== 'number' || !Array.isArray(viewers)) return undefined;
  const parsed: ConsoleViewer[] = [];
  for (const v of viewers as unknown[]) {
    if (typeof v !== 'object' || v === null) return undefined;
    const { id, user, role, since, viewOnly, keyboard, via } = v as Record<string, unknown>;
    if (![id, user, role, since].every(isString) || typeof viewOnly !== 'boolean' || typeof keyboard !== 'boolean') {
      return undefined;
    }
    if (via !== undefined && !isString(via)) return undefined;
    parsed.push({
      id: id as string,
      user: user as string,
      role: role as string,
      since: since as string,
      viewOnly,
      keyboard,
      remote: true,
      ...(via === undefined ? {} : { via }),
    });
  }
  return { instance, viewers: parsed, at };
}
