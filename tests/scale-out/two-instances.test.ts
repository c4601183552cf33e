import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { caTrust, XapiConnection, XapiSession } from '@xwc/api-client';
import { loadConfig, startGateway, type Gateway, type GatewayConfig } from '@xwc/proxy';
import { startPool, type SimulatedPool } from '@xwc/xapi-sim';
import { RedisSessionStore } from '../../apps/proxy/src/auth/redis-session-store.ts';
import { createLogger } from '../../apps/proxy/src/log.ts';
import { api, readEvents } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { LineSink, type Stack } from '../support/stack.ts';
import { startNginx, type Nginx } from './support/nginx.ts';
import { freePort, listening, waitFor } from './support/processes.ts';
import { dumpRedis, startRedis, type RedisServer } from './support/redis-server.ts';

/**
 * Two gateway instances sharing sessions through a real redis-server, behind a real nginx configured as
 * docs/deploy.md says, in front of one simulated pool.
 */

const SESSION_SECRET = 'scale-out-test-secret-0123456789abcdef';

interface Instance {
  name: string;
  port: number;
  url: string;
  config: GatewayConfig;
  gateway: Gateway;
  audit: LineSink;
  logs: LineSink;
}

let dir: string;
let redis: RedisServer;
let pool: SimulatedPool;
let a: Instance;
let b: Instance;
let nginx: Nginx;
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);

/** The shared API helper only needs a base URL. */
const at = (url: string): Stack => ({ baseUrl: url }) as Stack;
const uuidOf = (vm: string): string => String(pool.vm(vm).record.uuid);
const password = (user: string): string => pool.users.find((u) => u.username === user)!.password;

async function startInstance(name: string): Promise<Instance> {
  const port = await freePort();
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: path.join(dir, name),
    LOG_LEVEL: 'debug',
    REDIS_URL: redis.url,
    SESSION_SECRET,
    INSTANCE_ID: name,
    TRUST_PROXY: '1',
    // The browser's Host is nginx's (127.0.0.1 on its own port), as a public name would be in production.
    ALLOWED_HOSTS: '127.0.0.1',
    SHUTDOWN_DRAIN: '2',
  });
  const logs = new LineSink();
  const audit = new LineSink();
  const gateway = await startGateway({
    config,
    xapiUrl: pool.master.url,
    trust: { kind: 'ca', pem: pool.caPem },
    logSink: logs,
    auditSink: audit,
  });
  return { name, port, url: gateway.url, config, gateway, audit, logs };
}

async function login(baseUrl: string, user: string): Promise<string> {
  const response = await api(at(baseUrl), 'POST', '/api/session', {
    body: { username: user, password: password(user) },
  });
  if (response.status !== 200) throw new Error(`login as ${user}: ${response.status} ${response.text}`);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

const open = (baseUrl: string, vm: string, cookie: string): Promise<ConsoleClient> =>
  ConsoleClient.open(consoleUrl(baseUrl, 'vm', uuidOf(vm)), { cookie, origin: baseUrl });

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-scale-out-'));
  redis = await startRedis();
  pool = await startPool({ authFailureDelayMs: 200, operationMs: 20, dataDir: path.join(dir, 'sim') });
  a = await startInstance('gw-a');
  b = await startInstance('gw-b');
  nginx = await startNginx(path.join(dir, 'nginx'), [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
});

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  for (const instance of [a, b]) await instance?.gateway.close();
  await nginx?.stop();
  await redis?.stop();
  await pool?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('two instances sharing sessions through Redis', () => {
  it('serves a login made through one instance on the other: consoles, extension edits, audit ids', async () => {
    const cookie = await login(a.url, 'root');
    const client = await open(b.url, 'Debian 12 web', cookie);
    expect((await client.handshake()).name).toBe('Debian 12 web');
    const uuid = uuidOf('Debian 12 web');
    const patched = await api(at(b.url), 'PATCH', `/api/objects/vm/${uuid}/extensions`, {
      cookie,
      body: { 'other_config:auto_poweron': 'true' },
    });
    expect(patched.status).toBe(200);
    expect(pool.vm('Debian 12 web').record.other_config).toMatchObject({ auto_poweron: 'true' });
    client.close();
    await client.closed;
    expect(a.audit.json()).toContainEqual(
      expect.objectContaining({ event: 'login', user: 'root', outcome: 'success', instance: 'gw-a' }),
    );
    const onB = b.audit.json();
    expect(onB).toContainEqual(expect.objectContaining({ event: 'console-open', user: 'root', instance: 'gw-b' }));
    expect(onB).toContainEqual(
      expect.objectContaining({ event: 'extension-change', outcome: 'success', instance: 'gw-b' }),
    );
  });

  it('keeps no XAPI session ref, cookie or user name in Redis in plain text', async () => {
    const cookie = await login(a.url, 'vmadmin');
    expect((await api(at(b.url), 'GET', '/api/session', { cookie })).status).toBe(200);
    const token = cookie.slice(cookie.indexOf('=') + 1);
    const refs = [a, b].flatMap((i) => i.gateway.context.sessions.all().map((s) => s.xapi.ref));
    expect(refs.length).toBeGreaterThan(1);
    const { keys, text } = await dumpRedis(redis.url);
    expect(keys).toContain(`xwc:session:${createHash('sha256').update(token).digest('hex')}`);
    for (const ref of refs) expect(text).not.toContain(ref);
    expect(text).not.toContain('OpaqueRef');
    expect(text).not.toContain(token);
    expect(text).not.toContain('vmadmin');
    expect(text).not.toContain(password('vmadmin'));
  });

  it("closes the user's consoles on both instances with 4017 when they log out on one", async () => {
    const cookie = await login(a.url, 'vmoperator');
    const onA = await open(a.url, 'Windows Server 2022', cookie);
    const onB = await open(b.url, 'Debian 12 web', cookie);
    await onA.read(12);
    await onB.read(12);
    let streaming = false;
    const events = readEvents(at(a.url), cookie, (seen) => {
      streaming ||= seen.some((e) => e.event === 'snapshot');
      return seen.some((e) => e.event === 'session-ended');
    });
    await expect.poll(() => streaming, { timeout: 10_000 }).toBe(true);
    expect((await api(at(b.url), 'DELETE', '/api/session', { cookie })).status).toBe(204);
    expect((await onA.closed).code).toBe(4017);
    expect((await onB.closed).code).toBe(4017);
    expect((await events).at(-1)).toEqual({ event: 'session-ended', data: { message: 'You logged out.' } });
    for (const instance of [a, b]) {
      expect((await open(instance.url, 'Windows Server 2022', cookie)).refused?.status).toBe(401);
    }
  });

  it('answers 503 SESSION_STORE_UNAVAILABLE while Redis is down, without crashing, and recovers', async () => {
    const cookie = await login(a.url, 'root');
    const live = await open(b.url, 'Ubuntu 24.04 build agent', cookie);
    await live.read(12);
    await redis.stop();
    for (const { url } of [a, b, nginx]) {
      await expect.poll(async () => (await api(at(url), 'GET', '/api/session', { cookie })).status).toBe(503);
      const refused = await api(at(url), 'GET', '/api/objects/vm', { cookie });
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ error: 'SESSION_STORE_UNAVAILABLE', message: expect.any(String) });
      const loginRefused = await api(at(url), 'POST', '/api/session', {
        body: { username: 'root', password: password('root') },
      });
      expect(loginRefused.status).toBe(503);
      const upgrade = await open(url, 'Windows Server 2022', cookie);
      expect(upgrade.refused?.status).toBe(503);
      expect(JSON.parse(upgrade.refused!.body).error).toBe('SESSION_STORE_UNAVAILABLE');
      expect((await api(at(url), 'GET', '/api/health')).status).toBe(200);
    }
    // A console already open keeps running through the outage.
    expect(live.ws.readyState).toBe(WebSocket.OPEN);
    expect(b.logs.lines.some((line) => line.includes('session store (Redis) unavailable'))).toBe(true);

    await redis.start();
    for (const { url } of [a, b]) {
      // Without a cookie: 401 once the store answers again (503 while it does not).
      await expect.poll(async () => (await api(at(url), 'GET', '/api/session')).status, { timeout: 15_000 }).toBe(401);
    }
    // The restarted Redis kept nothing (no persistence here): log in again, and logouts reach both instances again.
    const fresh = await login(a.url, 'root');
    const onB = await open(b.url, 'Windows Server 2022', fresh);
    await onB.read(12);
    expect((await api(at(a.url), 'DELETE', '/api/session', { cookie: fresh })).status).toBe(204);
    expect((await onB.closed).code).toBe(4017);
    live.close();
    await live.closed;
  });

  it('takes a XAPI session renewed by another instance from the store instead of ending the login', async () => {
    const cookie = await login(a.url, 'vmadmin');
    const id = createHash('sha256')
      .update(cookie.slice(cookie.indexOf('=') + 1))
      .digest('hex');
    // Only b's side of a pool restart is played here. The login's warm-up on a (the instance holding the password)
    // watches its XAPI session, and a would rightly end the login on the logout below: it finds no restart, so a
    // session ended on purpose. a stops watching with it, as it does once a login's page is gone for a while.
    a.gateway.context.inventories.drop(id);
    expect((await api(at(b.url), 'GET', '/api/objects/vm', { cookie })).status).toBe(200);
    const held = b.gateway.context.sessions.all().find((s) => s.id === id)!;
    const connection = new XapiConnection({ url: pool.master.url, trust: caTrust(pool.caPem) });
    const renewed = await connection.login('vmadmin', password('vmadmin'));
    // What the instance holding the password does after a pool restart, played here step by step: the old
    // XAPI session is gone (b's event stream fails with SESSION_INVALID and waits), then the new one is stored.
    let replaced = false;
    const events = readEvents(
      at(b.url),
      cookie,
      (seen) => {
        if (!replaced && seen.some((e) => e.event === 'snapshot')) {
          replaced = true;
          void (async () => {
            await new XapiSession(connection, held.xapi.ref).logout();
            await new Promise((resolve) => setTimeout(resolve, 500));
            const store = await RedisSessionStore.connect({
              url: redis.url,
              secret: SESSION_SECRET,
              limits: a.config.session,
              log: createLogger(new LineSink()),
            });
            await store.set({ ...(await store.get(id))!, xapiRef: renewed.ref });
            await store.close();
          })();
        }
        const current = b.gateway.context.sessions.all().find((s) => s.id === id);
        return current?.xapi.ref === renewed.ref || seen.some((e) => e.event === 'session-ended');
      },
      20_000,
    );
    // The stream went on with the renewed session: never ended, and no second snapshot (a resync travels as changes,
    // so the browser keeps its state).
    const seen = await events;
    expect(seen.map((e) => e.event)).not.toContain('session-ended');
    expect(seen.filter((e) => e.event === 'snapshot')).toHaveLength(1);
    for (const instance of [a, b]) {
      expect((await api(at(instance.url), 'GET', '/api/objects/vm', { cookie })).status).toBe(200);
      const session = instance.gateway.context.sessions.all().find((s) => s.id === id)!;
      expect(session.xapi.ref).toBe(renewed.ref);
    }
    expect((await api(at(a.url), 'DELETE', '/api/session', { cookie })).status).toBe(204);
    connection.close();
  });

  it("keeps a console's viewers on one instance through nginx, sharing its one connection under the pool's limit", async () => {
    const [poolRef] = pool.findRefs('pool');
    pool.setField('pool', poolRef!, 'limit_console_sessions', true);
    try {
      const vm = 'Ubuntu 24.04 build agent';
      const viewers = [
        await open(nginx.url, vm, await login(nginx.url, 'root')),
        await open(nginx.url, vm, await login(nginx.url, 'vmoperator')),
        await open(nginx.url, vm, await login(nginx.url, 'admin')),
      ];
      // The lone first viewer is moved onto the shared console when the second arrives: it rejoins, as browsers do.
      expect((await viewers[0]!.closed).code).toBe(4020);
      viewers[0] = await open(nginx.url, vm, await login(nginx.url, 'root'));
      for (const viewer of viewers) await viewer.handshake();
      const seen = await viewers[2]!.notice((n) => n.type === 'presence' && (n.viewers as unknown[]).length === 3);
      expect((seen.viewers as { remote: boolean }[]).every((v) => !v.remote)).toBe(true);
      const serving = [a, b].filter((i) => i.gateway.context.consoles.count > 0);
      expect(serving).toHaveLength(1);
      for (const viewer of viewers) viewer.close();
      await Promise.all(viewers.map((v) => v.closed));
    } finally {
      pool.setField('pool', poolRef!, 'limit_console_sessions', false);
    }
  });

  it("viewers split across instances see each other; under the pool's limit the second instance says who holds it", async () => {
    const vm = 'Debian 12 web';
    const onA = await open(a.url, vm, await login(a.url, 'vmoperator'));
    await onA.handshake();
    const onB = await open(b.url, vm, await login(b.url, 'admin'));
    await onB.handshake();
    const seenOnA = await onA.notice((n) => n.type === 'presence' && (n.viewers as unknown[]).length === 2);
    expect(seenOnA.viewers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ user: 'vmoperator', remote: false }),
        expect.objectContaining({ user: 'admin', remote: true }),
      ]),
    );
    onB.close();
    await onB.closed;

    const [poolRef] = pool.findRefs('pool');
    pool.setField('pool', poolRef!, 'limit_console_sessions', true);
    try {
      const refused = await open(b.url, vm, await login(b.url, 'admin'));
      expect(await refused.closed).toEqual({ code: 4009, reason: 'In use by vmoperator from another gateway.' });
    } finally {
      pool.setField('pool', poolRef!, 'limit_console_sessions', false);
      onA.close();
      await onA.closed;
    }
  });

  it('lets consoles run through the drain of a stopping instance, closes them with 1001, and they re-attach through nginx', async () => {
    const cookie = await login(nginx.url, 'root');
    const vm = 'Windows Server 2022';
    const before = [a, b].map((i) => i.gateway.context.consoles.count);
    const first = await open(nginx.url, vm, cookie);
    await first.handshake();
    const grew = [a, b].filter((i, n) => i.gateway.context.consoles.count > before[n]!);
    expect(grew).toHaveLength(1);
    const victim = grew[0]!;
    const survivor = victim === a ? b : a;

    // What main.ts does on SIGTERM.
    const stopping = victim.gateway.close(victim.config.shutdownDrainMs);
    await waitFor('the stopping instance to stop listening', async () => !(await listening(victim.port)));
    // During the drain: new consoles and API calls go to the survivor, and the console already open runs on.
    const during = await open(nginx.url, 'Debian 12 web', cookie);
    expect((await during.handshake()).name).toBe('Debian 12 web');
    expect((await api(at(nginx.url), 'GET', '/api/session', { cookie })).status).toBe(200);
    expect(first.ws.readyState).toBe(WebSocket.OPEN);

    expect(await first.closed).toEqual({ code: 1001, reason: 'The gateway is shutting down; reconnect.' });
    await stopping;
    // The client reconnects after 1001 as the UI does (after a short delay), with the same cookie.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const again = await open(nginx.url, vm, cookie);
    expect((await again.handshake()).name).toBe(vm);
    expect(survivor.gateway.context.consoles.count).toBe(2);
    expect(survivor.audit.json().filter((l) => l.event === 'console-open' && l.instance === survivor.name)).not.toEqual(
      [],
    );
    again.close();
    during.close();
    await Promise.all([again.closed, during.closed]);
  });

  it('had no unhandled rejection', () => {
    expect(rejections).toEqual([]);
  });
});
