import { afterEach, describe, expect, it } from 'vitest';
import { api, readEvents } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack, type StackOptions } from '../support/stack.ts';

/** Faults: the pool moves its master, restarts, hangs, loses a host; the gateway follows and recovers. */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});
async function start(options: StackOptions = {}): Promise<Stack> {
  stack = await startStack(options);
  return stack;
}
/** The user's event stream, read until `stop`, with the pool restarted once the first snapshot is in. */
function eventsAcrossRestart(s: Stack, cookie: string, stop: Parameters<typeof readEvents>[2]) {
  let restarted = false;
  return readEvents(s, cookie, (seen) => {
    if (!restarted && seen.some((e) => e.event === 'snapshot')) {
      restarted = true;
      void s.pool.restart();
    }
    return stop(seen);
  });
}
const openVm = (s: Stack, cookie: string, name: string) =>
  ConsoleClient.open(consoleUrl(s.baseUrl, 'vm', String(s.pool.vm(name).record.uuid)), { cookie, origin: s.baseUrl });

describe('the pool master', () => {
  it('follows HOST_IS_SLAVE when configured with a member’s address', async () => {
    const s = await start();
    await s.gateway.close();
    const { startGateway } = await import('@xwc/proxy');
    const member = s.pool.hosts[2]!;
    s.gateway = await startGateway({
      config: s.config,
      xapiUrl: member.url,
      trust: { kind: 'ca', pem: s.pool.caPem },
      logSink: s.logs,
      auditSink: s.audit,
    });
    const response = await fetch(`${s.gateway.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: s.gateway.url },
      body: JSON.stringify({ username: 'root', password: s.password('root') }),
    });
    expect(response.status).toBe(200);
    expect(s.gateway.context.link.connection.master).toBe(s.pool.master.address);
  });

  it('keeps users logged in and consoles working when the master moves', async () => {
    const s = await start();
    const { cookie } = await s.login('root');
    const before = await openVm(s, cookie, 'Debian 12 web');
    await before.read(12);
    const next = s.pool.hosts[1]!;
    await s.pool.designateMaster(next.uuid);
    const response = await api(s, 'GET', '/api/objects/vm', { cookie });
    expect(response.status).toBe(200);
    const after = await openVm(s, cookie, 'Windows Server 2022');
    expect((await after.read(12)).toString('latin1')).toMatch(/^RFB/);
    after.close();
    expect(s.gateway.context.link.connection.master).toBe(next.address);
    expect(s.logs.lines.some((line) => line.includes('pool master moved'))).toBe(true);
  });
});

describe('the pool fails', () => {
  it('reports a hung XAPI within POOL_TIMEOUT, says so on the event stream, and recovers', async () => {
    const s = await start({ env: { POOL_TIMEOUT: '2' } });
    const { cookie } = await s.login('root');
    await api(s, 'GET', '/api/objects/vm', { cookie });
    await s.pool.setHostState(s.pool.master.uuid, 'hang');
    const vm = String(s.pool.vm('Windows Server 2022').record.uuid);
    const hung = await api(s, 'GET', `/api/objects/vm/${vm}`, { cookie });
    expect(hung.status).toBe(503);
    expect(hung.body).toMatchObject({ error: 'POOL_UNREACHABLE', message: 'The pool did not answer in time.' });
    await s.pool.setHostState(s.pool.master.uuid, 'up');
    expect((await api(s, 'GET', `/api/objects/vm/${vm}`, { cookie })).status).toBe(200);
  });

  it('renews sessions the pool forgot in a restart, without asking users to log in again', async () => {
    const s = await start();
    const { cookie } = await s.login('vmadmin');
    // The stream is told the pool is away, then live again once resynced on the renewed session (as changes: one
    // snapshot, the browser keeps its state).
    const states = (seen: { event: string; data: unknown }[]) =>
      seen.filter((e) => e.event === 'status').map((e) => (e.data as { state: string }).state);
    const events = await eventsAcrossRestart(s, cookie, (seen) => {
      const told = states(seen);
      return (
        (told.includes('reconnecting') && told.lastIndexOf('live') > told.indexOf('reconnecting')) ||
        seen.some((e) => e.event === 'session-ended')
      );
    });
    expect(events.some((e) => e.event === 'session-ended')).toBe(false);
    expect(events.filter((e) => e.event === 'snapshot').length).toBe(1);
    expect(states(events).slice(-2)).toEqual(['reconnecting', 'live']);
    expect((await api(s, 'GET', '/api/objects/vm', { cookie })).status).toBe(200);
    const client = await openVm(s, cookie, 'Windows Server 2022');
    expect((await client.read(12)).toString('latin1')).toMatch(/^RFB/);
    client.close();
    expect(s.audit.json().some((line) => line.event === 'login' && line.reason === 'renewed after pool restart')).toBe(
      true,
    );
  });

  it('asks users to log in again after a pool restart when renewal is turned off', async () => {
    const s = await start({ env: { RELOGIN_AFTER_POOL_RESTART: '0' } });
    const { cookie } = await s.login('vmadmin');
    const events = await eventsAcrossRestart(s, cookie, (seen) => seen.some((e) => e.event === 'session-ended'));
    expect(events.find((e) => e.event === 'session-ended')?.data).toEqual({
      message: expect.stringContaining('log in again'),
    });
    expect((await api(s, 'GET', '/api/objects/vm', { cookie })).status).toBe(401);
  });

  it('never renews a session the pool destroyed on purpose (no restart)', async () => {
    const s = await start();
    const { cookie } = await s.login('vmadmin');
    await api(s, 'GET', '/api/objects/vm', { cookie });
    s.pool.destroySessions('vmadmin');
    expect(
      (await api(s, 'GET', `/api/objects/vm/${s.pool.vm('Windows Server 2022').record.uuid}`, { cookie })).status,
    ).toBe(401);
  });

  it('ends a console when its host stops answering, and serves it again once the host is back', async () => {
    const s = await start();
    const { cookie } = await s.login('root');
    const vm = 'Ubuntu 24.04 build agent';
    const host = s.pool.hosts.find((h) => h.ref === s.pool.vm(vm).record.resident_on)!;
    const client = await openVm(s, cookie, vm);
    await client.read(12);
    await s.pool.setHostState(host.uuid, 'down');
    expect((await client.closed).code).toBe(4010);
    expect((await (await openVm(s, cookie, vm)).closed).code).toBe(4012);
    await s.pool.setHostState(host.uuid, 'up');
    const again = await openVm(s, cookie, vm);
    expect((await again.read(12)).toString('latin1')).toMatch(/^RFB/);
    again.close();
  });
});
