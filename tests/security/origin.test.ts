import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@xwc/proxy';
import { originAllowed, originPolicy } from '../../apps/proxy/src/http/origin.ts';
import { hostCertificate, processAuthority } from '../../apps/xapi-sim/src/tls/certificates.ts';
import { api } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { rawHttp, requestText } from '../support/raw-http.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** Case 1: cross-site WebSocket hijacking and cross-site writes are refused unless configured. */
let stack: Stack;
let configured: Stack;
let cookie: string;

beforeAll(async () => {
  stack = await startStack();
  configured = await startStack({ env: { ALLOWED_ORIGINS: 'https://ops.example.com', ALLOW_NO_ORIGIN: '1' } });
  cookie = (await stack.login('root')).cookie;
});
afterAll(async () => {
  await stack?.close();
  await configured?.close();
});

const uuid = (s: Stack) => String(s.pool.vm('Windows Server 2022').record.uuid);

describe('1. WebSocket upgrades check Origin', () => {
  it.each([
    ['a foreign origin', 'https://evil.example'],
    ['a look-alike origin', 'http://127.0.0.1.evil.example'],
    ['the same host on another port', 'http://127.0.0.1:1'],
    ['null', 'null'],
    ['no Origin at all', null],
  ])('refuses %s with 403 and opens nothing upstream', async (_what, origin) => {
    const audited = stack.audit.lines.length;
    const client = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuid(stack)), { cookie, origin });
    expect(client.refused?.status).toBe(403);
    expect(JSON.parse(client.refused!.body)).toEqual({
      error: 'ORIGIN_REFUSED',
      message: 'This page may not open consoles (Origin not allowed).',
    });
    expect(stack.audit.lines.slice(audited).some((line) => line.includes('console-open'))).toBe(false);
  });

  it('accepts the server’s own origin', async () => {
    const client = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuid(stack)), {
      cookie,
      origin: stack.baseUrl,
    });
    expect(client.refused).toBeUndefined();
    client.close();
  });

  it('accepts listed origins and, when asked for, no Origin — and still refuses others', async () => {
    const { cookie: other } = await configured.login('root');
    const url = consoleUrl(configured.baseUrl, 'vm', uuid(configured));
    const listed = await ConsoleClient.open(url, { cookie: other, origin: 'https://ops.example.com' });
    expect(listed.refused).toBeUndefined();
    listed.close();
    const none = await ConsoleClient.open(url, { cookie: other, origin: null });
    expect(none.refused).toBeUndefined();
    none.close();
    const foreign = await ConsoleClient.open(url, { cookie: other, origin: 'https://evil.example' });
    expect(foreign.refused?.status).toBe(403);
  });
});

describe('1. mutating REST calls check Origin', () => {
  it.each([
    ['POST', '/api/session', { username: 'root', password: 'x' }],
    ['DELETE', '/api/session', undefined],
    ['POST', '/api/objects/vm/{uuid}/power', { action: 'hard_shutdown' }],
    ['PATCH', '/api/objects/vm/{uuid}/extensions', { 'other_config:HideFromXenCenter': 'true' }],
    ['PATCH', '/api/objects/vm/{uuid}/other-config', { note: 'x' }],
  ])('refuses %s %s from a foreign origin, and changes nothing', async (method, path, body) => {
    const before = JSON.stringify(stack.pool.vm('Windows Server 2022').record);
    for (const origin of ['https://evil.example', 'null', null]) {
      const response = await api(stack, method, path.replace('{uuid}', uuid(stack)), { cookie, origin, body });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ error: 'ORIGIN_REFUSED' });
    }
    expect(JSON.stringify(stack.pool.vm('Windows Server 2022').record)).toBe(before);
    expect((await api(stack, 'GET', '/api/session', { cookie })).status).toBe(200);
  });

  it('lets reads through without Origin (they change nothing and the cookie is SameSite=Strict)', async () => {
    expect((await api(stack, 'GET', '/api/objects/host', { cookie, origin: null })).status).toBe(200);
  });
});

describe('15. Origin is compared as scheme, host and port (unit, every shape of the class)', () => {
  const request = (headers: Record<string, string>, encrypted = false) =>
    ({ headers, socket: encrypted ? { encrypted: true } : {} }) as unknown as IncomingMessage;
  const plain = originPolicy({ allowedOrigins: [], allowNoOrigin: false, trustProxy: false });
  const check = (origin: string, host: string, policy = plain, extra: Record<string, string> = {}, tls = false) =>
    originAllowed(request({ origin, host, ...extra }, tls), policy);

  it.each([
    ['http://127.0.0.1:8080', '127.0.0.1:8080'],
    ['http://LOCALHOST:8080', 'localhost:8080'],
    ['http://localhost:8080', 'LocalHost:8080'],
    ['HTTP://localhost:8080', 'localhost:8080'],
    ['http://gw.example', 'gw.example'],
    ['http://gw.example:80', 'gw.example'],
    ['http://gw.example', 'gw.example:80'],
    ['http://[::1]:8080', '[::1]:8080'],
    ['http://[0:0::1]:8080', '[::1]:8080'],
    ['http://[2001:DB8::1]:8080', '[2001:db8::1]:8080'],
  ])('plain HTTP: accepts %s for Host %s', (origin, host) => {
    expect(check(origin, host)).toBe(true);
  });

  it.each([
    ['scheme swapped', 'https://127.0.0.1:8080', '127.0.0.1:8080'],
    ['https on the default port', 'https://gw.example', 'gw.example'],
    ['another port', 'http://127.0.0.1:8081', '127.0.0.1:8080'],
    ['the default port for a non-default Host port', 'http://127.0.0.1', '127.0.0.1:8080'],
    ['an explicit port for a default-port Host', 'http://gw.example:8080', 'gw.example'],
    ['another host', 'http://127.0.0.2:8080', '127.0.0.1:8080'],
    ['a look-alike', 'http://127.0.0.1.evil.example:8080', '127.0.0.1:8080'],
    ['userinfo', 'http://user@127.0.0.1:8080', '127.0.0.1:8080'],
    ['userinfo and password', 'http://u:p@127.0.0.1:8080', '127.0.0.1:8080'],
    ['a trailing slash', 'http://127.0.0.1:8080/', '127.0.0.1:8080'],
    ['a path', 'http://127.0.0.1:8080/evil', '127.0.0.1:8080'],
    ['a query', 'http://127.0.0.1:8080?x', '127.0.0.1:8080'],
    ['a fragment', 'http://127.0.0.1:8080#x', '127.0.0.1:8080'],
    ['null', 'null', '127.0.0.1:8080'],
    ['an empty Origin', '', '127.0.0.1:8080'],
    ['a WebSocket scheme', 'ws://127.0.0.1:8080', '127.0.0.1:8080'],
    ['a file origin', 'file://', '127.0.0.1:8080'],
    ['a bare host', '127.0.0.1:8080', '127.0.0.1:8080'],
    ['surrounding space', ' http://127.0.0.1:8080', '127.0.0.1:8080'],
    ['a port out of range', 'http://127.0.0.1:65616', '127.0.0.1:80'],
    ['another IPv6 address', 'http://[::2]:8080', '[::1]:8080'],
    ['IPv6 without brackets', 'http://::1:8080', '[::1]:8080'],
    ['an IPv6 zone', 'http://[fe80::1%25eth0]:8080', '[fe80::1%25eth0]:8080'],
    ['a Host that is not an authority', 'http://127.0.0.1:8080', '127.0.0.1:8080/x'],
  ])('plain HTTP: refuses %s (%s for Host %s)', (_what, origin, host) => {
    expect(check(origin, host)).toBe(false);
  });

  it('a TLS listener expects https, never http', () => {
    expect(check('https://127.0.0.1:8443', '127.0.0.1:8443', plain, {}, true)).toBe(true);
    expect(check('https://gw.example', 'gw.example', plain, {}, true)).toBe(true);
    expect(check('https://gw.example:443', 'gw.example', plain, {}, true)).toBe(true);
    expect(check('http://127.0.0.1:8443', '127.0.0.1:8443', plain, {}, true)).toBe(false);
    expect(check('http://gw.example', 'gw.example', plain, {}, true)).toBe(false);
  });

  it('behind a trusted proxy the forwarded scheme counts, and only then', () => {
    const proxied = originPolicy({ allowedOrigins: [], allowNoOrigin: false, trustProxy: true });
    const https = { 'x-forwarded-proto': 'https' };
    expect(check('https://xwc.example.com', 'xwc.example.com', proxied, https)).toBe(true);
    expect(check('http://xwc.example.com', 'xwc.example.com', proxied, https)).toBe(false);
    expect(check('http://xwc.example.com', 'xwc.example.com', proxied, { 'x-forwarded-proto': 'http' })).toBe(true);
    expect(check('https://xwc.example.com', 'xwc.example.com', proxied, { 'x-forwarded-proto': 'http' })).toBe(false);
    // Without TRUST_PROXY a client cannot claim https.
    expect(check('https://xwc.example.com', 'xwc.example.com', plain, https)).toBe(false);
  });

  it('PUBLIC_ORIGIN is the one expected origin, whatever Host and X-Forwarded-Proto say', () => {
    const config = loadConfig({ PUBLIC_ORIGIN: 'https://XWC.example.com/', TRUST_PROXY: '1' });
    const pinned = originPolicy(config);
    const forwarded: Record<string, string>[] = [{}, { 'x-forwarded-proto': 'http' }, { 'x-forwarded-proto': 'https' }];
    for (const extra of forwarded) {
      expect(check('https://xwc.example.com', 'xwc.example.com', pinned, extra)).toBe(true);
      expect(check('https://xwc.example.com:443', '10.0.0.11:8080', pinned, extra)).toBe(true);
      expect(check('http://xwc.example.com', 'xwc.example.com', pinned, extra)).toBe(false);
      expect(check('https://xwc.example.com:8443', 'xwc.example.com:8443', pinned, extra)).toBe(false);
      expect(check('http://10.0.0.11:8080', '10.0.0.11:8080', pinned, extra)).toBe(false);
      expect(check('https://evil.example', 'evil.example', pinned, extra)).toBe(false);
    }
  });

  it('listed origins match by scheme, host and port too', () => {
    const listed = originPolicy({
      allowedOrigins: ['https://ops.example.com'],
      allowNoOrigin: false,
      trustProxy: false,
    });
    expect(check('https://ops.example.com', 'gw:8080', listed)).toBe(true);
    expect(check('https://OPS.example.com:443', 'gw:8080', listed)).toBe(true);
    expect(check('http://ops.example.com', 'gw:8080', listed)).toBe(false);
    expect(check('https://ops.example.com:8443', 'gw:8080', listed)).toBe(false);
  });

  it('PUBLIC_ORIGIN must be an origin', () => {
    for (const bad of [
      'xwc.example.com',
      'https://xwc.example.com/app',
      'https://u@xwc.example.com',
      'ftp://x',
      'null',
    ]) {
      expect(() => loadConfig({ PUBLIC_ORIGIN: bad })).toThrow(/PUBLIC_ORIGIN must be the origin browsers use/);
    }
  });
});

describe('15. Origin scheme, host and port, end to end (writes and console upgrades)', () => {
  let tlsStack: Stack;
  let proxied: Stack;
  let tlsCa: string;
  beforeAll(async () => {
    const ca = await processAuthority();
    const cert = hostCertificate(ca, '127.0.0.1');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-origin-'));
    fs.writeFileSync(path.join(dir, 'cert.pem'), cert.certPem);
    fs.writeFileSync(path.join(dir, 'key.pem'), cert.keyPem);
    tlsCa = ca.certPem;
    tlsStack = await startStack({
      env: { TLS_CERT_FILE: path.join(dir, 'cert.pem'), TLS_KEY_FILE: path.join(dir, 'key.pem') },
    });
    proxied = await startStack({ env: { TRUST_PROXY: '1', PUBLIC_ORIGIN: 'https://xwc.example.com' } });
  });
  afterAll(async () => {
    await tlsStack?.close();
    await proxied?.close();
  });

  /** Whether a logout (a write) and a console upgrade pass the Origin check: 403 ORIGIN_REFUSED, or not. */
  async function passes(s: Stack, origin: string, headers: Record<string, string> = {}, ca?: string) {
    const write = await rawHttp(
      s.baseUrl,
      requestText(s.baseUrl, { method: 'DELETE', target: '/api/session', headers: { origin, ...headers } }),
      { ca },
    );
    const upgrade = await rawHttp(
      s.baseUrl,
      requestText(s.baseUrl, {
        target: `/api/consoles/vm/${uuid(s)}`,
        headers: {
          origin,
          ...headers,
          upgrade: 'websocket',
          connection: 'Upgrade',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
        },
      }),
      { ca },
    );
    const refused = [write, upgrade].map((r) => r.status === 403 && r.body.includes('ORIGIN_REFUSED'));
    expect(refused[0]).toBe(refused[1]);
    return !refused[0];
  }

  it('a plain-HTTP gateway refuses its own host and port under https', async () => {
    const own = new URL(stack.baseUrl);
    expect(await passes(stack, stack.baseUrl)).toBe(true);
    expect(await passes(stack, `https://${own.host}`)).toBe(false);
    expect(await passes(stack, `${stack.baseUrl}/`)).toBe(false);
    expect(await passes(stack, `http://user@${own.host}`)).toBe(false);
  });

  it('a TLS gateway refuses its own host and port under http', async () => {
    const own = new URL(tlsStack.baseUrl);
    expect(tlsStack.baseUrl).toMatch(/^https:/);
    expect(await passes(tlsStack, tlsStack.baseUrl, {}, tlsCa)).toBe(true);
    expect(await passes(tlsStack, `http://${own.host}`, {}, tlsCa)).toBe(false);
  });

  it('behind a proxy with PUBLIC_ORIGIN, only that origin passes', async () => {
    const forwarded = { 'x-forwarded-proto': 'https' };
    expect(await passes(proxied, 'https://xwc.example.com', forwarded)).toBe(true);
    expect(await passes(proxied, 'http://xwc.example.com', forwarded)).toBe(false);
    expect(await passes(proxied, proxied.baseUrl, forwarded)).toBe(false);
    expect(await passes(proxied, proxied.baseUrl)).toBe(false);
  });
});
