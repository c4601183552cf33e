import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../src/core.ts';
import { seededIds } from '../src/db/ids.ts';
import type { TableName } from '../src/db/tables.ts';
import { createDisplayFactory } from '../src/rfb/index.ts';
import { PoolBuilder } from '../src/seeds/builder.ts';
import { seedScale } from '../src/seeds/scale.ts';
import { startPool, type SimulatedPool } from '../src/index.ts';

let pool: SimulatedPool;
beforeAll(async () => {
  pool = await startPool({ authFailureDelayMs: 10 });
});
afterAll(() => pool.close());

/** The NIC settings documented for both PIF and VIF `other_config`. */
const NIC_KEYS = [
  'ethtool-rx',
  'ethtool-tx',
  'ethtool-sg',
  'ethtool-tso',
  'ethtool-ufo',
  'ethtool-gso',
  'ethtool-autoneg',
  'ethtool-speed',
  'ethtool-duplex',
  'promiscuous',
  'mtu',
];

/** Every key of the Management API extensions spec, with the object and map it lives in. */
const EXTENSION_KEYS: readonly [TableName, string, readonly string[]][] = [
  ['pool', 'other_config', ['rolling_upgrade_in_progress']],
  ['host', 'other_config', ['iscsi_iqn', 'multipathing', 'boot_time', 'agent_start_time']],
  [
    'host',
    'license_params',
    [
      'expiry',
      'sku_type',
      'restrict_pooling',
      'restrict_connection',
      'restrict_qos',
      'restrict_vlan',
      'restrict_pool_attached_storage',
    ],
  ],
  ['host', 'software_version', ['product_version', 'build_number', 'xapi', 'package-linux', 'oem_build_number']],
  ['host', 'logging', ['syslog_destination', 'multipathing', 'boot_time', 'agent_start_time']],
  [
    'VM',
    'other_config',
    [
      'default_template',
      'xensource_internal',
      'install_distro',
      'install-distro',
      'install-repository',
      'install-methods',
      'auto_poweron',
      'ignore_excessive_vcpus',
      'HideFromXenCenter',
      'import_task',
      'last_shutdown_time',
      'p2v_source_machine',
      'p2v_import_date',
      'disable_pv_vnc',
    ],
  ],
  ['VM', 'HVM_boot_params', ['order']],
  ['VM', 'VCPUs_params', ['weight']],
  [
    'SR',
    'other_config',
    [
      'auto-scan',
      'i18n-key',
      'i18n-original-value-name_label',
      'i18n-original-value-name_description',
      'HideFromXenCenter',
    ],
  ],
  ['SR', 'sm_config', ['type']],
  ['VDI', 'sm_config', ['vmhint']],
  ['VBD', 'other_config', ['owner', 'is_owner', 'class']],
  ['VBD', 'qos_algorithm_params', ['class']],
  ['network', 'other_config', ['automatic', 'import_task', 'HideFromXenCenter']],
  ['PIF', 'other_config', [...NIC_KEYS, 'HideFromXenCenter']],
  ['VIF', 'other_config', NIC_KEYS],
  ['VM_guest_metrics', 'PV_drivers_version', ['major', 'minor', 'micro']],
  ['task', 'other_config', ['object_creation']],
];

const values = (cls: TableName, field: string, key: string): string[] =>
  pool
    .findRefs(cls)
    .map((ref) => (pool.record(cls, ref)[field] as Record<string, string>)[key])
    .filter((v): v is string => v !== undefined);

describe('the demo seed', () => {
  it.each(EXTENSION_KEYS.flatMap(([cls, field, keys]) => keys.map((key) => [cls, field, key] as const)))(
    'has %s.%s[%s] on some object',
    (cls, field, key) => {
      expect(values(cls, field, key).length).toBeGreaterThan(0);
    },
  );

  it('uses every documented i18n-key, and has one SR renamed away from its original name', () => {
    expect(new Set(values('SR', 'other_config', 'i18n-key'))).toEqual(
      new Set(['local-hotplug-cd', 'local-hotplug-disk', 'local-storage', 'XenServer-tools']),
    );
    const renamed = pool.findRefs('SR', (r) => {
      const original = (r.other_config as Record<string, string>)['i18n-original-value-name_label'];
      return original !== undefined && original !== r.name_label;
    });
    expect(renamed).toHaveLength(1);
    expect(values('SR', 'sm_config', 'type')).toContain('cd');
    expect(values('network', 'other_config', 'automatic')).toEqual(['false']);
    expect(values('task', 'other_config', 'object_creation')).toEqual(['complete']);
    expect(values('VM', 'xenstore_data', 'vm-data/role').length).toBeGreaterThan(0);
  });

  it('runs Windows HVM and Linux PV guests on different hosts, and has halted and suspended ones', () => {
    const windows = pool.vm('Windows Server 2022').record;
    const linux = pool.vm('Debian 12 web').record;
    expect([windows.power_state, windows.domain_type, linux.power_state, linux.domain_type]).toEqual([
      'Running',
      'hvm',
      'Running',
      'pv',
    ]);
    expect(windows.HVM_boot_policy).not.toBe('');
    expect(linux.HVM_boot_policy).toBe('');
    expect(windows.resident_on).not.toBe(linux.resident_on);
    const states = (hvm: boolean) =>
      new Set(
        pool
          .findRefs('VM', (r) => !r.is_a_template && !r.is_control_domain && (r.HVM_boot_policy !== '') === hvm)
          .map((ref) => pool.record('VM', ref).power_state),
      );
    expect(states(true)).toEqual(new Set(['Running', 'Halted', 'Suspended']));
    expect(states(false)).toEqual(new Set(['Running', 'Halted', 'Suspended']));
    const metrics = pool.record('VM_guest_metrics', windows.guest_metrics as string);
    expect(metrics.other).toMatchObject({ 'feature-ts': '1', 'feature-ts2': '1', 'data-ts': '1' });
    expect(metrics.networks).toHaveProperty(['0/ip']);
  });

  it('gives each host a running control domain with rfb and vt100 consoles', () => {
    for (const host of pool.hosts) {
      const dom0 = pool.record('VM', pool.record('host', host.ref).control_domain as string);
      expect(dom0).toMatchObject({ is_control_domain: true, power_state: 'Running', resident_on: host.ref, domid: 0 });
      const protocols = (dom0.consoles as string[]).map((c) => pool.record('console', c).protocol).sort();
      expect(protocols).toEqual(['rfb', 'vt100']);
    }
  });

  it('has default and internal templates, hidden objects and a hostile name', () => {
    const defaults = pool.findRefs('VM', (r) => r.is_default_template === true);
    expect(defaults.length).toBeGreaterThanOrEqual(3);
    for (const ref of defaults) {
      expect(pool.record('VM', ref)).toMatchObject({ is_a_template: true, other_config: { default_template: 'true' } });
    }
    expect(values('VM', 'other_config', 'xensource_internal')).toEqual(['true']);
    for (const cls of ['VM', 'network', 'PIF'] as const) {
      expect(values(cls, 'other_config', 'HideFromXenCenter')).toContain('true');
    }
    expect(pool.vm('<img src=x onerror=alert(1)>').record.power_state).toBe('Running');
    expect(pool.findRefs('network', (r) => r.bridge === 'xenapi')).toHaveLength(1);
    expect(pool.findRefs('SR', (r) => r.shared === true && r.content_type === 'user')).toHaveLength(1);
    expect(pool.findRefs('SR', (r) => r.is_tools_sr === true)).toHaveLength(1);
    expect(pool.findRefs('PIF', (r) => r.management === true)).toHaveLength(pool.hosts.length);
  });

  it('keeps the one-to-many relations consistent both ways', () => {
    for (const [many, field, one, set] of [
      ['VIF', 'VM', 'VM', 'VIFs'],
      ['VBD', 'VDI', 'VDI', 'VBDs'],
      ['PIF', 'network', 'network', 'PIFs'],
      ['PBD', 'host', 'host', 'PBDs'],
      ['console', 'VM', 'VM', 'consoles'],
    ] as const) {
      for (const ref of pool.findRefs(many)) {
        const target = pool.record(many, ref)[field] as string;
        if (target === 'OpaqueRef:NULL') continue;
        expect(pool.record(one, target)[set]).toContain(ref);
      }
    }
  });
});

describe('the scale seed', () => {
  const build = (seed: number, hosts: number, vms: number) => {
    const core = createCore({
      ids: seededIds(seed),
      users: [],
      authFailureDelayMs: 0,
      operationMs: 0,
      displays: createDisplayFactory(),
      rfbVersion: '3.8',
      relays: new Map(),
      port: () => 443,
      hostServices: { certificateOf: () => '', designateMaster: () => undefined, refreshCertificate: () => undefined },
    });
    const addresses = Array.from({ length: hosts }, (_, i) => `127.200.${Math.floor(i / 200)}.${(i % 200) + 1}`);
    const started = performance.now();
    seedScale(new PoolBuilder(core.db, core.lifecycle, core.messages), addresses, vms, seed);
    return { db: core.db, ms: performance.now() - started };
  };
  const summary = (db: ReturnType<typeof build>['db']): string[] =>
    [...db.rows('VM')].map(([ref, r]) => `${ref} ${r.name_label as string} ${r.power_state as string}`);

  it('seeds 10,000 VMs on 100 hosts, most of them halted', () => {
    const { db, ms } = build(7, 100, 10_000);
    console.log(`scale seed: 10,000 VMs on 100 hosts in ${ms.toFixed(0)} ms`);
    const guests = [...db.rows('VM')].filter(([, r]) => !r.is_control_domain);
    expect(guests).toHaveLength(10_000);
    expect(db.count('host')).toBe(100);
    const running = guests.filter(([, r]) => r.power_state === 'Running').length;
    expect(running).toBeGreaterThan(500);
    expect(running).toBeLessThan(2000);
    expect(db.count('console')).toBeGreaterThanOrEqual(running + 200);
  });

  it('builds the same pool for the same seed number, and another for another', () => {
    const first = summary(build(7, 5, 300).db);
    expect(summary(build(7, 5, 300).db)).toEqual(first);
    expect(summary(build(8, 5, 300).db)).not.toEqual(first);
  });
});
