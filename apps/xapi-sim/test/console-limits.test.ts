import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { consoleOf, htmlPage, openViewer, refusal, statusLine, type Viewer } from './console-client.ts';
import { jsonCall, login, ok, until, xmlCall } from './sim-client.ts';

let pool: SimulatedPool;
let poolRef: string;
const s: Record<string, string> = {};
const viewers: Viewer[] = [];

beforeAll(async () => {
  pool = await startPool({ operationMs: 10, authFailureDelayMs: 10 });
  poolRef = pool.findRefs('pool')[0]!;
  for (const user of ['root', 'admin', 'operator', 'vmadmin', 'vmoperator', 'readonly'])
    s[user] = await login(pool, user);
});
afterEach(async () => {
  for (const v of viewers.splice(0)) v.socket.destroy();
  await ok(pool, 'pool.set_limit_console_sessions', [s.root!, poolRef, false]);
});
afterAll(() => pool.close());

const view = async (vm: string, protocol: 'rfb' | 'vt100', session: string): Promise<Viewer> => {
  const viewer = await openViewer(pool, consoleOf(pool, vm, protocol), session);
  viewers.push(viewer);
  return viewer;
};
const limit = (on: boolean) => ok(pool, 'pool.set_limit_console_sessions', [s.root!, poolRef, on]);
const limitPage = (version: string, vm: string, who: string): string =>
  htmlPage(
    version,
    '503 Connection Limit Exceeded',
    `<html><body><h1>Connection Limit Exceeded</h1><p>${who} currently connected to this console (VM ${vm}). ` +
      'No more connections are allowed when limit_console_sessions is enabled.</p></body></html>',
  );
/** A fresh session whose `auth_user_name` reads `name`, as an external user's or an older release's root would. */
const sessionNamed = async (name: string): Promise<string> => {
  const session = await login(pool, 'vmoperator');
  pool.setField('session', session, 'auth_user_name', name);
  return session;
};

describe('503 Connection Limit Exceeded', () => {
  it("names the one user holding the VM in xapi's page, the status line following the request's version", async () => {
    const vm = pool.vm('Windows Server 2022').ref;
    await view(vm, 'rfb', s.vmadmin!);
    await limit(true);
    const target = consoleOf(pool, vm, 'rfb');
    expect(await refusal(pool, target, s.vmoperator!)).toBe(limitPage('1.0', vm, "User 'vmadmin' is"));
    expect(await refusal(pool, target, s.vmoperator!, '1.1')).toBe(limitPage('1.1', vm, "User 'vmadmin' is"));
  });

  it('names every holder, most recent connection first, HTML-escaped', async () => {
    const vm = pool.vm('Ubuntu 24.04 build agent').ref;
    await view(vm, 'rfb', s.vmadmin!);
    await view(vm, 'rfb', await sessionNamed(`<b>&'"`));
    await limit(true);
    expect(await refusal(pool, consoleOf(pool, vm, 'rfb'), s.vmoperator!)).toBe(
      limitPage('1.0', vm, "Users '&lt;b&gt;&amp;&apos;&quot;, vmadmin' are"),
    );
  });

  it('prints an empty auth_user_name as it is', async () => {
    const vm = pool.vm('<img src=x onerror=alert(1)>').ref;
    await view(vm, 'rfb', await sessionNamed(''));
    await limit(true);
    expect(await refusal(pool, consoleOf(pool, vm, 'rfb'), s.vmoperator!)).toBe(limitPage('1.0', vm, "User '' is"));
  });
});

describe('one connection per VM, whichever console', () => {
  it("a PV guest's rfb and vt100 consoles share the slot; other VMs are not affected", async () => {
    const vm = pool.vm('Debian 12 web').ref;
    const held = await view(vm, 'vt100', s.vmadmin!);
    await limit(true);
    expect(await refusal(pool, consoleOf(pool, vm, 'rfb'), s.vmoperator!)).toBe(
      limitPage('1.0', vm, "User 'vmadmin' is"),
    );
    await view(pool.vm('Windows Server 2022').ref, 'rfb', s.vmoperator!);
    held.socket.destroy();
    // The slot frees when the holder's connection closes; then the other console of the VM may take it.
    await until(
      async () => (await statusLine(pool, consoleOf(pool, vm, 'vt100'), s.vmoperator!)) === 'HTTP/1.1 200 OK',
      'the slot to free up',
    );
  });

  it("a host console's slot is its control domain's: one per host", async () => {
    const [first, second] = pool.hosts.slice(1).map((h) => pool.record('host', h.ref).control_domain as string);
    await view(first!, 'rfb', s.admin!);
    await limit(true);
    expect(await refusal(pool, consoleOf(pool, first!, 'vt100'), s.root!)).toBe(
      limitPage('1.0', first!, "User 'admin' is"),
    );
    const other = await view(second!, 'vt100', s.root!);
    expect(other.closed()).toBe(false);
  });

  it('counts connections opened while the limit was off, one by one even within a session', async () => {
    const vm = pool.vm('Windows Server 2022').ref;
    const a = await view(vm, 'rfb', s.vmoperator!);
    const b = await view(vm, 'rfb', s.vmoperator!);
    await limit(true);
    const target = consoleOf(pool, vm, 'rfb');
    expect(await refusal(pool, target, s.admin!)).toBe(limitPage('1.0', vm, "Users 'vmoperator, vmoperator' are"));
    a.socket.destroy();
    await until(() => a.closed(), 'the first viewer to close');
    // The other connection of the same session still holds the VM.
    await until(
      async () => (await refusal(pool, target, s.admin!)) === limitPage('1.0', vm, "User 'vmoperator' is"),
      'one holder left',
    );
    b.socket.destroy();
    await until(async () => (await statusLine(pool, target, s.admin!)) === 'HTTP/1.1 200 OK', 'the slot to free up');
  });
});

describe('console limit and idle timeout settings', () => {
  const denied = (permission: string, ...roles: string[]) => ({
    ok: false,
    code: 'RBAC_PERMISSION_DENIED',
    params: [permission, `No permission in user session. (Roles with this permission: ${roles.join(', ')})`],
  });
  const host = () => pool.hosts[1]!.ref;

  it('pool.limit_console_sessions and vm_console_idle_timeout: pool-operator writes, anyone reads (XML-RPC)', async () => {
    expect(await xmlCall(pool, 'pool.set_vm_console_idle_timeout', [s.operator!, poolRef, 300])).toEqual({
      ok: true,
      value: '',
    });
    expect(await xmlCall(pool, 'pool.get_vm_console_idle_timeout', [s.readonly!, poolRef])).toEqual({
      ok: true,
      value: '300',
    });
    expect(await xmlCall(pool, 'pool.set_vm_console_idle_timeout', [s.vmadmin!, poolRef, 1])).toEqual(
      denied('pool.set_vm_console_idle_timeout', 'pool-admin', 'pool-operator'),
    );
    // An implicit setter: xapi stores a negative value, which its idle monitor reads as off.
    expect(await xmlCall(pool, 'pool.set_vm_console_idle_timeout', [s.operator!, poolRef, -5])).toEqual({
      ok: true,
      value: '',
    });
    expect(pool.record('pool', poolRef).vm_console_idle_timeout).toBe(-5);
    await ok(pool, 'pool.set_vm_console_idle_timeout', [s.root!, poolRef, 0]);
    expect(await xmlCall(pool, 'pool.set_limit_console_sessions', [s.vmadmin!, poolRef, true])).toEqual(
      denied('pool.set_limit_console_sessions', 'pool-admin', 'pool-operator'),
    );
    expect(await xmlCall(pool, 'pool.get_limit_console_sessions', [s.readonly!, poolRef])).toEqual({
      ok: true,
      value: false,
    });
  });

  it('the same over JSON-RPC', async () => {
    expect(await jsonCall(pool, 'pool.set_limit_console_sessions', [s.operator!, poolRef, true])).toMatchObject({
      ok: true,
      result: '',
    });
    expect(await jsonCall(pool, 'pool.get_limit_console_sessions', [s.readonly!, poolRef])).toMatchObject({
      ok: true,
      result: true,
    });
    expect(await jsonCall(pool, 'pool.set_vm_console_idle_timeout', [s.vmadmin!, poolRef, 1])).toMatchObject(
      denied('pool.set_vm_console_idle_timeout', 'pool-admin', 'pool-operator'),
    );
    expect(await jsonCall(pool, 'host.set_console_idle_timeout', [s.operator!, host(), 60])).toMatchObject(
      denied('host.set_console_idle_timeout', 'pool-admin'),
    );
    expect(await jsonCall(pool, 'host.set_console_idle_timeout', [s.admin!, host(), 60])).toMatchObject({
      ok: true,
      result: '',
    });
    expect(await jsonCall(pool, 'host.get_console_idle_timeout', [s.readonly!, host()])).toMatchObject({
      ok: true,
      result: 60,
    });
    await ok(pool, 'host.set_console_idle_timeout', [s.admin!, host(), 0]);
  });

  it('host.console_idle_timeout: only pool-admin sets it, through its own call that refuses negative values', async () => {
    expect(await xmlCall(pool, 'host.set_console_idle_timeout', [s.operator!, host(), 60])).toEqual(
      denied('host.set_console_idle_timeout', 'pool-admin'),
    );
    expect(await xmlCall(pool, 'host.set_console_idle_timeout', [s.admin!, host(), -5])).toEqual({
      ok: false,
      code: 'INVALID_VALUE',
      params: ['console_timeout', '-5'],
    });
    expect(await ok(pool, 'host.set_console_idle_timeout', [s.admin!, host(), 60])).toBe('');
    expect(await ok(pool, 'host.get_console_idle_timeout', [s.readonly!, host()])).toBe('60');
    await ok(pool, 'host.set_console_idle_timeout', [s.admin!, host(), 0]);
  });

  it('pool.set_console_idle_timeout sets every host, and names the hosts that refused', async () => {
    expect(await xmlCall(pool, 'pool.set_console_idle_timeout', [s.operator!, poolRef, 30])).toEqual(
      denied('pool.set_console_idle_timeout', 'pool-admin'),
    );
    expect(await ok(pool, 'pool.set_console_idle_timeout', [s.admin!, poolRef, 30])).toBe('');
    expect(pool.hosts.map((h) => pool.record('host', h.ref).console_idle_timeout)).toEqual([30, 30, 30]);
    expect(await xmlCall(pool, 'pool.set_console_idle_timeout', [s.admin!, poolRef, -1])).toEqual({
      ok: false,
      code: 'SET_CONSOLE_TIMEOUT_PARTIALLY_FAILED',
      params: pool.findRefs('host').reverse(),
    });
    await ok(pool, 'pool.set_console_idle_timeout', [s.admin!, poolRef, 0]);
  });
});
