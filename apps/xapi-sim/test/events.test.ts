import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { login, ok, rawRequest, post, xmlCall } from './sim-client.ts';
import { xmlrpc } from '@xwc/api-client';

interface EventRecord {
  id: string;
  timestamp: string;
  class: string;
  operation: 'add' | 'mod' | 'del';
  ref: string;
  snapshot?: Record<string, unknown>;
}
interface Batch {
  events: EventRecord[];
  valid_ref_counts: Record<string, number>;
  token: string;
}

let pool: SimulatedPool;
let root: string;

beforeAll(async () => {
  pool = await startPool({ operationMs: 20, authFailureDelayMs: 10 });
  root = await login(pool);
});
afterAll(() => pool.close());

const from = async (session: string, classes: string[], token: string, timeout: number): Promise<Batch> =>
  (await ok(pool, 'event.from', [session, classes, token, timeout])) as unknown as Batch;

const currentToken = async (session = root): Promise<string> => (await from(session, ['pool'], '', 0)).token;

describe('event.from', () => {
  it('wakes on a change made by another session', async () => {
    const watcher = await login(pool, 'readonly');
    const writer = await login(pool, 'vmadmin');
    const vm = pool.vm('Windows 10 desktop').ref;
    const token = await currentToken(watcher);
    // Far longer than the test may run: the batch can only come from the write waking the call.
    const pending = from(watcher, ['vm'], token, 3600);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await ok(pool, 'VM.add_to_other_config', [writer, vm, 'woken', 'yes']);
    const batch = await pending;
    expect(batch.events).toHaveLength(1);
    expect(batch.events[0]).toMatchObject({ class: 'vm', operation: 'mod', ref: vm, timestamp: '0.0' });
    expect(batch.events[0]!.snapshot!.other_config).toMatchObject({ woken: 'yes' });
  });

  it('starts from "" with an add for every object, and formats the token as two 20-digit numbers', async () => {
    const batch = await from(root, ['VM'], '', 0);
    expect(batch.token).toMatch(/^\d{20},0{20}$/);
    expect(batch.events.every((e) => e.operation === 'add' && e.class === 'vm')).toBe(true);
    expect(batch.events.map((e) => e.ref).sort()).toEqual(pool.findRefs('VM').sort());
    const sample = batch.events[0]!;
    expect(sample.snapshot).toEqual(await ok(pool, 'VM.get_record', [root, sample.ref]));
    expect(Number(sample.id)).toBeGreaterThan(0);
  });

  it('reports counts for every table', async () => {
    const batch = await from(root, ['pool'], '', 0);
    expect(batch.valid_ref_counts.vm).toBe(pool.findRefs('VM').length);
    expect(batch.valid_ref_counts.vm_guest_metrics).toBe(pool.findRefs('VM_guest_metrics').length);
    expect(Object.keys(batch.valid_ref_counts)).toEqual(expect.arrayContaining(['console', 'pif', 'task', 'host']));
    const raw = await rawRequest(pool, post('/', xmlrpc.encodeCall('event.from', [root, ['pool'], '', 0])));
    expect(raw.body.toString()).toMatch(/<member><name>vm<\/name><value><i4>\d+<\/i4><\/value><\/member>/);
  });

  it('times out with an empty batch and an advanced token', async () => {
    const token = await currentToken();
    const batch = await from(root, ['vm'], token, 0.05);
    expect(batch.events).toEqual([]);
    expect(batch.token >= token).toBe(true);
  });

  it('does not wake for classes it was not asked about', async () => {
    const token = await currentToken();
    const vm = pool.vm('Windows 10 desktop').ref;
    const poolRef = pool.findRefs('pool')[0]!;
    const pending = from(root, ['pool'], token, 10);
    await ok(pool, 'VM.add_to_other_config', [root, vm, 'unrelated', '1']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await ok(pool, 'pool.add_to_other_config', [root, poolRef, 'related', '1']);
    const batch = await pending;
    expect(batch.events.map((e) => [e.class, e.operation, e.ref])).toEqual([['pool', 'mod', poolRef]]);
  });

  it('filters by object with <class>/<ref>', async () => {
    const [a, b] = ['Windows 10 desktop', 'CentOS 7 legacy'].map((n) => pool.vm(n).ref) as [string, string];
    const token = await currentToken();
    await ok(pool, 'VM.add_to_other_config', [root, a, 'filter-a', '1']);
    await ok(pool, 'VM.add_to_other_config', [root, b, 'filter-b', '1']);
    const batch = await from(root, [`vm/${b}`], token, 1);
    expect(batch.events.map((e) => e.ref)).toEqual([b]);
  });

  it('reports a reboot as console adds, VM mods and console dels, in that order, dels without snapshot', async () => {
    const vm = pool.vm('Debian 12 web').ref;
    const oldConsoles = pool.vm(vm).record.consoles as string[];
    const token = await currentToken();
    await ok(pool, 'VM.hard_reboot', [root, vm]);
    const batch = await from(root, ['vm', 'console'], token, 1);
    const ops = batch.events.map((e) => e.operation);
    expect(ops).toEqual([...ops].sort((x, y) => ['add', 'mod', 'del'].indexOf(x) - ['add', 'mod', 'del'].indexOf(y)));
    const dels = batch.events.filter((e) => e.operation === 'del');
    expect(dels.map((e) => e.ref).sort()).toEqual([...oldConsoles].sort());
    for (const del of dels) expect('snapshot' in del).toBe(false);
    const adds = batch.events.filter((e) => e.operation === 'add');
    expect(adds.map((e) => e.ref).sort()).toEqual([...(pool.vm(vm).record.consoles as string[])].sort());
    expect(batch.events.filter((e) => e.operation === 'mod').map((e) => e.ref)).toContain(vm);
  });

  it('reports nothing for objects created and destroyed between two tokens', async () => {
    const vm = pool.vm('CentOS 7 legacy').ref;
    await ok(pool, 'VM.remove_from_other_config', [root, vm, 'disable_pv_vnc']);
    const token = await currentToken();
    await ok(pool, 'VM.start', [root, vm, false, false]);
    await ok(pool, 'VM.hard_shutdown', [root, vm]);
    const batch = await from(root, ['console', 'vm'], token, 1);
    expect(batch.events.filter((e) => e.class === 'console')).toEqual([]);
    expect(batch.events.filter((e) => e.class === 'vm').map((e) => [e.operation, e.ref])).toEqual([['mod', vm]]);
  });

  it('wakes with SESSION_INVALID when the session is logged out while it waits', async () => {
    const session = await login(pool, 'vmoperator');
    const token = await currentToken(session);
    const pending = xmlCall(pool, 'event.from', [session, ['vm'], token, 30]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await ok(pool, 'session.logout', [session]);
    expect(await pending).toEqual({ ok: false, code: 'SESSION_INVALID', params: [session] });
  });

  it('wakes with SESSION_INVALID when the toolstack destroys the session', async () => {
    const session = await login(pool, 'vmoperator');
    // A token from the same subscription: one for ['pool'] alone carries no message generation.
    const token = (await from(session, ['*'], '', 0)).token;
    const pending = xmlCall(pool, 'event.from', [session, ['*'], token, 30]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    pool.destroySessions('vmoperator');
    expect(await pending).toEqual({ ok: false, code: 'SESSION_INVALID', params: [session] });
  });
});

describe('event.inject', () => {
  it('returns a token after which the object shows as modified', async () => {
    const poolRef = pool.findRefs('pool')[0]!;
    const token = (await ok(pool, 'event.inject', [root, 'pool', poolRef])) as string;
    expect(token).toMatch(/^\d{20},0{20}$/);
    const batch = await from(root, ['pool'], token, 1);
    expect(batch.events.map((e) => [e.class, e.operation, e.ref])).toEqual([['pool', 'mod', poolRef]]);
  });

  it('refuses a ref of another class', async () => {
    const vm = pool.vm('Debian 12 web').ref;
    expect(await xmlCall(pool, 'event.inject', [root, 'pool', vm])).toEqual({
      ok: false,
      code: 'HANDLE_INVALID',
      params: ['pool', vm],
    });
  });
});

describe('out-of-band changes', () => {
  it('setField emits an event like any write', async () => {
    const host = pool.master.ref;
    const token = await currentToken();
    pool.setField('host', host, 'name_description', 'rack 4');
    const batch = await from(root, ['host'], token, 1);
    expect(batch.events).toEqual([expect.objectContaining({ operation: 'mod', ref: host })]);
    expect(batch.events[0]!.snapshot!.name_description).toBe('rack 4');
  });
});
