import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, readEvents } from '../support/api.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let root: string;
const uuidOf = (name: string): string => String(stack.pool.vm(name).record.uuid);

beforeAll(async () => {
  stack = await startStack({ env: { LOGIN_FREE_ATTEMPTS: '3' } });
  root = (await stack.login('root')).cookie;
});
afterAll(() => stack?.close());

describe('login', () => {
  it('answers {user, role} and an opaque HttpOnly, SameSite=Strict cookie', async () => {
    const response = await fetch(`${stack.baseUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: stack.baseUrl },
      body: JSON.stringify({ username: 'operator', password: stack.password('operator') }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ user: 'operator', role: 'pool-operator' });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^xwc_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(cookie).not.toContain('OpaqueRef');
  });

  it('reports each role', async () => {
    for (const user of stack.pool.users) {
      if (user.username === 'operator') continue;
      const { role } = await stack.login(user.username);
      expect(role).toBe(user.role);
    }
  });

  it('refuses bad credentials with 401 and a clear message', async () => {
    const response = await api(stack, 'POST', '/api/session', { body: { username: 'vmadmin', password: 'wrong' } });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: 'AUTHENTICATION_FAILED', message: 'Wrong user name or password.' });
  });

  it('rate-limits failed attempts per user name and address with "try again in N s"', async () => {
    const attempt = () => api(stack, 'POST', '/api/session', { body: { username: 'nosuchuser', password: 'nope' } });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      error: 'RATE_LIMITED',
      scope: 'user',
      message: expect.stringMatching(/Try again in \d+ s\./),
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses a malformed body with 400', async () => {
    expect((await api(stack, 'POST', '/api/session', { body: '{"username":' })).status).toBe(400);
    expect((await api(stack, 'POST', '/api/session', { body: { username: 'root' } })).status).toBe(400);
  });

  it('refuses a login from a foreign origin', async () => {
    const response = await api(stack, 'POST', '/api/session', {
      origin: 'https://evil.example',
      body: { username: 'root', password: stack.password('root') },
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ error: 'ORIGIN_REFUSED' });
  });

  it('GET /api/session describes the login and the pool', async () => {
    const response = await api(stack, 'GET', '/api/session', { cookie: root });
    expect(response.body).toEqual({
      user: 'root',
      role: 'pool-admin',
      pool: { uuid: expect.any(String), name: 'Demo pool' },
    });
    expect((await api(stack, 'GET', '/api/session')).status).toBe(401);
  });
});

describe('inventory', () => {
  it('lists records keyed by uuid with their refs', async () => {
    const response = await api<{ class: string; records: Record<string, Record<string, unknown>> }>(
      stack,
      'GET',
      '/api/objects/vm',
      { cookie: root },
    );
    expect(response.status).toBe(200);
    expect(response.body.class).toBe('vm');
    const windows = response.body.records[uuidOf('Windows Server 2022')]!;
    expect(windows).toMatchObject({
      name_label: 'Windows Server 2022',
      power_state: 'Running',
      $ref: expect.stringMatching(/^OpaqueRef:/),
    });
    expect((await api(stack, 'GET', '/api/objects/nothing', { cookie: root })).status).toBe(404);
    expect((await api(stack, 'GET', '/api/objects/vm')).status).toBe(401);
  });

  it('streams a snapshot, then changes made by others', async () => {
    const vm = stack.pool.vm('Ubuntu 24.04 build agent');
    let wrote = false;
    const events = await readEvents(stack, root, (seen) => {
      if (!wrote && seen.some((e) => e.event === 'snapshot')) {
        wrote = true;
        stack.pool.setField('VM', vm.ref, 'name_label', 'Renamed by someone else');
      }
      return seen.some(
        (e) =>
          e.event === 'changes' &&
          (e.data as { op: string; record?: { name_label?: string } }[]).some(
            (c) => c.record?.name_label === 'Renamed by someone else',
          ),
      );
    });
    expect(events[0]!.event).toBe('snapshot');
    const snapshot = events[0]!.data as { records: Record<string, Record<string, unknown>> };
    expect(Object.keys(snapshot.records.host!)).toHaveLength(3);
    const change = events
      .filter((e) => e.event === 'changes')
      .flatMap((e) => e.data as { op: string; class: string; uuid: string }[])
      .find((c) => c.class === 'vm' && c.uuid === vm.record.uuid);
    expect(change).toMatchObject({ op: 'mod', class: 'vm', uuid: vm.record.uuid });
    stack.pool.setField('VM', vm.ref, 'name_label', 'Ubuntu 24.04 build agent');
  });

  it('streams only one VM (with its consoles) to a console window', async () => {
    const vm = stack.pool.vm('Debian 12 web');
    const other = stack.pool.vm('Windows Server 2022');
    const response = await fetch(`${stack.baseUrl}/api/events?vm=${vm.record.uuid}`, {
      headers: { cookie: root },
      signal: AbortSignal.timeout(5000),
    }).catch(() => undefined);
    expect(response?.status).toBe(200);
    const reader = response!.body!.getReader();
    let text = '';
    while (!text.includes('event: snapshot')) text += new TextDecoder().decode((await reader.read()).value);
    while (!/event: snapshot\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const snapshot = JSON.parse(/event: snapshot\ndata: (.*)\n\n/.exec(text)![1]!) as {
      records: Record<string, Record<string, { VM?: string }>>;
    };
    expect(Object.keys(snapshot.records.vm!)).toEqual([vm.record.uuid]);
    expect(Object.keys(snapshot.records.host!)).toHaveLength(3);
    expect(Object.values(snapshot.records.console!).every((c) => c.VM === vm.ref)).toBe(true);
    expect(Object.keys(snapshot.records.console!).length).toBeGreaterThan(0);
    expect(snapshot.records.vdi).toBeUndefined();
    expect(JSON.stringify(snapshot)).not.toContain(String(other.record.uuid));
    expect((await api(stack, 'GET', '/api/events?vm=not-a-uuid', { cookie: root })).status).toBe(400);
  });

  it("streams only a host's control domain (with its consoles) to a host console window", async () => {
    const host = stack.pool.hosts[1]!;
    const hostRef = stack.pool.findRefs('host', (h) => h.uuid === host.uuid)[0]!;
    const dom0 = stack.pool.findRefs('VM', (vm) => vm.is_control_domain === true && vm.resident_on === hostRef);
    expect(dom0).toHaveLength(1);
    const response = await fetch(`${stack.baseUrl}/api/events?host=${host.uuid}`, {
      headers: { cookie: root },
      signal: AbortSignal.timeout(5000),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    let text = '';
    while (!/event: snapshot\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const snapshot = JSON.parse(/event: snapshot\ndata: (.*)\n\n/.exec(text)![1]!) as {
      records: Record<string, Record<string, { VM?: string }>>;
    };
    expect(Object.keys(snapshot.records.vm!)).toEqual([String(stack.pool.record('VM', dom0[0]!).uuid)]);
    expect(Object.keys(snapshot.records.console!).length).toBeGreaterThan(0);
    expect(Object.values(snapshot.records.console!).every((c) => c.VM === dom0[0])).toBe(true);
  });

  it('ends the stream with session-ended when the pool destroys the session', async () => {
    const { cookie } = await stack.login('vmadmin');
    let destroyed = false;
    const events = await readEvents(stack, cookie, (seen) => {
      if (!destroyed && seen.some((e) => e.event === 'snapshot')) {
        destroyed = true;
        stack.pool.destroySessions('vmadmin');
      }
      return seen.some((e) => e.event === 'session-ended');
    });
    const ended = events.find((e) => e.event === 'session-ended');
    expect(ended?.data).toEqual({ message: expect.stringContaining('log in again') });
    expect((await api(stack, 'GET', '/api/session', { cookie })).status).toBe(401);
  });
});

describe('actions', () => {
  it('starts and shuts down a VM, and refuses what the state or role does not allow', async () => {
    const uuid = uuidOf('Windows 10 desktop');
    const start = await api(stack, 'POST', `/api/objects/vm/${uuid}/power`, {
      cookie: root,
      body: { action: 'start' },
    });
    expect(start.status).toBe(200);
    expect(stack.pool.vm('Windows 10 desktop').record.power_state).toBe('Running');
    const again = await api(stack, 'POST', `/api/objects/vm/${uuid}/power`, {
      cookie: root,
      body: { action: 'start' },
    });
    expect(again.status).toBe(409);
    const { cookie: readonly } = await stack.login('readonly');
    const denied = await api(stack, 'POST', `/api/objects/vm/${uuid}/power`, {
      cookie: readonly,
      body: { action: 'shutdown' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'RBAC_PERMISSION_DENIED', permission: 'vm.clean_shutdown' });
    const stop = await api(stack, 'POST', `/api/objects/vm/${uuid}/power`, {
      cookie: root,
      body: { action: 'hard_shutdown' },
    });
    expect(stop.status).toBe(200);
    expect(stack.pool.vm('Windows 10 desktop').record.power_state).toBe('Halted');
    const bad = await api(stack, 'POST', `/api/objects/vm/${uuid}/power`, {
      cookie: root,
      body: { action: 'explode' },
    });
    expect(bad.status).toBe(400);
  });

  it('migrates a running VM live to another host', async () => {
    const target = stack.pool.hosts[0]!;
    const response = await api(stack, 'POST', `/api/objects/vm/${uuidOf('Debian 12 web')}/migrate`, {
      cookie: root,
      body: { host: target.uuid },
    });
    expect(response.status).toBe(200);
    expect(stack.pool.vm('Debian 12 web').record.resident_on).toBe(target.ref);
  });

  it('offers an .rdp file only for guests with Remote Desktop enabled', async () => {
    const response = await fetch(`${stack.baseUrl}/api/objects/vm/${uuidOf('Windows Server 2022')}/rdp`, {
      headers: { cookie: root },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-rdp');
    expect(response.headers.get('content-disposition')).toContain('Windows_Server_2022.rdp');
    expect(await response.text()).toContain('full address:s:10.0.0.21');
    const linux = await api(stack, 'GET', `/api/objects/vm/${uuidOf('Ubuntu 24.04 build agent')}/rdp`, {
      cookie: root,
    });
    expect(linux.status).toBe(404);
  });

  it('logs power actions to the audit log', () => {
    const power = stack.audit.json().filter((line) => line.event === 'power');
    expect(power.some((line) => line.action === 'start' && line.outcome === 'success')).toBe(true);
    expect(power.some((line) => line.outcome === 'failure')).toBe(true);
  });
});

describe('static UI and headers', () => {
  it('sets a strict CSP and the usual security headers on every response', async () => {
    const response = await fetch(`${stack.baseUrl}/api/health`);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('refuses double-slash paths instead of redirecting off-site', async () => {
    const response = await fetch(`${stack.baseUrl}//evil.example/%2e%2e`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});
