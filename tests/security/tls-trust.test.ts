import fs from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { caTrust, XapiConnection, XapiTransportError } from '@xwc/api-client';
import { loadConfig, trustModeFromConfig } from '@xwc/proxy';
import { hostCertificate, processAuthority } from '../../apps/xapi-sim/src/tls/certificates.ts';
import { api } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startFakeHost, type FakeHost } from '../support/fake-host.ts';
import { startStack, type Stack, type StackOptions } from '../support/stack.ts';

/** Case 5: certificates of the master and of every member are checked; turning checks off must be asked for. */
let stack: Stack | undefined;
let fake: FakeHost | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
  await stack?.close();
  stack = undefined;
});

async function start(options: StackOptions): Promise<Stack> {
  stack = await startStack(options);
  return stack;
}

const login = (s: Stack) =>
  api(s, 'POST', '/api/session', { body: { username: 'root', password: s.password('root') } });

async function masterFingerprint(address: string): Promise<string> {
  const ca = await processAuthority();
  return new X509Certificate(hostCertificate(ca, address).certPem).fingerprint256;
}

describe('trust on first use', () => {
  it('is the default when nothing is configured, and never insecure', () => {
    expect(trustModeFromConfig(loadConfig({}))).toEqual({ kind: 'first-use' });
  });

  it('records the master certificate on first use and accepts it again', async () => {
    const s = await start({ trust: 'config' });
    expect((await login(s)).status).toBe(200);
    const known = JSON.parse(fs.readFileSync(path.join(s.dataDir, 'known-hosts.json'), 'utf8'));
    const master = new URL(s.pool.master.url);
    const pin = known.hosts[`${master.hostname}:${master.port}`];
    expect(pin.source).toBe('first-use');
    expect(pin.sha256).toBe((await masterFingerprint(master.hostname)).replace(/:/g, '').toLowerCase());
    expect((await login(s)).status).toBe(200);
  });

  it('refuses a master whose certificate changed since it was recorded', async () => {
    const s = await start({
      trust: 'config',
      dataFiles: (pool) => {
        const master = new URL(pool.master.url);
        const hosts = {
          [`${master.hostname}:${master.port}`]: {
            sha256: 'ab'.repeat(32),
            source: 'first-use',
            since: '2026-01-01T00:00:00Z',
          },
        };
        return { 'known-hosts.json': JSON.stringify({ version: 1, hosts }) };
      },
    });
    const response = await login(s);
    expect(response.status).toBe(503);
    // Said plainly, with both fingerprints (public), never as a bare "unreachable".
    expect(response.body).toMatchObject({
      error: 'POOL_CERTIFICATE_CHANGED',
      recorded: `${'AB:'.repeat(31)}AB`,
      presented: await masterFingerprint(new URL(s.pool.master.url).hostname),
    });
    expect(s.logs.lines.some((line) => line.includes('refused a changed host certificate'))).toBe(true);
  });
});

describe('pins and CAs', () => {
  it('accepts the right fingerprint and refuses a wrong one', async () => {
    const right = await start({ trust: 'config', env: {}, dataFiles: () => ({}) });
    const fingerprint = await masterFingerprint(new URL(right.pool.master.url).hostname);
    await right.close();
    stack = undefined;
    const withPin = await start({ trust: { kind: 'fingerprint', sha256: fingerprint } });
    expect((await login(withPin)).status).toBe(200);
    await withPin.close();
    stack = undefined;
    const wrong = await start({ trust: { kind: 'fingerprint', sha256: '00'.repeat(32) } });
    expect((await login(wrong)).status).toBe(503);
  });

  it('refuses a CA that did not sign the pool certificates', async () => {
    const ca = await processAuthority();
    const notTheCa = hostCertificate(ca, '127.9.9.9').certPem;
    const s = await start({ trust: { kind: 'ca', pem: notTheCa } });
    const response = await login(s);
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: 'POOL_CERTIFICATE_REFUSED' });
    expect(response.body.message).toMatch(/not signed by the CA the gateway is configured with/);
  });

  it.each(['ca', 'first-use'] as const)(
    'checks pool members against the certificate the pool reports for them (%s mode)',
    async (mode) => {
      const s = await start(mode === 'ca' ? {} : { trust: 'config' });
      const { cookie } = await s.login('root');
      const vm = s.pool.vm('Ubuntu 24.04 build agent');
      const member = s.pool.hosts.find((h) => h.ref === vm.record.resident_on)!;
      const url = consoleUrl(s.baseUrl, 'vm', String(vm.record.uuid));
      const ok = await ConsoleClient.open(url, { cookie, origin: s.baseUrl });
      expect((await ok.read(12)).toString('latin1')).toMatch(/^RFB/);
      ok.close();
      // The member now presents another certificate, even one signed by the same CA: refused.
      await s.pool.setHostState(member.uuid, 'down');
      fake = await startFakeHost({ address: member.address, port: Number(new URL(member.url).port), tls: 'fresh' });
      const refused = await ConsoleClient.open(url, { cookie, origin: s.baseUrl });
      expect(await refused.closed).toEqual({ code: 4013, reason: "The host's certificate was refused." });
      expect(fake.received).toBe('');
    },
  );
});

describe('19. CA mode checks the host name/IP the certificate is for', () => {
  // Each host below presents another host's genuine certificate: signed by the configured CA, for another address.
  it('refuses a master whose CA-signed certificate names another address: login fails', async () => {
    const s = await start({ pool: { misnamedCertificates: [0] } });
    const response = await login(s);
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: 'POOL_CERTIFICATE_REFUSED' });
    expect(response.body.message).toMatch(/does not name the address/);
    // The client library's CA policy (scripts, the tests' own clients) refuses it too.
    const connection = new XapiConnection({ url: s.pool.master.url, trust: caTrust(s.pool.caPem), timeoutMs: 5_000 });
    const error = await connection.login('root', s.password('root')).then(
      () => undefined,
      (e: unknown) => e,
    );
    connection.close();
    expect(error).toBeInstanceOf(XapiTransportError);
    expect((error as XapiTransportError).message).toMatch(/host name mismatch/);
  });

  it('refuses a console on a member whose CA-signed certificate names another address, even though the pool reports it', async () => {
    const s = await start({ pool: { misnamedCertificates: [1, 2] } });
    const { cookie } = await s.login('root');
    const vm = s.pool.vm('Ubuntu 24.04 build agent');
    expect(vm.record.resident_on).not.toBe(s.pool.master.ref);
    const refused = await ConsoleClient.open(consoleUrl(s.baseUrl, 'vm', String(vm.record.uuid)), {
      cookie,
      origin: s.baseUrl,
    });
    const outcome = await Promise.race([refused.closed, refused.read(12).then(() => 'the console opened')]);
    expect(outcome).toEqual({ code: 4013, reason: "The host's certificate was refused." });
    expect(refused.bytes.length).toBe(0);
  });
});

describe('insecure mode', () => {
  it('must be asked for, cannot be combined with a CA or pin, and is logged', async () => {
    expect(() => loadConfig({ XAPI_INSECURE: '1', XAPI_CA_FILE: '/tmp/ca.pem' })).toThrow(/at most one/);
    expect(trustModeFromConfig(loadConfig({ XAPI_INSECURE: '1' }))).toEqual({ kind: 'insecure' });
    const s = await start({ trust: { kind: 'insecure' } });
    expect(s.logs.lines.some((line) => line.includes('XAPI_INSECURE=1') && line.includes('"level":"warn"'))).toBe(true);
    expect((await login(s)).status).toBe(200);
    expect(s.logs.lines.filter((line) => line.includes('without certificate verification')).length).toBeGreaterThan(0);
  });
});
