import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { caTrust, XapiConnection } from '@xwc/api-client';
import { api } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { LineSink, startStack, type Stack, type StackOptions } from '../support/stack.ts';
import { loadConfig, startGateway } from '@xwc/proxy';
import { startPool, type SimulatedPool } from '@xwc/xapi-sim';

/**
 * Pool hosts' certificates change for good reasons (xapi's host.refresh_server_certificate, a reinstall): with a CA or
 * a pinned master the gateway takes members' identities from the master each time and keeps nothing stale; on first
 * use a changed master certificate is refused in words, and a pool administrator accepts it from the login form.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(options: StackOptions): Promise<Stack> {
  stack = await startStack(options);
  return stack;
}

/** Renews a host's certificate as an administrator would, with xapi's own call, and waits until it is presented. */
async function refreshCertificate(s: Stack, hostRef: string): Promise<string> {
  const connection = new XapiConnection({ url: s.pool.master.url, trust: caTrust(s.pool.caPem), timeoutMs: 5000 });
  try {
    const session = await connection.login('root', s.password('root'));
    await session.call('host.refresh_server_certificate', [hostRef]);
    const pem = await session.call('host.get_server_certificate', [hostRef]);
    await session.logout().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return new X509Certificate(pem as string).fingerprint256;
  } finally {
    connection.close();
  }
}

const login = (s: Stack, username = 'root') =>
  api(s, 'POST', '/api/session', { body: { username, password: s.password(username) } });

async function openConsole(s: Stack, cookie: string, vmUuid: string): Promise<string> {
  const client = await ConsoleClient.open(consoleUrl(s.baseUrl, 'vm', vmUuid), { cookie, origin: s.baseUrl });
  try {
    return (await client.read(12)).toString('latin1');
  } finally {
    client.close();
  }
}

/** The certificate the pool reports for a host, read with xapi's own call. */
async function fingerprintOf(pool: SimulatedPool, hostRef: string): Promise<string> {
  const connection = new XapiConnection({ url: pool.master.url, trust: caTrust(pool.caPem), timeoutMs: 5000 });
  try {
    const root = pool.users.find((u) => u.username === 'root')!;
    const session = await connection.login('root', root.password);
    const pem = await session.call('host.get_server_certificate', [hostRef]);
    await session.logout().catch(() => undefined);
    return new X509Certificate(pem as string).fingerprint256;
  } finally {
    connection.close();
  }
}

/** The pool and a gateway pinning its master's certificate (XAPI_FINGERPRINT), as a Stack for the helpers. */
async function startPinned(): Promise<Stack> {
  const pool = await startPool({ authFailureDelayMs: 200, operationMs: 20 });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-pinned-'));
  const master = pool.hosts.find((h) => h.url === pool.master.url)!;
  const sha256 = await fingerprintOf(pool, master.ref);
  const gateway = await startGateway({
    config: loadConfig({ PORT: '0', DATA_DIR: dataDir }),
    xapiUrl: pool.master.url,
    trust: { kind: 'fingerprint', sha256 },
    logSink: new LineSink(),
    auditSink: new LineSink(),
  });
  const password = (username: string): string => pool.users.find((u) => u.username === username)!.password;
  const pinned = {
    pool,
    gateway,
    baseUrl: gateway.url,
    dataDir,
    password,
    async login(username = 'root') {
      const response = await api(pinned as unknown as Stack, 'POST', '/api/session', {
        body: { username, password: password(username) },
      });
      return { cookie: response.headers.get('set-cookie')!.split(';')[0]!, role: String(response.body.role) };
    },
    async close() {
      await gateway.close();
      await pool.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  stack = pinned as unknown as Stack;
  return stack;
}

describe.each([
  ['a configured CA', () => start({})],
  ['a pinned master', startPinned],
])('with %s', (_name, startWith) => {
  it('opens a console on a member whose certificate was renewed, and records nothing on disk', async () => {
    const s = await startWith();
    const { cookie } = await s.login('root');
    const vm = s.pool.vm('Ubuntu 24.04 build agent');
    const member = s.pool.hosts.find((h) => h.ref === vm.record.resident_on)!;
    expect(member.url).not.toBe(s.pool.master.url);
    expect(await openConsole(s, cookie, String(vm.record.uuid))).toMatch(/^RFB/);
    await refreshCertificate(s, member.ref);
    // The hosts list is fresh (read seconds ago): only the look before connecting knows the new certificate.
    expect(await openConsole(s, cookie, String(vm.record.uuid))).toMatch(/^RFB/);
    expect(fs.existsSync(path.join(s.dataDir, 'known-hosts.json'))).toBe(false);
  });
});

describe('with a configured CA', () => {
  it('keeps logging users in after the master renewed its certificate', async () => {
    const s = await start({});
    expect((await login(s)).status).toBe(200);
    const master = s.pool.hosts.find((h) => h.url === s.pool.master.url)!;
    await refreshCertificate(s, master.ref);
    expect((await login(s)).status).toBe(200);
  });
});

describe('trust on first use', () => {
  it('refuses the renewed master certificate in words, and a pool administrator accepts it', async () => {
    const s = await start({ trust: 'config' });
    expect((await login(s)).status).toBe(200);
    const master = s.pool.hosts.find((h) => h.url === s.pool.master.url)!;
    const before = await fingerprintOf(s.pool, master.ref);
    const after = await refreshCertificate(s, master.ref);

    const refused = await login(s);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'POOL_CERTIFICATE_CHANGED', recorded: before, presented: after });
    expect(String(refused.body.message)).toContain(after);

    const accept = (username: string, sha256: string) =>
      api(s, 'POST', '/api/trust/accept', { body: { username, password: s.password(username), sha256 } });
    // Not an administrator: refused, audited, and the old certificate stays recorded.
    expect((await accept('vmoperator', after)).status).toBe(403);
    expect((await login(s)).status).toBe(503);
    // Not the certificate that was presented: nothing to accept.
    expect((await accept('root', '11'.repeat(32))).status).toBe(409);
    // A wrong password counts as a failed login.
    const wrong = await api(s, 'POST', '/api/trust/accept', {
      body: { username: 'root', password: 'not-it', sha256: after },
    });
    expect(wrong.status).toBe(401);

    const accepted = await accept('root', after);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ accepted: after });
    expect((await login(s)).status).toBe(200);

    const known = JSON.parse(fs.readFileSync(path.join(s.dataDir, 'known-hosts.json'), 'utf8'));
    const key = `${new URL(s.pool.master.url).hostname}:${new URL(s.pool.master.url).port}`;
    expect(known.hosts[key]).toMatchObject({ source: 'accepted' });
    expect(new X509Certificate(fs.readFileSync(s.pool.caFile)).fingerprint256).not.toBe(after);
    const audited = s.audit.json().filter((line) => line.event === 'certificate-accept');
    expect(audited.map((line) => [line.user, line.outcome])).toEqual([
      ['vmoperator', 'forbidden'],
      ['root', 'failure'],
      ['root', 'success'],
    ]);
    expect(audited[2]).toMatchObject({ accepted: after, previous: before });
  });
});
