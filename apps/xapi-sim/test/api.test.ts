import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { login, ok, openTls, xmlCall } from './sim-client.ts';

let pool: SimulatedPool;
const s: Record<string, string> = {};

beforeAll(async () => {
  pool = await startPool({ operationMs: 10, authFailureDelayMs: 10 });
  for (const user of ['root', 'admin', 'operator', 'poweradmin', 'vmadmin', 'vmoperator', 'readonly']) {
    s[user] = await login(pool, user);
  }
});
afterAll(() => pool.close());

const denied = (permission: string, ...roles: string[]) => ({
  ok: false,
  code: 'RBAC_PERMISSION_DENIED',
  params: [permission, `No permission in user session. (Roles with this permission: ${roles.join(', ')})`],
});
const UP_TO_VM_ADMIN = ['pool-admin', 'pool-operator', 'vm-power-admin', 'vm-admin'];
const UP_TO_VM_OPERATOR = [...UP_TO_VM_ADMIN, 'vm-operator'];

describe('get_all_records_where', () => {
  const names = async (expr: string): Promise<string[]> => {
    const records = (await ok(pool, 'VM.get_all_records_where', [s.root!, expr])) as Record<
      string,
      { name_label: string }
    >;
    return Object.values(records)
      .map((r) => r.name_label)
      .sort();
  };

  it('matches fields by their DB column names', async () => {
    expect(await names('field "name__label"="Debian 12 web"')).toEqual(['Debian 12 web']);
    const running = await names('field "power_state"="Running" and field "is_control_domain"="false"');
    expect(running).toEqual(
      pool
        .findRefs('VM', (r) => r.power_state === 'Running' && !r.is_control_domain)
        .map((ref) => pool.record('VM', ref).name_label as string)
        .sort(),
    );
  });

  it('supports or, not, literals, true, false and parentheses, with and binding tighter than or', async () => {
    expect(await names('false')).toEqual([]);
    expect((await names('true')).length).toBe(pool.findRefs('VM').length);
    expect((await names('"a"="a"')).length).toBe(pool.findRefs('VM').length);
    expect(await names('field "power_state"="Suspended" or field "power_state"="Paused" and false')).toEqual([
      'Fedora 40 workstation',
      'Windows 11 test',
    ]);
    expect(await names('(field "power_state"="Suspended" or field "power_state"="Paused") and false')).toEqual([]);
    const notHalted = await names('not field "power_state"="Halted"');
    expect(notHalted).toContain('Windows 11 test');
    expect(notHalted).not.toContain('Windows 10 desktop');
    expect(await names('field "is_a_template"="true" and field "name__label"="CentOS 7"')).toEqual(['CentOS 7']);
  });

  it('fails on malformed expressions and unknown columns', async () => {
    for (const expr of ['field "x"', 'field "a"="b" and', '(true', 'tru']) {
      expect(await xmlCall(pool, 'VM.get_all_records_where', [s.root!, expr])).toEqual({
        ok: false,
        code: 'INVALID_VALUE',
        params: [expr, 'Parsing.Parse_error'],
      });
    }
    expect(await xmlCall(pool, 'VM.get_all_records_where', [s.root!, 'field "name_label"="x"'])).toEqual({
      ok: false,
      code: 'INTERNAL_ERROR',
      params: ['missing field', 'name_label', ''],
    });
  });

  it('finds by name_label exactly, an empty result being no error', async () => {
    expect(await ok(pool, 'VM.get_by_name_label', [s.root!, 'debian 12 web'])).toEqual([]);
    expect(await ok(pool, 'SR.get_by_name_label', [s.root!, 'NFS shared storage'])).toHaveLength(1);
  });
});

describe('map fields', () => {
  it('adds, refuses a duplicate key even with the same value, and removes missing keys silently', async () => {
    const vm = pool.vm('Windows 10 desktop').ref;
    expect(await ok(pool, 'VM.add_to_other_config', [s.vmadmin!, vm, 'k', 'v'])).toBe('');
    expect(await xmlCall(pool, 'VM.add_to_other_config', [s.vmadmin!, vm, 'k', 'v'])).toEqual({
      ok: false,
      code: 'MAP_DUPLICATE_KEY',
      params: ['VM', 'other_config', vm, 'k'],
    });
    expect(await ok(pool, 'VM.remove_from_other_config', [s.vmadmin!, vm, 'k'])).toBe('');
    expect(await ok(pool, 'VM.remove_from_other_config', [s.vmadmin!, vm, 'k'])).toBe('');
    expect(await ok(pool, 'VM.get_other_config', [s.root!, vm])).not.toHaveProperty('k');
  });

  it('replaces a whole map with set_', async () => {
    const pif = pool.findRefs('PIF', (r) => r.device === 'eth1')[0]!;
    await ok(pool, 'PIF.set_other_config', [s.operator!, pif, { 'ethtool-gso': 'on', mtu: '1500' }]);
    expect(await ok(pool, 'PIF.get_other_config', [s.root!, pif])).toEqual({ 'ethtool-gso': 'on', mtu: '1500' });
  });
});

describe('RBAC', () => {
  it('lets a vm-operator write protected keys such as folder, and nothing else', async () => {
    const vm = pool.vm('CentOS 7 legacy').ref;
    expect(await ok(pool, 'VM.add_to_other_config', [s.vmoperator!, vm, 'folder', '/lab'])).toBe('');
    expect(await ok(pool, 'VM.add_to_other_config', [s.vmoperator!, vm, 'XenCenter.CustomFields.team', 'a'])).toBe('');
    expect(await ok(pool, 'VM.remove_from_other_config', [s.vmoperator!, vm, 'folder'])).toBe('');
    expect(await xmlCall(pool, 'VM.add_to_other_config', [s.vmoperator!, vm, 'foo', 'bar'])).toEqual(
      denied('vm.add_to_other_config', ...UP_TO_VM_ADMIN),
    );
  });

  it('checks only the keyed permission for a protected key, even against a higher role', async () => {
    const vm = pool.vm('CentOS 7 legacy').ref;
    expect(await xmlCall(pool, 'VM.add_to_other_config', [s.vmadmin!, vm, 'pci', '0/0000:04:00.0'])).toEqual(
      denied('vm.add_to_other_config/key:pci', 'pool-admin'),
    );
    expect(await ok(pool, 'VM.add_to_other_config', [s.admin!, vm, 'pci', '0/0000:04:00.0'])).toBe('');
    const hostRef = pool.master.ref;
    expect(await ok(pool, 'host.add_to_other_config', [s.vmoperator!, hostRef, 'folder', '/racks'])).toBe('');
    expect(await xmlCall(pool, 'host.add_to_other_config', [s.vmoperator!, hostRef, 'note', 'x'])).toEqual(
      denied('host.add_to_other_config', 'pool-admin', 'pool-operator'),
    );
  });

  it('set_ needs the setter permission plus the keyed permission of each changed protected key', async () => {
    const vm = pool.vm('CentOS 7 legacy').ref;
    const current = (await ok(pool, 'VM.get_other_config', [s.root!, vm])) as Record<string, string>;
    expect(current.pci).toBeDefined();
    // pci is unchanged, so vm-admin may rewrite the rest of the map.
    expect(await ok(pool, 'VM.set_other_config', [s.vmadmin!, vm, { ...current, note: 'ok' }])).toBe('');
    const { pci: _pci, ...withoutPci } = current;
    expect(await xmlCall(pool, 'VM.set_other_config', [s.vmadmin!, vm, withoutPci])).toEqual(
      denied('vm.remove_from_other_config/key:pci', 'pool-admin'),
    );
    expect(await xmlCall(pool, 'VM.set_other_config', [s.vmoperator!, vm, current])).toEqual(
      denied('vm.set_other_config', ...UP_TO_VM_ADMIN),
    );
  });

  it('guards setters with the field writer or the class default', async () => {
    const vm = pool.vm('Windows 10 desktop').ref;
    expect(await xmlCall(pool, 'VM.set_name_label', [s.readonly!, vm, 'x'])).toEqual(
      denied('vm.set_name_label', ...UP_TO_VM_ADMIN),
    );
    expect(await ok(pool, 'VM.set_tags', [s.vmoperator!, vm, ['lab']])).toBe('');
    expect(await xmlCall(pool, 'VM.set_VCPUs_params', [s.vmoperator!, vm, { weight: '256' }])).toEqual(
      denied('vm.set_vcpus_params', ...UP_TO_VM_ADMIN),
    );
    expect(await ok(pool, 'VM.set_HVM_boot_params', [s.vmadmin!, vm, { order: 'ncd' }])).toBe('');
    const network = pool.findRefs('network', (r) => r.bridge === 'xenbr1')[0]!;
    expect(await xmlCall(pool, 'network.set_MTU', [s.vmoperator!, network, 9000])).toEqual(
      denied('network.set_mtu', ...UP_TO_VM_ADMIN),
    );
    expect(await ok(pool, 'network.set_MTU', [s.vmadmin!, network, 9000])).toBe('');
    expect(await ok(pool, 'network.get_MTU', [s.readonly!, network])).toBe('9000');
    const poolRef = pool.findRefs('pool')[0]!;
    expect(await xmlCall(pool, 'pool.set_limit_console_sessions', [s.vmadmin!, poolRef, true])).toEqual(
      denied('pool.set_limit_console_sessions', 'pool-admin', 'pool-operator'),
    );
    expect(await xmlCall(pool, 'host.set_logging', [s.vmadmin!, pool.master.ref, {}])).toEqual(
      denied('host.set_logging', 'pool-admin', 'pool-operator'),
    );
  });

  it('gives power operations to vm-operator and migration to vm-power-admin', async () => {
    const vm = pool.vm('Windows 10 desktop').ref;
    expect(await xmlCall(pool, 'VM.start', [s.readonly!, vm, false, false])).toEqual(
      denied('vm.start', ...UP_TO_VM_OPERATOR),
    );
    expect(await ok(pool, 'VM.start', [s.vmoperator!, vm, false, false])).toBe('');
    const target = pool.hosts.find((h) => h.ref !== pool.vm(vm).record.resident_on)!;
    expect(await xmlCall(pool, 'VM.pool_migrate', [s.vmadmin!, vm, target.ref, { live: 'true' }])).toEqual(
      denied('vm.pool_migrate', 'pool-admin', 'pool-operator', 'vm-power-admin'),
    );
    expect(await ok(pool, 'VM.pool_migrate', [s.poweradmin!, vm, target.ref, { live: 'true' }])).toBe('');
    expect(pool.vm(vm).record.resident_on).toBe(target.ref);
    expect(await ok(pool, 'VM.hard_shutdown', [s.vmoperator!, vm])).toBe('');
  });

  it('guards host and pool operations', async () => {
    const host = pool.master.ref;
    expect(await xmlCall(pool, 'host.syslog_reconfigure', [s.vmadmin!, host])).toEqual(
      denied('host.syslog_reconfigure', 'pool-admin', 'pool-operator'),
    );
    expect(await ok(pool, 'host.syslog_reconfigure', [s.operator!, host])).toBe('');
    // xapi's data model gives the master transition to pool-operator (`datamodel_pool.ml`).
    expect(await xmlCall(pool, 'pool.designate_new_master', [s.vmadmin!, pool.hosts[1]!.ref])).toEqual(
      denied('pool.designate_new_master', 'pool-admin', 'pool-operator'),
    );
  });

  it('serves each host its own certificate, and host.get_server_certificate returns it to read-only', async () => {
    for (const host of pool.hosts) {
      const pem = (await ok(pool, 'host.get_server_certificate', [s.readonly!, host.ref])) as string;
      const socket = await openTls(pool, host);
      const presented = socket.getPeerCertificate();
      socket.destroy();
      expect(presented.subjectaltname).toBe(`IP Address:${host.address}`);
      expect(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64')).toEqual(presented.raw);
    }
  });
});

describe('sessions, subjects and roles', () => {
  it('describes the caller through the session getters', async () => {
    expect(await ok(pool, 'session.get_is_local_superuser', [s.root!, s.root!])).toBe(true);
    expect(await ok(pool, 'session.get_is_local_superuser', [s.admin!, s.admin!])).toBe(false);
    expect(await ok(pool, 'session.get_auth_user_name', [s.vmadmin!, s.vmadmin!])).toBe('vmadmin');
    expect(await ok(pool, 'session.get_this_host', [s.vmadmin!, s.vmadmin!])).toBe(pool.master.ref);
    expect(await ok(pool, 'session.get_uuid', [s.vmadmin!, s.vmadmin!])).toMatch(/^[0-9a-f-]{36}$/);
    const record = (await ok(pool, 'session.get_record', [s.vmoperator!, s.vmoperator!])) as Record<string, unknown>;
    expect(record.originator).toBe('xapi-sim tests');
    const permissions = (await ok(pool, 'session.get_rbac_permissions', [s.vmoperator!, s.vmoperator!])) as string[];
    expect(permissions).toContain('vm.start');
    expect(permissions).not.toContain('vm.pool_migrate');
  });

  it('links each user to a subject holding its role', async () => {
    const subject = (await ok(pool, 'session.get_subject', [s.operator!, s.operator!])) as string;
    const [role] = (await ok(pool, 'subject.get_roles', [s.operator!, subject])) as string[];
    expect(await ok(pool, 'role.get_name_label', [s.operator!, role!])).toBe('pool-operator');
    expect(await ok(pool, 'subject.get_subject_identifier', [s.operator!, subject])).toMatch(/^S-1-5-21-/);
    expect(await ok(pool, 'subject.get_other_config', [s.operator!, subject])).toMatchObject({
      'subject-displayname': 'operator',
    });
    expect(await ok(pool, 'session.get_subject', [s.root!, s.root!])).toBe('OpaqueRef:NULL');
    const roles = (await ok(pool, 'role.get_all_records', [s.readonly!])) as Record<string, { name_label: string }>;
    expect(Object.values(roles).map((r) => r.name_label)).toEqual([
      'pool-admin',
      'pool-operator',
      'vm-power-admin',
      'vm-admin',
      'vm-operator',
      'read-only',
    ]);
    expect(await ok(pool, 'role.get_by_name_label', [s.readonly!, 'vm-admin'])).toHaveLength(1);
    expect(Object.keys((await ok(pool, 'subject.get_all_records', [s.readonly!])) as object)).toHaveLength(6);
    expect(await xmlCall(pool, 'session.get_all', [s.root!])).toMatchObject({ code: 'MESSAGE_METHOD_UNKNOWN' });
  });

  it('ends a session on logout', async () => {
    const session = await login(pool, 'readonly');
    expect(await ok(pool, 'session.logout', [session])).toBe('');
    expect(await xmlCall(pool, 'VM.get_all', [session])).toEqual({
      ok: false,
      code: 'SESSION_INVALID',
      params: [session],
    });
  });
});

describe('pool members', () => {
  it('answer every API call, login included, with HOST_IS_SLAVE and the master address', async () => {
    const member = pool.hosts.find((h) => h.ref !== pool.master.ref)!;
    const slave = { ok: false, code: 'HOST_IS_SLAVE', params: [pool.master.address] };
    expect(await xmlCall(pool, 'session.login_with_password', ['root', 'xenroot'], member)).toEqual(slave);
    expect(await xmlCall(pool, 'VM.get_all', [s.root!], member)).toEqual(slave);
    expect(await xmlCall(pool, 'VM.no_such_call', [s.root!], member)).toEqual(slave);
  });
});

describe('guests', () => {
  it('shows a started guest only the vm-data/ and FIST/ entries of xenstore_data', async () => {
    const vm = pool.vm('Debian 12 web').ref;
    expect(pool.guestXenstore(vm)).toEqual({ 'vm-data/role': 'web', 'vm-data/cluster/id': '7', 'FIST/hooks': 'none' });
    expect(pool.guestXenstore(pool.vm('Windows 10 desktop').ref)).toBeUndefined();
  });

  it('pushes set_xenstore_data to a running guest, while add_to_xenstore_data waits for the next boot', async () => {
    const vm = pool.vm('Debian 12 web').ref;
    await ok(pool, 'VM.add_to_xenstore_data', [s.vmadmin!, vm, 'vm-data/later', '1']);
    expect(pool.guestXenstore(vm)).not.toHaveProperty(['vm-data/later']);
    const data = (await ok(pool, 'VM.get_xenstore_data', [s.root!, vm])) as Record<string, string>;
    await ok(pool, 'VM.set_xenstore_data', [s.vmadmin!, vm, { ...data, 'vm-data/now': '2', 'other/key': 'x' }]);
    expect(pool.guestXenstore(vm)).toMatchObject({ 'vm-data/later': '1', 'vm-data/now': '2' });
    expect(pool.guestXenstore(vm)).not.toHaveProperty(['other/key']);
  });

  it('boots a PV guest with disable_pv_vnc without consoles, and sets domid per boot', async () => {
    const vm = pool.vm('CentOS 7 legacy').ref;
    expect(pool.vm(vm).record.other_config).toHaveProperty('disable_pv_vnc');
    expect(pool.vm(vm).record.domid).toBe(-1);
    await ok(pool, 'VM.start', [s.root!, vm, false, false]);
    expect(pool.vm(vm).record.consoles).toEqual([]);
    expect(Number(pool.vm(vm).record.domid)).toBeGreaterThan(0);
    await ok(pool, 'VM.hard_shutdown', [s.root!, vm]);
    expect(pool.vm(vm).record.domid).toBe(-1);
    expect(pool.vm(vm).record.other_config).toMatchObject({ last_shutdown_reason: 'hard_shutdown' });
  });

  it('moves through suspend, resume, pause and unpause with XAPI power states', async () => {
    const vm = pool.vm('Windows 11 test').ref;
    expect(await xmlCall(pool, 'VM.start', [s.root!, vm, false, false])).toEqual({
      ok: false,
      code: 'VM_BAD_POWER_STATE',
      params: [vm, 'halted', 'suspended'],
    });
    await ok(pool, 'VM.resume', [s.root!, vm, true, false]);
    expect(pool.vm(vm).record.power_state).toBe('Paused');
    await ok(pool, 'VM.unpause', [s.root!, vm]);
    expect(pool.vm(vm).record.power_state).toBe('Running');
    expect(pool.vm(vm).record.consoles).toHaveLength(1);
    await ok(pool, 'VM.suspend', [s.root!, vm]);
    expect(pool.vm(vm).record).toMatchObject({ power_state: 'Suspended', consoles: [], resident_on: 'OpaqueRef:NULL' });
  });

  it('refuses power operations on templates and control domains', async () => {
    const template = pool.vm('Debian Bookworm 12').ref;
    expect(await xmlCall(pool, 'VM.start', [s.root!, template, false, false])).toMatchObject({
      code: 'VM_IS_TEMPLATE',
    });
    const dom0 = pool.record('host', pool.master.ref).control_domain as string;
    expect(await xmlCall(pool, 'VM.clean_reboot', [s.root!, dom0])).toMatchObject({ code: 'OPERATION_NOT_ALLOWED' });
  });
});
