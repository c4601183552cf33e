import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
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
