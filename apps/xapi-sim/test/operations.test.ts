import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { login, ok, xmlCall } from './sim-client.ts';

let pool: SimulatedPool;
const s: Record<string, string> = {};

beforeAll(async () => {
  pool = await startPool({ operationMs: 300, authFailureDelayMs: 10 });
  for (const user of ['root', 'operator', 'vmadmin', 'vmoperator', 'readonly']) s[user] = await login(pool, user);
});
afterAll(() => pool.close());

const vmRef = (name: string): string => pool.vm(name).ref;
const record = (name: string) => pool.vm(name).record;
const failure = (code: string, ...params: string[]) => ({ ok: false, code, params });
const denied = (permission: string, ...roles: string[]) =>
  failure(
    'RBAC_PERMISSION_DENIED',
    permission,
    `No permission in user session. (Roles with this permission: ${roles.join(', ')})`,
  );

describe('power-state errors, as xapi words them', () => {
  it('list every state the operation allows, comma-separated, in xapi order', async () => {
    const vm = vmRef('Windows 10 desktop');
    expect(await xmlCall(pool, 'VM.hard_shutdown', [s.root!, vm])).toEqual(
      failure('VM_BAD_POWER_STATE', vm, 'paused, suspended, running', 'halted'),
    );
    expect(await xmlCall(pool, 'VM.hard_reboot', [s.root!, vm])).toEqual(
      failure('VM_BAD_POWER_STATE', vm, 'paused, running', 'halted'),
    );
    const running = vmRef('Debian 12 web');
    expect(await xmlCall(pool, 'VM.start', [s.root!, running, false, false])).toEqual(
      failure('VM_BAD_POWER_STATE', running, 'halted', 'running'),
    );
  });

  it("refuse a control domain's power operations with xapi's sentence", async () => {
    const dom0 = pool.record('host', pool.master.ref).control_domain as string;
    expect(await xmlCall(pool, 'VM.clean_reboot', [s.root!, dom0])).toEqual(
      failure('OPERATION_NOT_ALLOWED', 'This operation is not allowed on a control domain'),
    );
    expect(pool.record('VM', dom0).allowed_operations).toEqual([]);
  });

  it('name the operation and task in progress', async () => {
    const vm = vmRef('Fedora 40 workstation');
    const task = (await ok(pool, 'Async.VM.resume', [s.root!, vm, false, false])) as string;
    await expect.poll(() => record('Fedora 40 workstation').current_operations).toEqual({ [task]: 'resume' });
    expect(record('Fedora 40 workstation').allowed_operations).toEqual([]);
    expect(await xmlCall(pool, 'VM.hard_shutdown', [s.root!, vm])).toEqual(
      failure('OTHER_OPERATION_IN_PROGRESS', 'VM', vm, 'resume', task),
    );
    await expect.poll(() => pool.record('task', task).status).toBe('success');
    expect(record('Fedora 40 workstation').allowed_operations).toContain('clean_shutdown');
  });
});

describe('allowed_operations', () => {
  it('offers only what the simulator performs, in each power state', () => {
    const performed = new Set([
      ...['start', 'start_on', 'clean_shutdown', 'hard_shutdown', 'clean_reboot', 'hard_reboot', 'suspend'],
      ...['resume', 'resume_on', 'pause', 'unpause', 'pool_migrate'],
    ]);
    for (const ref of pool.findRefs('VM')) {
      for (const op of pool.record('VM', ref).allowed_operations as string[]) expect(performed).toContain(op);
    }
    expect(record('Windows Server 2022').allowed_operations).toEqual(
      expect.arrayContaining(['clean_shutdown', 'hard_shutdown', 'suspend', 'pool_migrate']),
    );
    expect(record('Windows Server 2022').allowed_operations).not.toContain('snapshot');
    expect(record('Windows 11 test').allowed_operations).toEqual(['hard_shutdown', 'resume', 'resume_on']);
    expect(pool.record('VM', pool.findRefs('VM', (r) => r.is_a_template === true)[0]!).allowed_operations).toEqual([]);
  });

  it('leave out what an HVM guest without PV drivers cannot do cleanly, which a call may still try', async () => {
    const name = 'Legacy app server (P2V)';
    const vm = vmRef(name);
    await ok(pool, 'VM.set_blocked_operations', [s.root!, vm, {}]);
    await ok(pool, 'VM.start', [s.root!, vm, false, false]);
    // No clean shutdown or reboot, and (without feature-suspend) no suspend or migration.
    expect(record(name).allowed_operations).toEqual(['hard_shutdown', 'hard_reboot', 'pause']);
    expect(await ok(pool, 'VM.clean_shutdown', [s.root!, vm])).toBe('');
    expect(record(name).power_state).toBe('Halted');
  });

  it('are checked again on every call: what the rolling upgrade forbids fails with NOT_SUPPORTED_DURING_UPGRADE', async () => {
    const vm = vmRef('Debian 12 web');
    const poolRef = pool.findRefs('pool')[0]!;
    expect(pool.record('pool', poolRef).other_config).toHaveProperty('rolling_upgrade_in_progress');
    expect(await xmlCall(pool, 'VM.assert_operation_valid', [s.root!, vm, 'snapshot'])).toEqual(
      failure('NOT_SUPPORTED_DURING_UPGRADE'),
    );
    expect(await ok(pool, 'VM.assert_operation_valid', [s.root!, vm, 'clean_shutdown'])).toBe('');
    await ok(pool, 'pool.remove_from_other_config', [s.root!, poolRef, 'rolling_upgrade_in_progress']);
    try {
      expect(await ok(pool, 'VM.assert_operation_valid', [s.root!, vm, 'snapshot'])).toBe('');
    } finally {
      await ok(pool, 'pool.add_to_other_config', [s.root!, poolRef, 'rolling_upgrade_in_progress', 'true']);
    }
  });
});

describe('blocked_operations', () => {
  it('take an operation out of allowed_operations and refuse it with OPERATION_BLOCKED and the reason', async () => {
    const name = 'Windows 10 desktop';
    const vm = vmRef(name);
    expect(record(name).allowed_operations).toContain('start');
    await ok(pool, 'VM.add_to_blocked_operations', [s.vmadmin!, vm, 'start', 'Waiting for a licence']);
    expect(record(name).blocked_operations).toEqual({ start: 'Waiting for a licence' });
    expect(record(name).allowed_operations).not.toContain('start');
    expect(record(name).allowed_operations).toContain('start_on');
    expect(await xmlCall(pool, 'VM.start', [s.vmoperator!, vm, false, false])).toEqual(
      failure('OPERATION_BLOCKED', vm, 'Waiting for a licence'),
    );
    expect(record(name).power_state).toBe('Halted');
    await ok(pool, 'VM.remove_from_blocked_operations', [s.vmadmin!, vm, 'start']);
    expect(record(name).allowed_operations).toContain('start');
  });

  it('are written by vm-admin and above, as xapi allows', async () => {
    expect(
      await xmlCall(pool, 'VM.add_to_blocked_operations', [s.vmoperator!, vmRef('Windows 10 desktop'), 'start', 'x']),
    ).toEqual(denied('vm.add_to_blocked_operations', 'pool-admin', 'pool-operator', 'vm-power-admin', 'vm-admin'));
  });

  it('refuse a key that is not an operation, and a set where the map belongs, without writing anything', async () => {
    const vm = vmRef('Windows 10 desktop');
    const before = record('Windows 10 desktop');
    expect(await xmlCall(pool, 'VM.add_to_blocked_operations', [s.root!, vm, 'frobnicate', 'x'])).toEqual(
      failure('INTERNAL_ERROR', 'Failure("Unknown tag/contents")'),
    );
    expect(await xmlCall(pool, 'VM.set_blocked_operations', [s.root!, vm, { start: 'a', frobnicate: 'b' }])).toEqual(
      failure('INTERNAL_ERROR', 'Failure("Unknown tag/contents")'),
    );
    expect(await xmlCall(pool, 'VM.set_blocked_operations', [s.root!, vm, ['start']])).toEqual(
      failure('INTERNAL_ERROR', 'Failure("Unmarshalling error")'),
    );
    expect(await xmlCall(pool, 'VM.set_other_config', [s.root!, vm, ['a', 'b']])).toEqual(
      failure('INTERNAL_ERROR', `Failure("Expecting Rpc.Dict, but found '[S(a);S(b)]'")`),
    );
    expect(await xmlCall(pool, 'VM.set_tags', [s.root!, vm, { a: 'b' }])).toEqual(
      failure('INTERNAL_ERROR', `Failure("Expecting Rpc.Enum, but found '{a:S(b)}'")`),
    );
    expect(await xmlCall(pool, 'VM.set_domain_type', [s.root!, vm, 'paravirtual'])).toEqual(
      failure('INTERNAL_ERROR', 'Failure("Unknown tag/contents")'),
    );
    expect(await xmlCall(pool, 'VM.set_actions_after_shutdown', [s.root!, vm, 'explode'])).toEqual(
      failure('INTERNAL_ERROR', 'Failure("Unknown tag/contents")'),
    );
    expect(await xmlCall(pool, 'VM.get_frobnicate', [s.root!, vm])).toEqual(
      failure('MESSAGE_METHOD_UNKNOWN', 'VM.get_frobnicate'),
    );
    expect(await xmlCall(pool, 'VM.get_all_records_where', [s.root!, 'field "frobnicate"="1"'])).toEqual(
      failure('INTERNAL_ERROR', 'missing field', 'frobnicate', ''),
    );
    expect(record('Windows 10 desktop')).toEqual(before);
  });
});

describe('tasks', () => {
  it('are created, destroyed and cancelled by their owner, or by pool-operator and above', async () => {
    const task = (await ok(pool, 'task.create', [s.vmoperator!, 'Backup', 'nightly'])) as string;
    expect(pool.record('task', task)).toMatchObject({
      name_label: 'Backup',
      name_description: 'nightly',
      status: 'pending',
    });
    expect(await xmlCall(pool, 'task.destroy', [s.readonly!, task])).toEqual(
      denied('task.destroy/any', 'pool-admin', 'pool-operator'),
    );
    expect(await xmlCall(pool, 'task.cancel', [s.vmadmin!, task])).toEqual(
      denied('task.destroy/any', 'pool-admin', 'pool-operator'),
    );
    expect(await ok(pool, 'task.cancel', [s.vmoperator!, task])).toBe('');
    expect(Object.values(pool.record('task', task).current_operations as object)).toEqual(['cancel']);
    expect(await ok(pool, 'task.destroy', [s.operator!, task])).toBe('');
    expect(pool.findRefs('task')).toContain(task);
    await ok(pool, 'task.set_status', [s.vmoperator!, task, 'success']);
    expect(pool.findRefs('task')).toContain(task);
    const other = (await ok(pool, 'task.create', [s.vmoperator!, 'Other', ''])) as string;
    await ok(pool, 'task.set_status', [s.vmoperator!, other, 'success']);
    expect(await ok(pool, 'task.destroy', [s.vmoperator!, other])).toBe('');
    expect(pool.findRefs('task')).not.toContain(other);
  });

  it('of a pending call go when it completes if destroyed meanwhile', async () => {
    const task = (await ok(pool, 'Async.VM.pause', [s.root!, vmRef('Ubuntu 24.04 build agent')])) as string;
    expect(await ok(pool, 'task.destroy', [s.root!, task])).toBe('');
    expect(pool.findRefs('task')).toContain(task);
    await expect.poll(() => pool.findRefs('task').includes(task)).toBe(false);
    expect(record('Ubuntu 24.04 build agent').power_state).toBe('Paused');
    await ok(pool, 'VM.unpause', [s.root!, vmRef('Ubuntu 24.04 build agent')]);
  });

  it('of an operation cancelled before it starts end cancelled, the VM untouched', async () => {
    const vm = vmRef('Ubuntu 24.04 build agent');
    const task = (await ok(pool, 'Async.VM.suspend', [s.root!, vm])) as string;
    expect(pool.record('task', task).allowed_operations).toEqual(['cancel']);
    await ok(pool, 'task.cancel', [s.root!, task]);
    await expect.poll(() => pool.record('task', task).status).toBe('cancelled');
    expect(pool.record('task', task).error_info).toEqual(['TASK_CANCELLED', task]);
    expect(record('Ubuntu 24.04 build agent').power_state).toBe('Running');
    expect(record('Ubuntu 24.04 build agent').current_operations).toEqual({});
  });
});

describe('messages', () => {
  interface Event {
    class: string;
    operation: string;
    ref: string;
    snapshot?: Record<string, unknown>;
  }

  it('are the alerts the pool raised, newest first, readable by every role', async () => {
    const all = (await ok(pool, 'message.get_all_records', [s.readonly!])) as Record<string, Record<string, unknown>>;
    const names = Object.values(all).map((m) => m.name);
    expect(names).toEqual(['VM_CRASHED', 'HA_POOL_OVERCOMMITTED', 'HA_HOST_FAILED']);
    const [ref, crashed] = Object.entries(all)[0]!;
    expect(crashed).toMatchObject({ priority: '2', cls: 'VM', obj_uuid: record('CentOS 7 legacy').uuid });
    expect(await ok(pool, 'message.get_record', [s.readonly!, ref])).toEqual(crashed);
    expect(await ok(pool, 'message.get_by_uuid', [s.readonly!, crashed.uuid as string])).toBe(ref);
    const where = await ok(pool, 'message.get_all_records_where', [s.readonly!, 'field "name"="HA_HOST_FAILED"']);
    expect(Object.values(where as object).map((m: { cls: string }) => m.cls)).toEqual(['Host']);
    const since = await ok(pool, 'message.get_since', [s.readonly!, new Date(Date.now() - 27.5 * 3_600_000)]);
    expect(Object.keys(since as object)).toEqual([ref]);
    const ofVm = await ok(pool, 'message.get', [s.readonly!, 'VM', crashed.obj_uuid as string, new Date(0)]);
    expect(Object.keys(ofVm as object)).toEqual([ref]);
  });

  it('reach event.from subscribers as adds and dels, and are destroyed by pool-operator and above', async () => {
    const token = ((await ok(pool, 'event.from', [s.readonly!, ['message'], '', 0])) as { token: string }).token;
    const vm = record('Windows 10 desktop').uuid as string;
    const created = (await ok(pool, 'message.create', [s.operator!, 'VM_STARTED', 5, 'VM', vm, 'started'])) as string;
    const batch = (await ok(pool, 'event.from', [s.readonly!, ['message'], token, 5])) as unknown as {
      events: Event[];
      token: string;
    };
    expect(batch.events.map((e) => [e.class, e.operation, e.ref])).toEqual([['message', 'add', created]]);
    expect(batch.events[0]!.snapshot).toMatchObject({ name: 'VM_STARTED', body: 'started', obj_uuid: vm });
    expect(await xmlCall(pool, 'message.destroy', [s.vmadmin!, created])).toEqual(
      denied('message.destroy', 'pool-admin', 'pool-operator'),
    );
    expect(await ok(pool, 'message.destroy', [s.operator!, created])).toBe('');
    const next = (await ok(pool, 'event.from', [s.readonly!, ['message'], batch.token, 5])) as unknown as {
      events: Event[];
    };
    expect(next.events).toEqual([{ id: '0', timestamp: '0.0', class: 'message', operation: 'del', ref: created }]);
    expect(await xmlCall(pool, 'message.get_record', [s.readonly!, created])).toEqual(
      failure('HANDLE_INVALID', 'message', created),
    );
  });

  it('are about objects that exist', async () => {
    expect(await xmlCall(pool, 'message.create', [s.operator!, 'X', 1, 'Host', 'not-a-uuid', ''])).toEqual(
      failure('UUID_INVALID', 'Host', 'not-a-uuid'),
    );
    expect(await xmlCall(pool, 'message.create', [s.operator!, 'X', 1, 'Network', 'x', ''])).toEqual(
      failure('INTERNAL_ERROR', 'Failure("Unknown tag/contents")'),
    );
  });
});

describe('the rest of what clients call', () => {
  it('host.get_servertime and session.get_record', async () => {
    const time = (await ok(pool, 'host.get_servertime', [s.readonly!, pool.master.ref])) as unknown as Date;
    expect(Math.abs(time.getTime() - Date.now())).toBeLessThan(60_000);
    const session = (await ok(pool, 'session.get_record', [s.readonly!, s.readonly!])) as Record<string, unknown>;
    expect(session).toMatchObject({ auth_user_name: 'readonly', is_local_superuser: false });
  });
});
