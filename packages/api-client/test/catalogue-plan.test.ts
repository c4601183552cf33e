import { describe, expect, it } from 'vitest';
import {
  findEntry,
  OBJECT_REF,
  planPatch,
  readExtension,
  type ExtensionRecord,
  type PlannedOperation,
  type XapiCall,
} from '../src/catalogue/index.ts';

/** Applies planned calls to an in-memory record with XAPI's map semantics (add_to on an existing key fails). */
function apply(record: Record<string, unknown>, call: XapiCall): void {
  const [, method] = call.method.split('.') as [string, string];
  const [, ...args] = call.args;
  const mapOf = (field: string) => (record[field] ??= {}) as Record<string, string>;
  let m: RegExpExecArray | null;
  if ((m = /^add_to_(.+)$/.exec(method))) {
    const map = mapOf(m[1]!);
    const [key, value] = args as [string, string];
    if (Object.hasOwn(map, key)) throw new Error(`MAP_DUPLICATE_KEY ${key}`);
    map[key] = value;
  } else if ((m = /^remove_from_(.+)$/.exec(method))) {
    delete mapOf(m[1]!)[args[0] as string];
  } else if ((m = /^set_(.+)$/.exec(method))) {
    const value = args[0];
    record[m[1]!] = typeof value === 'object' ? { ...value } : value;
  } else if (method === 'syslog_reconfigure') {
    record.reconfigured = ((record.reconfigured as number | undefined) ?? 0) + 1;
  } else {
    throw new Error(`unexpected ${call.method}`);
  }
}

const clone = <T>(value: T): T => structuredClone(value);

function operations(cls: string, record: ExtensionRecord, patch: Record<string, string | null>): PlannedOperation[] {
  const plan = planPatch(cls, record, patch, { ref: 'OpaqueRef:obj' });
  if (!plan.ok) throw new Error(`${plan.key}: ${plan.message}`);
  return [...plan.operations];
}

/** Runs the plan, failing at step `failAt`, then runs the undos of the completed steps in reverse. */
function runWithFailure(record: ExtensionRecord, ops: readonly PlannedOperation[], failAt: number) {
  const state = clone(record) as Record<string, unknown>;
  const done: PlannedOperation[] = [];
  for (const [i, op] of ops.entries()) {
    if (i === failAt) break;
    apply(state, op);
    done.push(op);
  }
  for (const op of done.reverse()) if (op.undo) apply(state, op.undo);
  return state;
}

const calls = (ops: readonly PlannedOperation[]) => ops.map(({ method, args, undo }) => ({ method, args, undo }));

describe('planPatch validation: all or nothing', () => {
  const vm = { HVM_boot_policy: 'BIOS order', other_config: {}, VCPUs_params: {}, xenstore_data: {} };

  it('refuses the whole patch for one bad key, naming it', () => {
    expect(
      planPatch('VM', vm, {
        'other_config:auto_poweron': 'true',
        'VCPUs_params:weight': '70000',
        'xenstore_data:vm-data/a': 'b',
      }),
    ).toEqual({
      ok: false,
      key: 'VCPUs_params:weight',
      message: 'VCPU weight must be a whole number from 1 to 65536',
    });
  });

  it('reports the first bad key in patch order', () => {
    const plan = planPatch('VM', vm, { 'other_config:foo': 'x', 'VCPUs_params:weight': '0' });
    expect(plan).toEqual({
      ok: false,
      key: 'other_config:foo',
      message: 'other_config:foo is not a documented extension of VM',
    });
  });

  it('refuses unknown keys, plain fields and classes', () => {
    expect(planPatch('VM', vm, { name_label: 'x' })).toMatchObject({
      message: 'name_label is not a documented extension of VM',
    });
    expect(planPatch('console', {}, { 'other_config:x': 'y' })).toMatchObject({
      message: 'other_config:x is not a documented extension of console',
    });
  });

  it('refuses writing an alias spelling and points at the written one', () => {
    expect(planPatch('VBD', {}, { 'other_config:is_owner': 'true' })).toEqual({
      ok: false,
      key: 'other_config:is_owner',
      message:
        'other_config:is_owner is read as another spelling of other_config:owner but never written; set other_config:owner instead',
    });
  });

  it('refuses values that are neither strings nor null', () => {
    const patch = { 'other_config:auto_poweron': true } as unknown as Record<string, string>;
    expect(planPatch('VM', vm, patch)).toEqual({
      ok: false,
      key: 'other_config:auto_poweron',
      message: 'other_config:auto_poweron must be a string, or null to remove it',
    });
  });

  it('refuses what the caller’s role cannot write', () => {
    expect(
      planPatch('host', {}, { 'other_config:iscsi_iqn': 'iqn.2024-01.com.example:h' }, { role: 'vm-admin' }),
    ).toMatchObject({
      ok: false,
      key: 'other_config:iscsi_iqn',
    });
  });

  it('plans nothing for an empty patch', () => {
    expect(planPatch('VM', vm, {})).toEqual({ ok: true, operations: [] });
  });
});

describe('planPatch map edits (other_config, sm_config)', () => {
  it('changes a key with remove then add, each with its undo', () => {
    const vm = { other_config: { auto_poweron: 'false', folder: '/x' } };
    expect(calls(operations('VM', vm, { 'other_config:auto_poweron': 'true' }))).toEqual([
      {
        method: 'VM.remove_from_other_config',
        args: ['OpaqueRef:obj', 'auto_poweron'],
        undo: { method: 'VM.add_to_other_config', args: ['OpaqueRef:obj', 'auto_poweron', 'false'] },
      },
      {
        method: 'VM.add_to_other_config',
        args: ['OpaqueRef:obj', 'auto_poweron', 'true'],
        undo: { method: 'VM.remove_from_other_config', args: ['OpaqueRef:obj', 'auto_poweron'] },
      },
    ]);
  });

  it('adds a new key without a remove, and removes with a remove only', () => {
    expect(calls(operations('SR', { other_config: {} }, { 'other_config:auto-scan': 'true' }))).toEqual([
      {
        method: 'SR.add_to_other_config',
        args: ['OpaqueRef:obj', 'auto-scan', 'true'],
        undo: { method: 'SR.remove_from_other_config', args: ['OpaqueRef:obj', 'auto-scan'] },
      },
    ]);
    expect(
      calls(
        operations(
          'VM',
          { other_config: { HideFromXenCenter: 'true' } },
          { 'other_config:HideFromXenCenter': 'false' },
        ),
      ),
    ).toEqual([
      {
        method: 'VM.remove_from_other_config',
        args: ['OpaqueRef:obj', 'HideFromXenCenter'],
        undo: { method: 'VM.add_to_other_config', args: ['OpaqueRef:obj', 'HideFromXenCenter', 'true'] },
      },
    ]);
  });

  it('skips no-ops: same value, or removing an absent key', () => {
    expect(
      operations('network', { other_config: { automatic: 'false' } }, { 'other_config:automatic': 'false' }),
    ).toEqual([]);
    expect(operations('VM', { other_config: {} }, { 'other_config:HideFromXenCenter': null })).toEqual([]);
    expect(operations('VM', { other_config: {} }, { 'other_config:HideFromXenCenter': 'false' })).toEqual([]);
  });

  it('rewrites a non-canonical spelling ("on" becomes "true")', () => {
    const ops = operations('PIF', { other_config: { 'ethtool-tx': 'on' } }, { 'other_config:ethtool-tx': 'on' });
    expect(ops.map((op) => op.method)).toEqual(['PIF.remove_from_other_config', 'PIF.add_to_other_config']);
    expect(ops[1]!.args).toEqual(['OpaqueRef:obj', 'ethtool-tx', 'true']);
  });

  it('removes alias spellings too when a value is removed, so it no longer reads as set', () => {
    const vm = { other_config: { 'install-distro': 'rhlike', install_distro: 'rhlike' } };
    const ops = operations('VM', vm, { 'other_config:install-distro': null });
    expect(ops.map((op) => op.args[1])).toEqual(['install-distro', 'install_distro']);
    const after = runWithFailure(vm, ops, ops.length + 1);
    expect(after).toEqual(vm);
    const state = clone(vm);
    for (const op of ops) apply(state, op);
    expect(readExtension(findEntry('VM', 'other_config:install-distro')!, state).isSet).toBe(false);
  });

  it('writes a VDI vmhint into sm_config as a UUID', () => {
    const ops = operations(
      'VDI',
      { sm_config: { vmhint: 'OpaqueRef:1' } },
      { 'sm_config:vmhint': 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE' },
    );
    expect(ops.map((op) => [op.method, op.args.slice(1)])).toEqual([
      ['VDI.remove_from_sm_config', ['vmhint']],
      ['VDI.add_to_sm_config', ['vmhint', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee']],
    ]);
  });

  it('uses the placeholder ref when none is given', () => {
    const plan = planPatch('VM', {}, { 'other_config:auto_poweron': 'true' });
    expect(plan.ok && plan.operations[0]!.args[0]).toBe(OBJECT_REF);
  });
});

describe('planPatch whole-map setters', () => {
  it('sets xenstore_data once for several vm-data keys, keeping the rest, with the old map as undo', () => {
    const vm = { xenstore_data: { 'vm-data/keep': '1', 'vm-data/drop': '2', 'vm-data/change': 'a' } };
    const ops = operations('VM', vm, {
      'xenstore_data:vm-data/new': 'n',
      'xenstore_data:vm-data/drop': null,
      'xenstore_data:vm-data/change': 'b',
    });
    expect(calls(ops)).toEqual([
      {
        method: 'VM.set_xenstore_data',
        args: ['OpaqueRef:obj', { 'vm-data/keep': '1', 'vm-data/change': 'b', 'vm-data/new': 'n' }],
        undo: { method: 'VM.set_xenstore_data', args: ['OpaqueRef:obj', vm.xenstore_data] },
      },
    ]);
    expect(ops[0]!.description).toBe(
      'Set xenstore_data to the whole new map (vm-data/new = “n”, remove vm-data/drop, vm-data/change = “b”)',
    );
  });

  it('keeps the other keys of HVM_boot_params and VCPUs_params', () => {
    const vm = {
      HVM_boot_policy: 'BIOS order',
      HVM_boot_params: { order: 'cd', firmware: 'uefi' },
      VCPUs_params: { cap: '50', mask: '0,1' },
    };
    expect(calls(operations('VM', vm, { 'HVM_boot_params:order': 'NC', 'VCPUs_params:weight': '1024' }))).toEqual([
      {
        method: 'VM.set_HVM_boot_params',
        args: ['OpaqueRef:obj', { order: 'nc', firmware: 'uefi' }],
        undo: { method: 'VM.set_HVM_boot_params', args: ['OpaqueRef:obj', { order: 'cd', firmware: 'uefi' }] },
      },
      {
        method: 'VM.set_VCPUs_params',
        args: ['OpaqueRef:obj', { cap: '50', mask: '0,1', weight: '1024' }],
        undo: { method: 'VM.set_VCPUs_params', args: ['OpaqueRef:obj', { cap: '50', mask: '0,1' }] },
      },
    ]);
  });

  it('skips a whole-map set that changes nothing', () => {
    expect(operations('VM', { HVM_boot_params: { order: 'dc' } }, { 'HVM_boot_params:order': 'DC' })).toEqual([]);
  });

  it('sets host.logging then calls host.syslog_reconfigure last, without an undo', () => {
    const host = { logging: { syslog_destination: 'old.example' } };
    expect(calls(operations('host', host, { 'logging:syslog_destination': '192.0.2.7' }))).toEqual([
      {
        method: 'host.set_logging',
        args: ['OpaqueRef:obj', { syslog_destination: '192.0.2.7' }],
        undo: { method: 'host.set_logging', args: ['OpaqueRef:obj', { syslog_destination: 'old.example' }] },
      },
      { method: 'host.syslog_reconfigure', args: ['OpaqueRef:obj'], undo: undefined },
    ]);
  });

  it('turns an empty syslog destination into local logging, and reconfigures only on change', () => {
    const host = { logging: { syslog_destination: 'old.example' } };
    expect(operations('host', host, { 'logging:syslog_destination': '' }).map((op) => [op.method, op.args[1]])).toEqual(
      [
        ['host.set_logging', {}],
        ['host.syslog_reconfigure', undefined],
      ],
    );
    expect(operations('host', host, { 'logging:syslog_destination': 'old.example' })).toEqual([]);
  });

  it('writes VBD ionice as qos_algorithm_type "ionice" plus class and sched "be"', () => {
    const vbd = { qos_algorithm_type: '', qos_algorithm_params: {}, other_config: {} };
    expect(calls(operations('VBD', vbd, { 'qos_algorithm_params:class': '2' }))).toEqual([
      {
        method: 'VBD.set_qos_algorithm_type',
        args: ['OpaqueRef:obj', 'ionice'],
        undo: { method: 'VBD.set_qos_algorithm_type', args: ['OpaqueRef:obj', ''] },
      },
      {
        method: 'VBD.set_qos_algorithm_params',
        args: ['OpaqueRef:obj', { class: '2', sched: 'be' }],
        undo: { method: 'VBD.set_qos_algorithm_params', args: ['OpaqueRef:obj', {}] },
      },
    ]);
    const ionice = { qos_algorithm_type: 'ionice', qos_algorithm_params: { class: '2', sched: 'be' } };
    expect(operations('VBD', ionice, { 'qos_algorithm_params:class': '2' })).toEqual([]);
    expect(calls(operations('VBD', ionice, { 'qos_algorithm_params:class': '5' })).map((c) => c.method)).toEqual([
      'VBD.set_qos_algorithm_params',
    ]);
  });

  it('removes the ionice class and the docs’ other_config:class spelling', () => {
    const vbd = {
      qos_algorithm_type: 'ionice',
      qos_algorithm_params: { class: '2', sched: 'be' },
      other_config: { class: '2' },
    };
    expect(
      calls(operations('VBD', vbd, { 'qos_algorithm_params:class': null })).map((c) => [c.method, c.args.slice(1)]),
    ).toEqual([
      ['VBD.set_qos_algorithm_params', [{ sched: 'be' }]],
      ['VBD.remove_from_other_config', ['class']],
    ]);
  });
});

describe('planPatch network MTU', () => {
  it('calls network.set_MTU with a number and undoes with the old one', () => {
    expect(calls(operations('network', { MTU: 1500 }, { MTU: '9000' }))).toEqual([
      {
        method: 'network.set_MTU',
        args: ['OpaqueRef:obj', 9000],
        undo: { method: 'network.set_MTU', args: ['OpaqueRef:obj', 1500] },
      },
    ]);
    expect(operations('network', { MTU: 9000 }, { MTU: '9000' })).toEqual([]);
  });
});

describe('planPatch with several fields, and rolling back', () => {
  const vm = {
    HVM_boot_policy: 'BIOS order',
    other_config: { HideFromXenCenter: 'true', auto_poweron: 'false', folder: '/prod' },
    xenstore_data: { 'vm-data/role': 'db' },
    HVM_boot_params: { order: 'cd' },
    VCPUs_params: {},
  };
  const patch = {
    'other_config:HideFromXenCenter': 'false',
    'xenstore_data:vm-data/role': 'web',
    'other_config:auto_poweron': 'true',
    'HVM_boot_params:order': 'DCN',
    'xenstore_data:vm-data/tier': 'front',
    'VCPUs_params:weight': '512',
    'other_config:disable_pv_vnc': 'true',
  };

  it('orders operations by field as they first appear, one whole-map call per set field', () => {
    expect(
      operations('VM', vm, patch).map(
        (op) =>
          `${op.method} ${op.args
            .slice(1)
            .map((a) => JSON.stringify(a))
            .join(' ')}`,
      ),
    ).toEqual([
      'VM.remove_from_other_config "HideFromXenCenter"',
      'VM.remove_from_other_config "auto_poweron"',
      'VM.add_to_other_config "auto_poweron" "true"',
      'VM.add_to_other_config "disable_pv_vnc" "true"',
      'VM.set_xenstore_data {"vm-data/role":"web","vm-data/tier":"front"}',
      'VM.set_HVM_boot_params {"order":"dcn"}',
      'VM.set_VCPUs_params {"weight":"512"}',
    ]);
  });

  it('reaches the requested state when every call succeeds', () => {
    const state = clone(vm);
    for (const op of operations('VM', vm, patch)) apply(state, op);
    const read = (key: string) => readExtension(findEntry('VM', key)!, state, key.split(':')[1]).value;
    expect(read('other_config:HideFromXenCenter')).toBe(false);
    expect(read('other_config:auto_poweron')).toBe(true);
    expect(read('other_config:disable_pv_vnc')).toBe(true);
    expect(read('HVM_boot_params:order')).toEqual(['d', 'c', 'n']);
    expect(read('VCPUs_params:weight')).toBe(512);
    expect(read('xenstore_data:vm-data/tier')).toBe('front');
    expect(state.other_config.folder).toBe('/prod');
  });

  it('restores the record exactly when any call fails, by running the undos in reverse', () => {
    const ops = operations('VM', vm, patch);
    for (let failAt = 0; failAt <= ops.length; failAt++) {
      expect(runWithFailure(vm, ops, failAt)).toEqual(vm);
    }
  });

  it('restores a host exactly too: the map is reset before syslog is ever reconfigured', () => {
    const host = { logging: { syslog_destination: 'a.example' }, other_config: { iscsi_iqn: 'iqn.2020-01.x.y:old' } };
    const ops = operations('host', host, {
      'logging:syslog_destination': 'b.example',
      'other_config:iscsi_iqn': 'iqn.2024-01.com.example:new',
    });
    expect(ops.at(-1)!.method).toBe('host.syslog_reconfigure');
    for (let failAt = 0; failAt < ops.length; failAt++) expect(runWithFailure(host, ops, failAt)).toEqual(host);
  });

  it('restores a VBD, its qos type included', () => {
    const vbd = { qos_algorithm_type: '', qos_algorithm_params: {}, other_config: { is_owner: 'true' } };
    const ops = operations('VBD', vbd, { 'qos_algorithm_params:class': '1', 'other_config:owner': null });
    expect(ops.map((op) => op.method)).toEqual([
      'VBD.set_qos_algorithm_type',
      'VBD.set_qos_algorithm_params',
      'VBD.remove_from_other_config',
    ]);
    for (let failAt = 0; failAt <= ops.length; failAt++) expect(runWithFailure(vbd, ops, failAt)).toEqual(vbd);
  });

  it('describes every operation in words', () => {
    for (const op of operations('VM', vm, patch)) expect(op.description).toMatch(/^(Add|Remove|Set) /);
  });
});
