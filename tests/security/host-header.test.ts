import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@xwc/proxy';
import { rawHttp, requestText, type RawRequest } from '../support/raw-http.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Case 18: DNS rebinding. A page on evil.example that makes its name resolve to the gateway is same-origin with it,
 * so its requests carry a matching Origin; only `Host: evil.example:PORT` gives it away. Such requests, and any
 * with a Host the gateway was not configured for, are refused before anything else happens.
 */

let stack: Stack;
let configured: Stack;
let cookie: string;
let port: string;

beforeAll(async () => {
  stack = await startStack();
  configured = await startStack({
    env: {
      ALLOWED_HOSTS: 'xwc.example.com, other.example:8443, [2001:db8::5]',
      PUBLIC_ORIGIN: 'https://public.example',
    },
  });
  cookie = (await stack.login('root')).cookie;
  port = new URL(stack.baseUrl).port;
});
afterAll(async () => {
  await stack?.close();
  await configured?.close();
});

const uuid = (s: Stack) => String(s.pool.vm('Windows Server 2022').record.uuid);
const send = (s: Stack, request: RawRequest) => rawHttp(s.baseUrl, requestText(s.baseUrl, request));
const upgradeHeaders = {
  upgrade: 'websocket',
  connection: 'Upgrade',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  'sec-websocket-version': '13',
};

/** What a rebinding page can send: its own name as Host and, being same-origin, its own origin. */
const asAttacker = (host: string): Record<string, string> => ({ cookie, origin: `http://${host}` });

describe('18. a rebinding attacker’s host name is refused', () => {
  it.each([
    ['GET /', { target: '/' }],
    ['GET /assets/…', { target: '/assets/index.js' }],
    ['GET /api/session', { target: '/api/session' }],
    ['GET /api/health', { target: '/api/health' }],
    ['GET /api/objects/vm', { target: '/api/objects/vm' }],
    ['POST /api/session', { method: 'POST', target: '/api/session', body: '{"username":"root","password":"x"}' }],
    ['DELETE /api/session', { method: 'DELETE', target: '/api/session' }],
  ] as const)('%s gets 421 and a short explanation', async (_what, request) => {
    const host = `evil.example:${port}`;
    const response = await send(stack, {
      ...request,
      host,
      headers: { ...asAttacker(host), ...('body' in request ? { 'content-type': 'application/json' } : {}) },
    });
    expect(response.status).toBe(421);
    expect(response.body).toContain('does not answer to that host name');
    if (request.target.startsWith('/api/')) expect(JSON.parse(response.body)).toMatchObject({ error: 'HOST_REFUSED' });
    expect(response.body).not.toMatch(/"user"|OpaqueRef|<html/i);
  });

  it('a console upgrade gets 421 and opens nothing', async () => {
    const audited = stack.audit.lines.length;
    const host = `evil.example:${port}`;
    const response = await send(stack, {
      target: `/api/consoles/vm/${uuid(stack)}`,
      host,
      headers: { ...asAttacker(host), ...upgradeHeaders },
    });
    expect(response.status).toBe(421);
    expect(JSON.parse(response.body)).toMatchObject({ error: 'HOST_REFUSED' });
    expect(stack.audit.lines.slice(audited).some((line) => line.includes('console-open'))).toBe(false);
  });

  it.each([
    ['a foreign name without a port', 'evil.example'],
    ['a loopback name on another port', 'localhost:1'],
    ['a loopback name without the port', '127.0.0.1'],
    ['a look-alike', '127.0.0.1.evil.example:PORT'],
    ['a trailing dot', `localhost.:PORT`],
  ])('refuses %s with 421', async (_what, host) => {
    const response = await send(stack, {
      target: '/api/session',
      host: host.replace('PORT', port),
      headers: { cookie },
    });
    expect(response.status).toBe(421);
  });

  it.each([
    ['userinfo', 'user@127.0.0.1:PORT'],
    ['a path', '127.0.0.1:PORT/x'],
    ['a port out of range', '127.0.0.1:99999'],
    ['an empty port', '127.0.0.1:'],
    ['a space', '127.0.0.1 :PORT'],
    ['an IPv6 zone', '[fe80::1%eth0]:PORT'],
  ])('refuses a Host with %s as malformed (400)', async (_what, host) => {
    const response = await send(stack, { target: '/api/session', host: host.replace('PORT', port) });
    expect(response.status).toBe(400);
  });

  it('refuses a request without Host (HTTP/1.0 may omit it) and one naming another host in its target', async () => {
    const missing = await send(stack, { target: '/api/health', host: null, version: '1.0' });
    expect(missing.status).toBe(400);
    expect(missing.body).toContain('no Host header');
    const missing11 = await send(stack, { target: '/api/health', host: null });
    expect(missing11.status).toBe(400);
    const absolute = await send(stack, { target: `http://evil.example:${port}/api/health` });
    expect(absolute.status).toBe(400);
    expect(absolute.body).toContain('request target must be a path');
  });
});

describe('18. the names the gateway is configured for are served', () => {
  it.each(['127.0.0.1:PORT', 'localhost:PORT', 'LOCALHOST:PORT', '[::1]:PORT'])(
    'accepts %s by default',
    async (host) => {
      const h = host.replace('PORT', port);
      const response = await send(stack, { target: '/api/session', host: h, headers: { cookie } });
      expect(response.status).toBe(200);
      const write = await send(stack, {
        method: 'POST',
        target: `/api/objects/vm/${uuid(stack)}/power`,
        host: h,
        headers: { cookie, origin: `http://${h}`, 'content-type': 'application/json' },
        body: '{"action":"nonsense"}',
      });
      expect(write.status).toBe(400);
      const upgrade = await send(stack, {
        target: `/api/consoles/vm/${uuid(stack)}`,
        host: h,
        headers: { cookie, origin: `http://${h}`, ...upgradeHeaders },
      });
      expect(upgrade.status).toBe(101);
    },
  );

  it('HTTP/1.0 with a Host is served', async () => {
    const response = await send(stack, { target: '/api/health', version: '1.0' });
    expect(response.status).toBe(200);
  });

  it('accepts ALLOWED_HOSTS entries (any port unless one is given) and the host of PUBLIC_ORIGIN', async () => {
    const status = async (host: string) => (await send(configured, { target: '/api/health', host })).status;
    expect(await status('xwc.example.com')).toBe(200);
    expect(await status('XWC.example.com:8080')).toBe(200);
    expect(await status('other.example:8443')).toBe(200);
    expect(await status('other.example:8444')).toBe(421);
    expect(await status('other.example')).toBe(421);
    expect(await status('[2001:db8::5]:8080')).toBe(200);
    expect(await status('[2001:db8:0::5]')).toBe(200);
    expect(await status('public.example')).toBe(200);
    expect(await status('public.example:443')).toBe(200);
    expect(await status('public.example:8443')).toBe(421);
    expect(await status('evil.example')).toBe(421);
    expect(await status(new URL(configured.baseUrl).host)).toBe(200);
  });

  it('says which hosts it accepts at start-up', () => {
    const line = stack.logs.json().find((l) => l.msg === 'gateway listening')!;
    expect(line.allowedHosts).toEqual(expect.arrayContaining([`localhost:${port}`, `127.0.0.1:${port}`]));
  });

  it('ALLOWED_HOSTS entries must be host names or addresses', () => {
    for (const bad of ['http://x.example', 'x.example/app', 'u@x.example', 'x.example:0', '::1', 'x .example']) {
      expect(() => loadConfig({ ALLOWED_HOSTS: bad })).toThrow(/ALLOWED_HOSTS entry/);
    }
  });
});
