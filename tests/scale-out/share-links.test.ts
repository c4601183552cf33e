import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, startGateway, type Gateway } from '@xwc/proxy';
import { startPool, type SimulatedPool } from '@xwc/xapi-sim';
import { linkTokenHash, type LinkToken } from '../../apps/proxy/src/console/share/token.ts';
import { api } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { LineSink, type Stack } from '../support/stack.ts';
import { freePort } from './support/processes.ts';
import { dumpRedis, startRedis, type RedisServer } from './support/redis-server.ts';

/**
 * Share links across two gateway instances sharing a real redis-server: a link made through one opens through the
 * other, its guest is listed on both, and revoking it or logging its maker out on one cuts the guest off on the
 * other. Redis holds no token and no user name in the clear.
 */

const SESSION_SECRET = 'share-links-scale-out-secret-0123456789';
const VM = 'Ubuntu 24.04 build agent';

let dir: string;
let redis: RedisServer;
let pool: SimulatedPool;
let a: Gateway;
let b: Gateway;

const at = (gateway: Gateway): Stack => ({ baseUrl: gateway.url }) as Stack;
const uuid = (): string => String(pool.vm(VM).record.uuid);

async function startInstance(name: string): Promise<Gateway> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(await freePort()),
    DATA_DIR: path.join(dir, name),
    REDIS_URL: redis.url,
    SESSION_SECRET,
    INSTANCE_ID: name,
  });
  return startGateway({
    config,
    xapiUrl: pool.master.url,
    trust: { kind: 'ca', pem: pool.caPem },
    logSink: new LineSink(),
    auditSink: new LineSink(),
  });
}

async function login(gateway: Gateway, user: string): Promise<string> {
  const password = pool.users.find((u) => u.username === user)!.password;
  const response = await api(at(gateway), 'POST', '/api/session', { body: { username: user, password } });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

async function makeLink(gateway: Gateway, cookie: string): Promise<{ id: string; token: LinkToken }> {
  const response = await api<{ link: { id: string }; token: LinkToken }>(at(gateway), 'POST', '/api/shares', {
    cookie,
    body: { kind: 'vm', uuid: uuid() },
  });
  expect(response.status, response.text).toBe(201);
  return { id: response.body.link.id, token: response.body.token };
}

function openGuest(gateway: Gateway, token: string): Promise<ConsoleClient> {
  return ConsoleClient.open(`${gateway.url.replace(/^http/, 'ws')}/api/shared/vm/${uuid()}`, {
    origin: gateway.url,
    protocols: ['binary', `xwc-link.${token}`],
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-share-scale-'));
  redis = await startRedis();
  pool = await startPool({ authFailureDelayMs: 200, operationMs: 20, dataDir: path.join(dir, 'sim') });
  a = await startInstance('gw-a');
  b = await startInstance('gw-b');
});

afterAll(async () => {
  for (const gateway of [a, b]) await gateway?.close();
  await redis?.stop();
  await pool?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('share links across instances', () => {
  it('opens on the other instance, lists the guest on both, and revoking on the first cuts it off', async () => {
    const cookie = await login(a, 'vmoperator');
    const link = await makeLink(a, cookie);
    const guest = await openGuest(b, link.token);
    expect(guest.refused, guest.refused?.body).toBeUndefined();
    await guest.notice((n) => n.type === 'welcome');
    // A viewer on the first instance sees the guest on the second (presence through Redis).
    const viewer = await ConsoleClient.open(consoleUrl(a.url, 'vm', uuid()), { cookie, origin: a.url });
    await viewer.notice(
      (n) =>
        n.type === 'presence' &&
        (n.viewers as { user: string; via?: string; remote: boolean }[]).some(
          (v) => v.user === 'guest' && v.via === 'vmoperator' && v.remote,
        ),
    );
    const listed = await api<{ links: { id: string }[] }>(at(b), 'GET', '/api/shares', { cookie });
    expect(listed.body.links.map((l) => l.id)).toContain(link.id);
    expect((await api(at(a), 'DELETE', `/api/shares/${link.id}`, { cookie })).status).toBe(204);
    expect((await guest.closed).code).toBe(4032);
    viewer.close();
    await viewer.closed;
  });

  it('cuts the guest off on the other instance when the maker logs out', async () => {
    const cookie = await login(a, 'vmoperator');
    const link = await makeLink(a, cookie);
    const guest = await openGuest(b, link.token);
    await guest.notice((n) => n.type === 'welcome');
    expect((await api(at(a), 'DELETE', '/api/session', { cookie })).status).toBe(204);
    expect((await guest.closed).code).toBe(4033);
  });

  it('keeps links in Redis sealed: no token, no user name, only the token’s hash', async () => {
    const cookie = await login(b, 'vmoperator');
    const link = await makeLink(b, cookie);
    const { keys, text } = await dumpRedis(redis.url);
    expect(keys).toContain(`xwc:link-token:${linkTokenHash(link.token)}`);
    expect(text).not.toContain(link.token.slice(5));
    expect(text).not.toContain('vmoperator');
  });
});
