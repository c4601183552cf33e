import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { login, ok, openTls, post, readResponse, xmlCall } from './sim-client.ts';
import { xmlrpc } from '@xwc/api-client';

let pool: SimulatedPool;

beforeAll(async () => {
  pool = await startPool({ operationMs: 10, authFailureDelayMs: 10, restartDowntimeMs: 100 });
});
afterAll(() => pool.close());

/** Whether anything accepts TCP connections on the host's port. */
const accepts = (address: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: address, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

describe('host states', () => {
  it('down refuses connections and marks the host not live; up serves again', async () => {
    const host = pool.hosts[2]!;
    const port = Number(new URL(host.url).port);
    await pool.setHostState(host.ref, 'down');
    expect(await accepts(host.address, port)).toBe(false);
    expect(pool.record('host_metrics', pool.record('host', host.ref).metrics as string).live).toBe(false);
    const root = await login(pool);
    const vm = pool.vm('Windows 10 desktop').ref;
    expect(await xmlCall(pool, 'VM.start_on', [root, vm, host.ref, false, false])).toEqual({ ok: true, value: '' });
    await ok(pool, 'VM.hard_shutdown', [root, vm]);
    expect(await xmlCall(pool, 'VM.pool_migrate', [root, pool.vm('Debian 12 web').ref, host.ref, {}])).toEqual({
      ok: false,
      code: 'HOST_OFFLINE',
      params: [host.ref],
    });
    await pool.setHostState(host.ref, 'up');
    expect(await accepts(host.address, port)).toBe(true);
    expect(await xmlCall(pool, 'pool.get_all', [root], host)).toMatchObject({ code: 'HOST_IS_SLAVE' });
  });

  it('hang accepts and never answers', async () => {
    const host = pool.master;
    await pool.setHostState(host.ref, 'hang');
    try {
      const socket = await openTls(pool, host);
      socket.write(post('/', xmlrpc.encodeCall('system.listMethods', [])));
      await expect(readResponse(socket, 300)).rejects.toThrow(/no complete response/);
      socket.destroy();
    } finally {
      await pool.setHostState(host.ref, 'up');
    }
    expect((await xmlCall(pool, 'session.login_with_password', ['root', 'xenroot'])).ok).toBe(true);
  });
});

describe('toolstack restart', () => {
  it('invalidates every session, drops connections, comes back, and rewrites console URLs to ?ref=', async () => {
    const root = await login(pool);
    const vm = pool.vm('Windows Server 2022').ref;
    const console = (pool.vm(vm).record.consoles as string[])[0]!;
    expect(pool.record('console', console).location).toContain('/console?uuid=');
    const restarting = pool.restart();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await accepts(pool.master.address, Number(new URL(pool.master.url).port))).toBe(false);
    await restarting;
    expect(await xmlCall(pool, 'pool.get_all', [root])).toEqual({ ok: false, code: 'SESSION_INVALID', params: [root] });
    expect(pool.record('console', console).location).toBe(
      `${pool.hosts.find((h) => h.ref === pool.vm(vm).record.resident_on)!.url}/console?ref=${console}`,
    );
    expect((await xmlCall(pool, 'session.login_with_password', ['root', 'xenroot'])).ok).toBe(true);
  });
});

describe('pool.designate_new_master', () => {
  it('moves the master: the old one answers HOST_IS_SLAVE, sessions start over', async () => {
    const admin = await login(pool, 'admin');
    const oldMaster = pool.master;
    const next = pool.hosts.find((h) => h !== oldMaster)!;
    expect(await ok(pool, 'pool.designate_new_master', [admin, next.ref])).toBe('');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(pool.master).toBe(next);
    expect(await xmlCall(pool, 'session.login_with_password', ['root', 'xenroot'], oldMaster)).toEqual({
      ok: false,
      code: 'HOST_IS_SLAVE',
      params: [next.address],
    });
    const login2 = await xmlCall(pool, 'session.login_with_password', ['admin', pool.users[1]!.password], next);
    expect(login2.ok).toBe(true);
    expect(await xmlCall(pool, 'pool.get_all', [admin], next)).toEqual({
      ok: false,
      code: 'SESSION_INVALID',
      params: [admin],
    });
    expect(pool.rpcUrl).toBe(`${next.url}/`);
  });
});
