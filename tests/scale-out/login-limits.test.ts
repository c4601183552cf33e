import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startGateway, type Gateway } from '@xwc/proxy';
import { startPool, type SimulatedPool } from '@xwc/xapi-sim';
import { LineSink } from '../support/stack.ts';
import { startRedis, type RedisServer } from './support/redis-server.ts';

/**
 * Case 22: two gateway instances count login attempts in the same real redis-server, so an attacker who spreads
 * guesses over N instances gets no more than against one. Clients are told apart by X-Forwarded-For, as behind
 * the documented reverse proxy (TRUST_PROXY=1).
 */

const SESSION_SECRET = 'scale-out-test-secret-0123456789abcdef';
let dir: string;
let redis: RedisServer;
let pool: SimulatedPool;
let gateways: { gateway: Gateway; audit: LineSink }[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-login-limits-'));
  redis = await startRedis();
  pool = await startPool({ authFailureDelayMs: 50, operationMs: 20, dataDir: path.join(dir, 'sim') });
  for (const name of ['gw-a', 'gw-b']) {
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: path.join(dir, name),
      REDIS_URL: redis.url,
      SESSION_SECRET,
      INSTANCE_ID: name,
      TRUST_PROXY: '1',
      LOGIN_FREE_ATTEMPTS: '3',
      LOGIN_FIRST_DELAY: '60',
      LOG_LEVEL: 'warn',
    });
    const audit = new LineSink();
    const gateway = await startGateway({
      config,
      xapiUrl: pool.master.url,
      trust: { kind: 'ca', pem: pool.caPem },
      logSink: new LineSink(),
      auditSink: audit,
    });
    gateways.push({ gateway, audit });
  }
});
afterAll(async () => {
  for (const { gateway } of gateways) await gateway.close();
  gateways = [];
  await pool?.close();
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const password = (user: string): string => pool.users.find((u) => u.username === user)!.password;

async function login(instance: number, client: string, username: string, pass: string) {
  const { url } = gateways[instance]!.gateway;
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { origin: url, 'content-type': 'application/json', 'x-forwarded-for': client },
    body: JSON.stringify({ username, password: pass }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Guesses that reached the pool, on both instances. */
const guesses = (user: string): number =>
  gateways.flatMap(({ audit }) => audit.json()).filter((l) => l.user === user && l.outcome === 'failure').length;

describe('22. login counters shared across instances', () => {
  it('gives guesses spread over two instances no more room than one instance', async () => {
    const attacker = '203.0.113.7';
    for (const instance of [0, 1, 0]) expect((await login(instance, attacker, 'root', 'guess')).status).toBe(401);
    for (const instance of [1, 0]) {
      expect(await login(instance, attacker, 'root', 'guess')).toMatchObject({
        status: 429,
        body: { error: 'RATE_LIMITED', scope: 'user' },
      });
    }
    expect(guesses('root')).toBe(3);
    // The real root, from elsewhere, logs in on either instance.
    expect((await login(1, '198.51.100.20', 'root', password('root'))).status).toBe(200);
    expect((await login(0, '198.51.100.21', 'root', password('root'))).status).toBe(200);

    // Redis holds the counters under HMACs: neither the user name nor the address shows.
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const keys = await raw.keys('xwc:login:*');
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((key) => key.includes('root') || key.includes(attacker))).toEqual([]);
    } finally {
      await raw.close();
    }
  });

  it('counts parallel guesses on both instances when they start', async () => {
    const attacker = '203.0.113.8';
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => login(i % 2, attacker, 'vmadmin', `guess${i}`)),
    );
    expect(outcomes.filter((o) => o.status === 401)).toHaveLength(3);
    expect(outcomes.filter((o) => o.status === 429)).toHaveLength(9);
    expect(guesses('vmadmin')).toBe(3);
  });

  it('refuses logins with 503 while Redis is down (fail closed), and counts again once it is back', async () => {
    await redis.stop();
    try {
      for (const instance of [0, 1]) {
        expect(await login(instance, '198.51.100.30', 'operator', password('operator'))).toMatchObject({
          status: 503,
          body: { error: 'SESSION_STORE_UNAVAILABLE' },
        });
      }
    } finally {
      await redis.start();
    }
    // Both instances reconnect by themselves (bounded backoff); then logins work again.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await login(i % 2, '198.51.100.30', 'operator', password('operator'))).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(200);
  });
});
