import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, readEvents } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Case 2. Drives the gateway through logins (good and bad), the inventory, the event stream, consoles that
 * work and consoles that fail, extension writes that fail, a session destroyed by the pool and a
 * logout, recording every byte the browser side could see and every log line; then checks that no
 * XAPI session ref and no password appears anywhere in it.
 */
let stack: Stack;
const seen: string[] = [];
const sessionRefs = new Set<string>();
const passwords = new Set<string>();

function collectSessions(): void {
  for (const ref of stack.pool.findRefs('session')) sessionRefs.add(ref);
}

async function record(response: Awaited<ReturnType<typeof api>>): Promise<void> {
  seen.push(response.text);
  response.headers.forEach((value, name) => seen.push(`${name}: ${value}`));
}

beforeAll(async () => {
  stack = await startStack({ env: { CONSOLES_PER_USER: '2' } });
  for (const user of stack.pool.users) passwords.add(user.password);
  passwords.add('a-wrong-password-typed-by-someone');

  const logins = new Map<string, string>();
  for (const user of stack.pool.users) {
    const response = await api(stack, 'POST', '/api/session', {
      body: { username: user.username, password: user.password },
    });
    await record(response);
    logins.set(user.username, response.headers.get('set-cookie')!.split(';')[0]!);
    collectSessions();
  }
  await record(
    await api(stack, 'POST', '/api/session', {
      body: { username: 'root', password: 'a-wrong-password-typed-by-someone' },
    }),
  );
  const root = logins.get('root')!;
  for (const path of [
    '/api/session',
    '/api/objects/vm',
    '/api/objects/console',
    '/api/objects/host',
    '/api/objects/task',
  ]) {
    await record(await api(stack, 'GET', path, { cookie: root }));
  }
  const events = await readEvents(stack, root, (all) => all.some((e) => e.event === 'snapshot'));
  seen.push(JSON.stringify(events));

  const windows = String(stack.pool.vm('Windows Server 2022').record.uuid);
  const halted = String(stack.pool.vm('Windows 10 desktop').record.uuid);
  const consoles: [string, string][] = [
    [root, windows],
    [root, halted],
    [logins.get('readonly')!, windows],
    [root, '00000000-0000-4000-8000-000000000000'],
  ];
  for (const [cookie, uuid] of consoles) {
    const client = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuid), { cookie, origin: stack.baseUrl });
    if (client.refused) seen.push(client.refused.body);
    else {
      await new Promise((resolve) => setTimeout(resolve, 200));
      seen.push(client.bytes.toString('latin1'));
      client.close();
      const closed = await client.closed;
      seen.push(closed.reason);
    }
  }
  const vmadmin = logins.get('vmadmin')!;
  const network = Object.keys(
    (await api<{ records: Record<string, unknown> }>(stack, 'GET', '/api/objects/network', { cookie: root })).body
      .records,
  )[0]!;
  await record(
    await api(stack, 'PATCH', `/api/objects/network/${network}/extensions`, {
      cookie: vmadmin,
      body: { MTU: '9000', 'other_config:automatic': 'false' },
    }),
  );
  await record(
    await api(stack, 'PATCH', `/api/objects/vm/${windows}/extensions`, { cookie: root, body: { 'bad key': 'x' } }),
  );
  stack.pool.destroySessions('operator');
  await record(await api(stack, 'GET', '/api/objects/vm', { cookie: logins.get('operator')! }));
  await record(await api(stack, 'DELETE', '/api/session', { cookie: root }));
  collectSessions();
  await new Promise((resolve) => setTimeout(resolve, 200));
});
afterAll(() => stack?.close());

describe('nothing secret reaches the browser or the logs', () => {
  it('saw real traffic and real secrets to look for', () => {
    expect(sessionRefs.size).toBeGreaterThanOrEqual(stack.pool.users.length);
    expect(seen.join('').length).toBeGreaterThan(10_000);
    expect(stack.logs.lines.length).toBeGreaterThan(0);
    expect(stack.audit.lines.length).toBeGreaterThan(10);
  });

  it.each([
    ['response bodies, headers, WebSocket bytes and close reasons', () => seen],
    ['operational log lines', () => stack.logs.lines],
    ['audit log lines', () => stack.audit.lines],
  ])('%s hold no session ref and no password', (_what, lines) => {
    const text = lines().join('\n');
    for (const ref of sessionRefs) expect(text.includes(ref), `session ref leaked`).toBe(false);
    for (const password of passwords) expect(text.includes(password), `password leaked`).toBe(false);
  });
});

describe('nothing secret is built into the UI bundle', () => {
  it('holds no password, session ref or private key', () => {
    const dist = path.resolve(import.meta.dirname, '../../apps/web/dist');
    expect(fs.existsSync(path.join(dist, 'index.html')), 'build the UI first (npx vite build)').toBe(true);
    const files = fs
      .readdirSync(dist, { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(js|html|css|map)$/.test(f));
    expect(files.some((f) => f.endsWith('.js'))).toBe(true);
    for (const file of files) {
      const text = fs.readFileSync(path.join(dist, file), 'utf8');
      expect(text, file).not.toMatch(/OpaqueRef:[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(text, file).not.toContain('-----BEGIN');
      expect(text, file).not.toContain('xenroot');
      for (const password of passwords) expect(text.includes(password), `${file} holds a password`).toBe(false);
    }
  });
});
