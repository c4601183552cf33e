import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../../apps/proxy/src/auth/redis-session-store.ts';
import {
  SessionStoreUnavailable,
  type EndReason,
  type StoredSession,
} from '../../apps/proxy/src/auth/session-store.ts';
import { createLogger } from '../../apps/proxy/src/log.ts';
import { LineSink } from '../support/stack.ts';
import { startRedis, type RedisServer } from './support/redis-server.ts';

const SECRET = 'k7N2pQ9vX4mL8rT1wZ5yB3cF6hJ0dG2s';
let redis: RedisServer;
let raw: ReturnType<typeof createClient>;
const logs = new LineSink();
const LIMITS = { idleTimeoutMs: 60_000, maxAgeMs: 600_000 };
/** Three instances with the same settings, one with a 1.5 s idle limit, one with another secret. */
let a: RedisSessionStore;
let b: RedisSessionStore;
let c: RedisSessionStore;
let short: RedisSessionStore;
let rotated: RedisSessionStore;

const store = (limits = LIMITS, secret = SECRET): Promise<RedisSessionStore> =>
  RedisSessionStore.connect({ url: redis.url, secret, limits, log: createLogger(logs, 'debug') });

function session(overrides: Partial<StoredSession> = {}): StoredSession {
  const now = Date.now();
  return {
    id: randomBytes(32).toString('hex'),
    user: 'root',
    role: 'pool-admin',
    xapiRef: `OpaqueRef:${randomBytes(16).toString('hex')}`,
    createdAt: now,
    lastSeen: now,
    ...overrides,
  };
}

/** Every deletion each store reported, in order. */
const seen = new Map<RedisSessionStore, { id: string; reason: EndReason }[]>();
const endedOf = (target: RedisSessionStore, ids: string[]) => seen.get(target)!.filter((e) => ids.includes(e.id));

beforeAll(async () => {
  redis = await startRedis();
  raw = createClient({ url: redis.url });
  raw.on('error', () => {});
  await raw.connect();
  [a, b, c, short, rotated] = [
    await store(),
    await store(),
    await store(),
    await store({ idleTimeoutMs: 1500, maxAgeMs: 600_000 }),
    await store(LIMITS, `${SECRET}-rotated`),
  ];
  for (const target of [a, b, c, short]) {
    seen.set(target, []);
    target.onDelete((id, reason) => seen.get(target)!.push({ id, reason }));
  }
});

afterAll(async () => {
  for (const target of [a, b, c, short, rotated]) await target?.close();
  raw?.destroy();
  await redis?.stop();
});

describe('Redis session store', () => {
  it('keeps a session another instance can read, with nothing in plain text', async () => {
    const record = session();
    await a.set(record);
    expect(await b.get(record.id)).toEqual(record);
    const fields = await raw.hGetAll(`xwc:session:${record.id}`);
    expect(Object.keys(fields).sort()).toEqual(['createdAt', 'data', 'lastSeen']);
    expect(JSON.stringify(fields)).not.toContain(record.xapiRef);
    expect(JSON.stringify(fields)).not.toContain('OpaqueRef');
    expect(fields.data).not.toContain('root');
    const ttl = await raw.pTTL(`xwc:session:${record.id}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('expires a session at the idle limit, and tells the instances that served it', async () => {
    const read = session();
    const swept = session();
    await short.set(read);
    await short.set(swept);
    await b.get(swept.id);
    await expect.poll(() => raw.exists(`xwc:session:${read.id}`), { timeout: 5000 }).toBe(0);
    expect(await short.get(read.id)).toBeUndefined();
    expect(endedOf(short, [read.id])).toEqual([{ id: read.id, reason: 'expired' }]);
    // Nobody reads `swept` again: the sweep notices (every second with these limits; b's is checked by a read).
    await expect
      .poll(() => endedOf(short, [swept.id]), { timeout: 5000 })
      .toEqual([{ id: swept.id, reason: 'expired' }]);
    expect(await b.get(swept.id)).toBeUndefined();
    expect(endedOf(b, [read.id, swept.id])).toEqual([{ id: swept.id, reason: 'expired' }]);
  });

  it('pushes the idle expiry out on touch, never past the absolute limit', async () => {
    const fresh = session({ lastSeen: Date.now() - 50_000 });
    await a.set(fresh);
    expect(await raw.pTTL(`xwc:session:${fresh.id}`)).toBeLessThanOrEqual(10_000);
    await a.touch(fresh.id, Date.now());
    expect(await raw.pTTL(`xwc:session:${fresh.id}`)).toBeGreaterThan(50_000);
    expect(Number((await a.get(fresh.id))!.lastSeen)).toBeGreaterThan(fresh.lastSeen);

    const old = session({ createdAt: Date.now() - 598_000 });
    await a.set(old);
    await a.touch(old.id, Date.now());
    expect(await raw.pTTL(`xwc:session:${old.id}`)).toBeLessThanOrEqual(2000);

    const tooOld = session({ createdAt: Date.now() - 600_001 });
    await a.set(tooOld);
    expect(await raw.exists(`xwc:session:${tooOld.id}`)).toBe(0);
    await a.touch('f'.repeat(64), Date.now());
    expect(await raw.exists(`xwc:session:${'f'.repeat(64)}`)).toBe(0);
  });

  it('announces a deletion with its reason to every instance that knows the session', async () => {
    const record = session();
    await a.set(record);
    await b.get(record.id);
    await a.delete(record.id, 'user');
    expect(endedOf(a, [record.id])).toEqual([{ id: record.id, reason: 'user' }]);
    await expect.poll(() => endedOf(b, [record.id]), { timeout: 5000 }).toEqual([{ id: record.id, reason: 'user' }]);
    // c never served this session: nothing of its own to close.
    expect(endedOf(c, [record.id])).toEqual([]);
    expect(await b.get(record.id)).toBeUndefined();
    expect(await raw.get(`xwc:session-ended:${record.id}`)).toBe('user');
  });

  it('reads a record sealed under another SESSION_SECRET as no session', async () => {
    const record = session();
    await a.set(record);
    expect(await rotated.get(record.id)).toBeUndefined();
    expect(logs.lines.some((line) => line.includes('does not open'))).toBe(true);
  });

  it('fails fast while Redis is down and recovers by itself', async () => {
    const record = session();
    await a.set(record);
    await redis.stop();
    await expect.poll(() => a.available, { timeout: 5000 }).toBe(false);
    const failure = await a.get(record.id).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SessionStoreUnavailable);
    expect(String((failure as Error).message)).not.toMatch(/127\.0\.0\.1|redis:/);
    await expect(a.set(session())).rejects.toBeInstanceOf(SessionStoreUnavailable);
    await redis.start();
    await expect.poll(() => a.available, { timeout: 10_000 }).toBe(true);
    const again = session();
    await a.set(again);
    expect(await a.get(again.id)).toEqual(again);
    expect(logs.lines.filter((line) => line.includes('unavailable')).length).toBeGreaterThan(0);
    expect(logs.lines.some((line) => line.includes('reachable again'))).toBe(true);
  });
});
