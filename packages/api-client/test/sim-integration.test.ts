import { startPool, type SimulatedPool } from '@xwc/xapi-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XapiConnection } from '../src/connection.ts';
import { XapiError, XapiTransportError } from '../src/errors.ts';
import { watchEvents, type EventBatch } from '../src/events.ts';
import { CLASS_NAMES, POWER_STATES, type KnownClass } from '../src/schema.ts';
import type { XapiSession } from '../src/session.ts';
import { caTrust, fingerprintTrust } from '../src/trust.ts';

const TRANSPORTS = ['json-rpc', 'xml-rpc'] as const;

let pool: SimulatedPool;
const connections: XapiConnection[] = [];

beforeAll(async () => {
  pool = await startPool({ authFailureDelayMs: 20 });
});

afterAll(async () => {
  for (const connection of connections) connection.close();
  await pool?.close();
});

function connect(url: string, transport: 'json-rpc' | 'xml-rpc' | 'auto' = 'auto'): XapiConnection {
  const connection = new XapiConnection({ url, transport, trust: caTrust(pool.caPem), timeoutMs: 10_000 });
  connections.push(connection);
  return connection;
}

function user(role: string): { username: string; password: string } {
  const found = pool.users.find((u) => u.username !== 'root' && u.role === role);
  if (!found) throw new Error(`the simulator has no ${role} user`);
  return found;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => error,
  );
}

/** Reads batches until `done` accepts one, bounded by a deadline; then stops the watch. */
async function until<C extends KnownClass>(
  batches: AsyncIterable<EventBatch<C>>,
  done: (batch: EventBatch<C>) => boolean,
  seen: EventBatch<C>[] = [],
): Promise<EventBatch<C>[]> {
  for await (const batch of batches) {
    seen.push(batch);
    if (done(batch)) break;
  }
  return seen;
}

describe.each(TRANSPORTS)('against the simulator over %s', (transport) => {
  it('logs in as every role, reporting the role XAPI grants', async () => {
    const connection = connect(pool.master.url, transport);
    for (const account of pool.users) {
      const session = await connection.login(account.username, account.password, { originator: 'api-client tests' });
      expect(await session.role()).toBe(account.role);
      await session.logout();
    }
    expect(connection.transport).toBe(transport);
  });

  it('follows HOST_IS_SLAVE from a member host to the master', async () => {
    const member = pool.hosts.find((h) => h.address !== pool.master.address)!;
    const connection = connect(member.url, transport);
    const moves: unknown[] = [];
    connection.on('retarget', (event) => moves.push(event));
    const session = await connection.login('root', pool.users.find((u) => u.username === 'root')!.password);
    expect(connection.master).toBe(pool.master.address);
    expect(moves).toEqual([{ from: member.address, to: pool.master.address }]);
    const [poolRef] = await session.getAllRecords('pool');
    expect(poolRef?.[0]).toMatch(/^OpaqueRef:/);
    await session.logout();
  });

  it('parses get_all_records of every modelled class into typed records', async () => {
    const session = await connect(pool.master.url, transport).login('root', rootPassword());
    for (const cls of CLASS_NAMES) {
      const records = await session.getAllRecords(cls);
      expect(records.size, cls).toBeGreaterThan(0);
      for (const [ref, record] of records) {
        expect(ref).toMatch(/^OpaqueRef:/);
        expect(typeof record.uuid).toBe('string');
      }
    }
    const vms = [...(await session.getAllRecords('VM')).values()];
    for (const vm of vms) {
      expect(POWER_STATES).toContain(vm.power_state);
      expect(Number.isInteger(vm.memory_static_max)).toBe(true);
      expect(typeof vm.is_a_template).toBe('boolean');
      expect(Array.isArray(vm.consoles)).toBe(true);
    }
    for (const metrics of (await session.getAllRecords('host_metrics')).values()) {
      expect(metrics.last_updated).toBeInstanceOf(Date);
      expect(metrics.memory_total).toBeGreaterThan(0);
    }
    const [vmRef, vm] = [...(await session.getAllRecords('VM'))].find(([, r]) => !r.is_a_template)!;
    expect(await session.getByUuid('VM', vm.uuid)).toBe(vmRef);
    expect((await session.getRecord('VM', vmRef)).name_label).toBe(vm.name_label);
    expect(await session.getField('VM', vmRef, 'power_state')).toBe(vm.power_state);
    await session.logout();
  });

  it('round-trips a map entry, with XAPI error codes for the failures', async () => {
    const admin = user('vm-admin');
    const session = await connect(pool.master.url, transport).login(admin.username, admin.password);
    const vmRef = pool.findRefs('VM', (r) => r.is_a_template === false && r.is_control_domain === false)[0]!;
    const key = `xwc-test-${transport}`;
    await session.addToMap('VM', vmRef, 'other_config', key, 'one');
    expect((await session.getField('VM', vmRef, 'other_config'))[key]).toBe('one');
    const duplicate = (await failure(session.addToMap('VM', vmRef, 'other_config', key, 'two'))) as XapiError;
    expect(duplicate).toBeInstanceOf(XapiError);
    expect(duplicate.code).toBe('MAP_DUPLICATE_KEY');
    expect(duplicate.params).toEqual(['VM', 'other_config', vmRef, key]);
    await session.removeFromMap('VM', vmRef, 'other_config', key);
    expect(key in (await session.getField('VM', vmRef, 'other_config'))).toBe(false);

    const reader = user('read-only');
    const readOnly = await session.connection.login(reader.username, reader.password);
    const denied = (await failure(readOnly.addToMap('VM', vmRef, 'other_config', key, 'x'))) as XapiError;
    expect(denied.code).toBe('RBAC_PERMISSION_DENIED');
    expect(denied.params[0]).toBe('vm.add_to_other_config');

    expect(((await failure(session.getRecord('VM', 'OpaqueRef:missing'))) as XapiError).code).toBe('HANDLE_INVALID');
    expect(((await failure(session.getByUuid('VM', 'not-a-uuid'))) as XapiError).code).toBe('UUID_INVALID');
    const badLogin = (await failure(session.connection.login(admin.username, 'wrong password'))) as XapiError;
    expect(badLogin.code).toBe('SESSION_AUTHENTICATION_FAILED');
    await readOnly.logout();
    await session.logout();
    const stale = (await failure(session.call('pool.get_all'))) as XapiError;
    expect(stale.code).toBe('SESSION_INVALID');
    expect(stale.message).not.toContain(session.ref);
  });

  it('watchEvents reports a write made by another session', async () => {
    const connection = connect(pool.master.url, transport);
    const watcher = await connection.login('root', rootPassword());
    const writer = await connect(pool.master.url, transport).login(
      user('vm-admin').username,
      user('vm-admin').password,
    );
    const vmRef = pool.findRefs('VM', (r) => r.is_a_template === false && r.is_control_domain === false)[0]!;
    const label = `renamed over ${transport}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 20_000);
    let write: Promise<unknown> | undefined;
    try {
      const batches = await until(
        watchEvents(watcher, { classes: ['VM', 'host'], timeoutSeconds: 5, signal: controller.signal }),
        (batch) => {
          if (batch.kind === 'snapshot') {
            expect(batch.records.of('VM').get(vmRef)).toBeDefined();
            write = writer.call('VM.set_name_label', [vmRef, label]);
            return false;
          }
          return batch.changes.some((c) => c.cls === 'VM' && c.ref === vmRef && c.operation === 'mod');
        },
      );
      const last = batches.at(-1)!;
      expect(last.kind).toBe('changes');
      const change = last.kind === 'changes' ? last.changes.find((c) => c.ref === vmRef) : undefined;
      expect(change?.operation === 'mod' && change.cls === 'VM' ? change.record.name_label : undefined).toBe(label);
    } finally {
      clearTimeout(timer);
      await write;
    }
    await watcher.logout();
    await writer.logout();
  });

  it('watchEvents logs in again and resyncs when the toolstack drops its session', async () => {
    const account = user('vm-operator');
    const connection = connect(pool.master.url, transport);
    const session = await connection.login(account.username, account.password);
    let logins = 0;
    const relogin = async (): Promise<XapiSession> => {
      logins++;
      return connection.login(account.username, account.password);
    };
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 20_000);
    let snapshots = 0;
    try {
      await until(
        watchEvents(session, { classes: ['VM'], timeoutSeconds: 5, relogin, signal: controller.signal }),
        (batch) => {
          if (batch.kind !== 'snapshot') return false;
          snapshots++;
          if (snapshots === 1) pool.destroySessions(account.username);
          return snapshots === 2;
        },
      );
    } finally {
      clearTimeout(timer);
    }
    expect(snapshots).toBe(2);
    expect(logins).toBe(1);
  });
});

describe('trust against the simulator', () => {
  it('auto selects JSON-RPC and refuses a host whose certificate is not pinned', async () => {
    const connection = connect(pool.master.url);
    await (await connection.login('root', rootPassword())).logout();
    expect(connection.transport).toBe('json-rpc');

    const pinned = new XapiConnection({ url: pool.master.url, trust: fingerprintTrust('00'.repeat(32)) });
    connections.push(pinned);
    const error = (await failure(pinned.login('root', rootPassword()))) as XapiTransportError;
    expect(error).toBeInstanceOf(XapiTransportError);
    expect(error.kind).toBe('tls');
  });
});

describe('master change', () => {
  let moving: SimulatedPool;
  beforeAll(async () => {
    moving = await startPool({ authFailureDelayMs: 20, restartDowntimeMs: 100 });
  });
  afterAll(async () => {
    await moving?.close();
  });

  it('the watcher rides out a new master: backoff, HOST_IS_SLAVE, relogin, snapshot', async () => {
    const password = moving.users.find((u) => u.username === 'root')!.password;
    const connection = new XapiConnection({ url: moving.master.url, trust: caTrust(moving.caPem), timeoutMs: 5_000 });
    connections.push(connection);
    const session = await connection.login('root', password);
    const next = moving.hosts.find((h) => h.address !== moving.master.address)!;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 25_000);
    let snapshots = 0;
    let moved: Promise<void> | undefined;
    try {
      await until(
        watchEvents(session, {
          classes: ['host'],
          timeoutSeconds: 5,
          backoff: { initialMs: 50, maxMs: 400 },
          relogin: () => connection.login('root', password),
          signal: controller.signal,
        }),
        (batch) => {
          if (batch.kind !== 'snapshot') return false;
          snapshots++;
          if (snapshots === 1) moved = moving.designateMaster(next.ref);
          return snapshots === 2;
        },
      );
    } finally {
      clearTimeout(timer);
      await moved;
    }
    expect(snapshots).toBe(2);
    expect(connection.master).toBe(next.address);
  });
});

function rootPassword(): string {
  return pool.users.find((u) => u.username === 'root')!.password;
}
