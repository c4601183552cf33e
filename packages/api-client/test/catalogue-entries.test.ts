import { describe, expect, it } from 'vitest';
import {
  CATALOGUE,
  findEntry,
  formatForDisplay,
  patchKeyOf,
  planPatch,
  readExtension,
  validateValue,
  type Entry,
  type ExtensionRecord,
  type ParsedValue,
} from '../src/catalogue/index.ts';

/**
 * One case per catalogue entry (a test fails when an entry has none): how stored values parse and display,
 * what absence reads as, and which inputs are accepted (with the exact string written) or refused.
 */

/** [stored raw, parsed value, display, has a problem?] */
type Stored = [raw: string, value: ParsedValue | undefined, display: string, problem?: true];

interface Case {
  /** A concrete patch key for pattern entries. */
  readonly key?: string;
  /** Fields the record needs besides the value (e.g. an HVM boot policy). */
  readonly base?: ExtensionRecord;
  readonly stored: readonly Stored[];
  readonly absent: readonly [value: ParsedValue | undefined, display: string];
  /** Editable entries: [input, normalized]. */
  readonly valid?: readonly [string, string | null][];
  /** Editable entries: [input, a fragment of the message]. */
  readonly invalid?: readonly [string, string][];
}

const NOW = new Date(1_700_090_000_500);
const date = (iso: string) => new Date(iso);

const hideCase: Case = {
  stored: [
    ['true', true, 'Hidden'],
    ['false', false, 'Shown'],
    ['True', false, 'Shown', true],
    ['1', false, 'Shown', true],
  ],
  absent: [false, 'Shown'],
  valid: [
    ['true', 'true'],
    ['false', null],
  ],
  invalid: [
    ['True', 'Hidden from XenCenter must be true or false'],
    ['yes', 'must be true or false'],
    ['1', 'must be true or false'],
  ],
};

const restrictionCase: Case = {
  stored: [
    ['true', true, 'Restricted'],
    ['false', false, 'Allowed'],
    ['maybe', true, 'Restricted', true],
  ],
  absent: [true, 'Restricted'],
};

const versionText = (value: string): Case => ({ stored: [[value, value, value]], absent: [undefined, 'Not reported'] });

const onOffCase = (label: string): Case => ({
  stored: [
    ['on', true, 'On'],
    ['true', true, 'On'],
    ['off', false, 'Off'],
    ['false', false, 'Off'],
    ['ON', undefined, 'Driver default', true],
  ],
  absent: [undefined, 'Driver default'],
  valid: [
    ['on', 'true'],
    ['true', 'true'],
    ['off', 'false'],
    ['false', 'false'],
  ],
  invalid: [
    ['ON', `${label} must be on, true, off or false`],
    ['1', 'must be on, true, off or false'],
  ],
});

const nicCases = (nic: 'PIF' | 'VIF'): Record<string, Case> => ({
  [`${nic}.other_config:ethtool-rx`]: onOffCase('RX checksumming'),
  [`${nic}.other_config:ethtool-tx`]: onOffCase('TX checksumming'),
  [`${nic}.other_config:ethtool-sg`]: onOffCase('Scatter-gather'),
  [`${nic}.other_config:ethtool-tso`]: onOffCase('TCP segmentation offload'),
  [`${nic}.other_config:ethtool-ufo`]: onOffCase('UDP fragmentation offload'),
  [`${nic}.other_config:ethtool-gso`]: onOffCase('Generic segmentation offload'),
  [`${nic}.other_config:ethtool-autoneg`]: onOffCase('Autonegotiation'),
  [`${nic}.other_config:ethtool-speed`]: {
    stored: [
      ['1000', '1000', '1000 Mb/s'],
      ['10', '10', '10 Mb/s'],
      ['10000', '10000', '10000', true],
    ],
    absent: [undefined, 'Driver default'],
    valid: [
      ['10', '10'],
      ['100', '100'],
      ['1000', '1000'],
    ],
    invalid: [
      ['10000', 'Link speed must be 10, 100 or 1000 (Mb/s)'],
      ['1G', 'must be 10, 100 or 1000'],
    ],
  },
  [`${nic}.other_config:ethtool-duplex`]: {
    stored: [
      ['half', 'half', 'Half duplex'],
      ['full', 'full', 'Full duplex'],
      ['auto', 'auto', 'auto', true],
    ],
    absent: [undefined, 'Driver default'],
    valid: [
      ['half', 'half'],
      ['full', 'full'],
    ],
    invalid: [['Full', 'Duplex must be half or full']],
  },
  [`${nic}.other_config:promiscuous`]: {
    ...onOffCase('Promiscuous mode'),
    stored: [
      ['on', true, 'On'],
      ['false', false, 'Off'],
      ['yes', undefined, 'Off', true],
    ],
    absent: [undefined, 'Off'],
  },
  [`${nic}.other_config:mtu`]: {
    stored: [
      ['9000', 9000, '9000'],
      ['65', 65, '65', true],
      ['abc', undefined, 'The network’s MTU', true],
    ],
    absent: [undefined, 'The network’s MTU'],
    valid: [
      ['68', '68'],
      ['9000', '9000'],
      ['09000', '9000'],
    ],
    invalid: [
      ['67', 'MTU override must be a whole number from 68 to 9216'],
      ['9217', 'from 68 to 9216'],
      ['9000 ', 'whole number'],
    ],
  },
});

const CASES: Record<string, Case> = {
  'pool.other_config:rolling_upgrade_in_progress': {
    stored: [
      ['true', true, 'Rolling upgrade in progress'],
      ['', true, 'Rolling upgrade in progress'],
    ],
    absent: [false, 'No rolling upgrade'],
  },
  'host.other_config:iscsi_iqn': {
    stored: [
      ['iqn.2024-01.com.example:host1', 'iqn.2024-01.com.example:host1', 'iqn.2024-01.com.example:host1'],
      ['host1', 'host1', 'host1', true],
    ],
    absent: [undefined, 'No IQN set'],
    valid: [
      ['iqn.2024-01.com.example:host1', 'iqn.2024-01.com.example:host1'],
      ['iqn.2016-04.com.open-iscsi:7f3b2c1d', 'iqn.2016-04.com.open-iscsi:7f3b2c1d'],
      ['eui.0123456789ABCDEF', 'eui.0123456789ABCDEF'],
    ],
    invalid: [
      ['host1', 'iSCSI IQN must be an iSCSI name such as iqn.2024-01.com.example:host1'],
      ['iqn.2024-01.com.example:a\tb', 'iSCSI IQN must not contain control characters'],
      ['', 'must be an iSCSI name'],
    ],
  },
  'host.license_params:expiry': {
    stored: [
      ['20250101T00:00:00Z', date('2025-01-01T00:00:00Z'), '2025-01-01 00:00:00 UTC'],
      ['2025-06-30T12:30:00Z', date('2025-06-30T12:30:00Z'), '2025-06-30 12:30:00 UTC'],
      ['never', undefined, 'No expiry recorded; XenCenter assumes 2030-01-01', true],
    ],
    absent: [date('2030-01-01T00:00:00Z'), '2030-01-01 00:00:00 UTC'],
  },
  'host.license_params:sku_type': {
    stored: [['Enterprise', 'Enterprise', 'Enterprise']],
    absent: [undefined, 'Not reported'],
  },
  'host.license_params:restrict_pooling': restrictionCase,
  'host.license_params:restrict_connection': restrictionCase,
  'host.license_params:restrict_qos': restrictionCase,
  'host.license_params:restrict_vlan': restrictionCase,
  'host.license_params:restrict_pool_attached_storage': restrictionCase,
  'host.license_params:restrict_*': { ...restrictionCase, key: 'license_params:restrict_xen_motion' },
  'host.software_version:product_version': versionText('8.2.1'),
  'host.software_version:build_number': versionText('release/yangtze/master/58'),
  'host.software_version:xapi': versionText('1.20'),
  'host.software_version:package-linux': {
    stored: [['installed', 'installed', 'Installed']],
    absent: [undefined, 'Not installed'],
  },
  'host.software_version:oem_build_number': versionText('12'),
  'host.logging:syslog_destination': {
    stored: [
      ['logs.example.com', 'logs.example.com', 'logs.example.com'],
      ['', '', 'Local logging only'],
      ['bad host', 'bad host', 'bad host', true],
    ],
    absent: [undefined, 'Local logging only'],
    valid: [
      ['logs.example.com', 'logs.example.com'],
      ['syslog', 'syslog'],
      ['192.0.2.10', '192.0.2.10'],
      ['2001:db8::1', '2001:db8::1'],
      ['', null],
    ],
    invalid: [
      ['bad host', 'Syslog destination must be a host name or an IPv4 or IPv6 address (empty for local logging)'],
      ['-logs.example.com', 'must be a host name'],
      ['logs.example.com.', 'must be a host name'],
      ['logs.example.com:514', 'must be a host name'],
      [`${'a'.repeat(64)}.example.com`, 'must be a host name'],
    ],
  },
  'host.other_config:multipathing': {
    stored: [
      ['true', true, 'On'],
      ['false', false, 'Off'],
      ['yes', false, 'Off', true],
    ],
    absent: [false, 'Off'],
  },
  'host.other_config:boot_time': {
    stored: [
      ['1700000000.5', new Date(1_700_000_000_500), '2023-11-14 22:13:20 UTC (up 1 day 1 hour)'],
      ['soon', undefined, 'Not reported', true],
    ],
    absent: [undefined, 'Not reported'],
  },
  'host.other_config:agent_start_time': {
    stored: [['1700086400.5', new Date(1_700_086_400_500), '2023-11-15 22:13:20 UTC (up 1 hour)']],
    absent: [undefined, 'Not reported'],
  },
  'VM.other_config:HideFromXenCenter': hideCase,
  'VM.other_config:default_template': {
    stored: [
      ['true', true, 'Default template'],
      ['false', true, 'Default template'],
    ],
    absent: [false, 'Custom'],
    valid: [
      ['true', 'true'],
      ['false', null],
    ],
    invalid: [['1', 'Default template must be true or false']],
  },
  'VM.other_config:xensource_internal': {
    stored: [['true', true, 'Internal']],
    absent: [false, 'Not internal'],
  },
  'VM.other_config:install-distro': {
    stored: [['rhlike', 'rhlike', 'rhlike']],
    absent: [undefined, 'No installer family'],
    valid: [
      ['rhlike', 'rhlike'],
      ['sleslike', 'sleslike'],
    ],
    invalid: [
      ['RHLike', 'Install distribution family must be a lower-case distribution family such as rhlike'],
      ['', 'lower-case distribution family'],
    ],
  },
  'VM.other_config:install-repository': {
    stored: [
      ['cdrom', 'cdrom', "The VM's CD drive"],
      ['http://mirror.example/centos', 'http://mirror.example/centos', 'http://mirror.example/centos'],
      ['floppy', 'floppy', 'floppy', true],
    ],
    absent: [undefined, 'No repository chosen'],
    valid: [
      ['cdrom', 'cdrom'],
      ['http://mirror.example/os', 'http://mirror.example/os'],
      ['https://mirror.example/os', 'https://mirror.example/os'],
      ['ftp://mirror.example/os', 'ftp://mirror.example/os'],
      ['nfs://server/export/os', 'nfs://server/export/os'],
      ['nfs:server:/export/os', 'nfs:server:/export/os'],
    ],
    invalid: [
      ['CDROM', 'Install repository must be cdrom or an http, https, ftp or nfs URL'],
      ['file:///srv/os', 'must be cdrom or an http'],
      ['http://', 'must be cdrom'],
      ['mirror.example/os', 'must be cdrom'],
      ['http://mirror.example/a b', 'must be cdrom'],
    ],
  },
  'VM.other_config:install-methods': {
    stored: [
      ['cdrom,nfs,http,ftp', ['cdrom', 'nfs', 'http', 'ftp'], 'CD/DVD or ISO, NFS, HTTP, FTP'],
      ['', [], 'None'],
      ['cdrom,smb', ['cdrom', 'smb'], 'CD/DVD or ISO, smb', true],
    ],
    absent: [undefined, 'None (user template)'],
    valid: [
      ['cdrom,http', 'cdrom,http'],
      ['cdrom, nfs', 'cdrom,nfs'],
      ['', ''],
    ],
    invalid: [
      ['cdrom,smb', 'Install methods may include only cdrom, nfs, http or ftp, not “smb”'],
      ['cdrom,cdrom', 'Install methods lists “cdrom” more than once'],
      ['cdrom,,nfs', 'not “”'],
      ['CDROM', 'not “CDROM”'],
    ],
  },
  'VM.other_config:auto_poweron': {
    stored: [
      ['true', true, 'Starts with the host'],
      ['false', false, 'Started by hand'],
      ['TRUE', false, 'Started by hand', true],
    ],
    absent: [false, 'Started by hand'],
    valid: [
      ['true', 'true'],
      ['false', 'false'],
    ],
    invalid: [
      ['on', 'Start when the host boots must be true or false'],
      ['1', 'must be true or false'],
    ],
  },
  'VM.other_config:ignore_excessive_vcpus': {
    stored: [
      ['true', true, 'Warning silenced'],
      ['false', false, 'Warning shown'],
    ],
    absent: [false, 'Warning shown'],
    valid: [
      ['true', 'true'],
      ['false', 'false'],
    ],
    invalid: [['yes', 'Ignore excessive vCPUs must be true or false']],
  },
  'VM.other_config:import_task': {
    stored: [['OpaqueRef:5b3c', 'OpaqueRef:5b3c', 'OpaqueRef:5b3c']],
    absent: [undefined, 'Not created by an import'],
  },
  'VM.other_config:last_shutdown_time': {
    stored: [
      ['20240501T10:20:30Z', date('2024-05-01T10:20:30Z'), '2024-05-01 10:20:30 UTC'],
      ['yesterday', undefined, 'Never shut down', true],
    ],
    absent: [undefined, 'Never shut down'],
  },
  'VM.other_config:p2v_source_machine': {
    stored: [['phys-01', 'phys-01', 'phys-01']],
    absent: [undefined, 'Not a P2V import'],
  },
  'VM.other_config:p2v_import_date': {
    stored: [['2024-02-03T04:05:06Z', date('2024-02-03T04:05:06Z'), '2024-02-03 04:05:06 UTC']],
    absent: [undefined, 'Not a P2V import'],
  },
  'VM.other_config:disable_pv_vnc': {
    stored: [
      ['1', true, 'Console disabled'],
      ['true', true, 'Console disabled'],
      ['false', true, 'Console disabled'],
    ],
    absent: [false, 'Console enabled'],
    valid: [
      ['true', 'true'],
      ['false', null],
    ],
    invalid: [['1', 'Disable PV text console must be true or false']],
  },
  'VM.HVM_boot_params:order': {
    base: { HVM_boot_policy: 'BIOS order' },
    stored: [
      ['cdn', ['c', 'd', 'n'], 'C (Hard disk), D (DVD drive), N (Network)'],
      ['DC', ['d', 'c'], 'D (DVD drive), C (Hard disk)'],
      ['cxc', ['c'], 'C (Hard disk)', true],
    ],
    absent: [['c', 'd'], 'C (Hard disk), D (DVD drive)'],
    valid: [
      ['CDN', 'cdn'],
      ['n', 'n'],
      ['dC', 'dc'],
    ],
    invalid: [
      ['', 'Boot order needs at least one device: C (Hard disk), D (DVD drive) or N (Network)'],
      ['CDX', 'Boot order may contain only C (Hard disk), D (DVD drive) or N (Network), not “x”'],
      ['CDC', 'Boot order lists C more than once'],
      ['C,D', 'not “,”'],
    ],
  },
  'VM.VCPUs_params:weight': {
    stored: [
      ['512', 512, '512'],
      ['70000', 70000, '70000', true],
      ['abc', undefined, 'Normal (256)', true],
    ],
    absent: [256, '256'],
    valid: [
      ['1', '1'],
      ['256', '256'],
      ['65536', '65536'],
      ['0256', '256'],
    ],
    invalid: [
      ['0', 'VCPU weight must be a whole number from 1 to 65536'],
      ['65537', 'VCPU weight must be a whole number from 1 to 65536'],
      ['12abc', 'whole number'],
      ['1e3', 'whole number'],
      [' 12', 'whole number'],
      ['12 ', 'whole number'],
      ['12.0', 'whole number'],
      ['-5', 'whole number'],
      ['+5', 'whole number'],
      ['', 'whole number'],
      ['99999999999999999999', 'whole number'],
    ],
  },
  'VM.xenstore_data:vm-data/*': {
    key: 'xenstore_data:vm-data/agent/role',
    stored: [
      ['web', 'web', 'web'],
      ['', '', ''],
    ],
    absent: [undefined, 'Not set'],
    valid: [
      ['web', 'web'],
      ['', ''],
      ['{"a": 1}', '{"a": 1}'],
    ],
    invalid: [
      ['a\nb', 'xenstore vm-data entry must not contain control characters'],
      ['x'.repeat(4097), 'xenstore vm-data entry must be at most 4096 characters'],
    ],
  },
  'VM.xenstore_data:*': {
    key: 'xenstore_data:FIST/thing',
    stored: [['1', '1', '1']],
    absent: [undefined, 'Not set'],
  },
  'VM_guest_metrics.PV_drivers_version:major.minor.micro': {
    stored: [
      ['9.3.2', { major: 9, minor: 3, micro: 2, text: '9.3.2' }, '9.3.2'],
      ['9.x.2', undefined, 'No tools detected', true],
    ],
    absent: [undefined, 'No tools detected'],
  },
  'SR.other_config:auto-scan': {
    stored: [
      ['true', true, 'Scanned automatically'],
      ['false', false, 'Not scanned automatically'],
    ],
    absent: [false, 'Not scanned automatically'],
    valid: [
      ['true', 'true'],
      ['false', 'false'],
    ],
    invalid: [['yes', 'Automatic scan must be true or false']],
  },
  'SR.other_config:i18n-key': {
    stored: [
      ['local-storage', 'local-storage', 'Local storage'],
      ['local-hotplug-cd', 'local-hotplug-cd', 'DVD drives'],
      ['local-hotplug-disk', 'local-hotplug-disk', 'Removable storage'],
      ['XenServer-tools', 'XenServer-tools', 'XenServer Tools'],
      ['ebs', 'ebs', 'ebs', true],
    ],
    absent: [undefined, 'Names shown as stored'],
  },
  'SR.other_config:i18n-original-value-*': {
    key: 'other_config:i18n-original-value-name_label',
    stored: [['Local storage', 'Local storage', 'Local storage']],
    absent: [undefined, 'Not recorded'],
  },
  'SR.sm_config:type': {
    stored: [['cd', 'cd', 'Physical CD/DVD drive']],
    absent: [undefined, 'Not a CD drive SR'],
  },
  'SR.other_config:HideFromXenCenter': hideCase,
  'VDI.sm_config:vmhint': {
    stored: [
      [
        '0C1A5F0E-1234-4ABC-8DEF-0123456789AB',
        { form: 'uuid', id: '0c1a5f0e-1234-4abc-8def-0123456789ab' },
        '0c1a5f0e-1234-4abc-8def-0123456789ab',
      ],
      ['OpaqueRef:1234-abcd', { form: 'ref', id: 'OpaqueRef:1234-abcd' }, 'OpaqueRef:1234-abcd (opaque reference)'],
      ['vm1', undefined, 'No hint', true],
    ],
    absent: [undefined, 'No hint'],
    valid: [['0C1A5F0E-1234-4ABC-8DEF-0123456789AB', '0c1a5f0e-1234-4abc-8def-0123456789ab']],
    invalid: [
      ['OpaqueRef:1234-abcd', "VM hint must be the VM's UUID (opaque references are read but not written)"],
      ['vm1', "must be the VM's UUID"],
    ],
  },
  'VBD.other_config:owner': {
    stored: [
      ['true', true, 'Deleted with the VM'],
      ['anything', true, 'Deleted with the VM'],
    ],
    absent: [false, 'Kept when the VM is deleted'],
    valid: [
      ['true', 'true'],
      ['false', null],
    ],
    invalid: [['yes', 'Disk owned by the VM must be true or false']],
  },
  'VBD.qos_algorithm_params:class': {
    stored: [
      ['0', 0, '0'],
      ['7', 7, '7'],
      ['9', 9, '9', true],
      ['x', undefined, 'Scheduler default', true],
    ],
    absent: [undefined, 'Scheduler default'],
    valid: [
      ['0', '0'],
      ['4', '4'],
      ['7', '7'],
    ],
    invalid: [
      ['8', 'Disk I/O priority must be a whole number from 0 to 7'],
      ['-1', 'from 0 to 7'],
      ['high', 'from 0 to 7'],
    ],
  },
  'network.other_config:automatic': {
    stored: [
      ['false', false, 'Not added to new VMs'],
      ['true', true, 'Added to new VMs'],
      ['no', true, 'Added to new VMs', true],
    ],
    absent: [true, 'Added to new VMs'],
    valid: [
      ['true', 'true'],
      ['false', 'false'],
    ],
    invalid: [['no', 'Add to new VMs must be true or false']],
  },
  'network.other_config:import_task': {
    stored: [['OpaqueRef:77', 'OpaqueRef:77', 'OpaqueRef:77']],
    absent: [undefined, 'Not created by an import'],
  },
  'network.other_config:HideFromXenCenter': hideCase,
  'network.MTU': {
    base: {},
    stored: [
      ['9000', 9000, '9000'],
      ['1400', 1400, '1400', true],
    ],
    absent: [1500, '1500'],
    valid: [
      ['1500', '1500'],
      ['9216', '9216'],
    ],
    invalid: [
      ['9217', 'MTU must be a whole number from 1500 to 9216'],
      ['1499', 'MTU must be a whole number from 1500 to 9216'],
      ['9000.0', 'whole number'],
      ['', 'whole number'],
    ],
  },
  ...nicCases('PIF'),
  'PIF.other_config:HideFromXenCenter': hideCase,
  ...nicCases('VIF'),
  'task.other_config:object_creation': {
    stored: [['complete', 'complete', 'All objects created']],
    absent: [undefined, 'Still creating objects'],
  },
};

/** A record holding `raw` where the entry reads it (split into parts for composite entries). */
function recordWith(entry: Entry, key: string | undefined, raw: string, base: ExtensionRecord = {}): ExtensionRecord {
  if (entry.keys) {
    const parts = raw.split('.');
    return { ...base, [entry.field]: Object.fromEntries(entry.keys.map((k, i) => [k, parts[i] ?? ''])) };
  }
  if (key === undefined) return { ...base, [entry.field]: Number(raw) };
  return { ...base, [entry.field]: { [key]: raw } };
}

const concreteKey = (entry: Entry, c: Case): string | undefined => {
  if (entry.keys) return undefined;
  const patchKey = c.key ?? patchKeyOf(entry);
  const colon = patchKey.indexOf(':');
  return colon < 0 ? undefined : patchKey.slice(colon + 1);
};

describe('every catalogue entry has a case', () => {
  it('covers each entry exactly', () => {
    expect(Object.keys(CASES).sort()).toEqual(CATALOGUE.map((e) => e.id).sort());
  });
});

describe.each(CATALOGUE.map((entry) => [entry.id, entry] as const))('%s', (id, entry) => {
  const c = CASES[id]!;
  const patchKey = c.key ?? patchKeyOf(entry);
  const key = concreteKey(entry, c);

  it('is what its patch key finds', () => {
    expect(findEntry(entry.cls, patchKey)).toBe(entry);
  });

  it.each(c.stored.map((s) => [s[0], s] as const))(
    'parses and displays stored %j',
    (_raw, [raw, value, display, problem]) => {
      const record = recordWith(entry, key, raw, c.base);
      const read = readExtension(entry, record, entry.keyPattern ? key : undefined);
      expect(read.value).toEqual(value);
      expect(read.isSet).toBe(true);
      expect(read.raw).toBe(raw);
      expect(read.source?.field).toBe(entry.field);
      expect(read.problem !== undefined).toBe(problem === true);
      expect(formatForDisplay(entry, read.value, { now: NOW })).toBe(display);
    },
  );

  it('reads an absent key as documented', () => {
    const read = readExtension(entry, c.base ?? {}, entry.keyPattern ? key : undefined);
    expect(read).toEqual({ value: c.absent[0], raw: undefined, isSet: false, source: undefined });
    expect(formatForDisplay(entry, read.value, { now: NOW })).toBe(c.absent[1]);
  });

  if (entry.editable) {
    const record = { ...(c.base ?? { HVM_boot_policy: 'BIOS order' }) };

    it.each(c.valid ?? [])('accepts %j as %j', (input, normalized) => {
      expect(validateValue(entry, input, { record })).toEqual({ ok: true, normalized });
      const plan = planPatch(entry.cls, record, { [patchKey]: input });
      expect(plan.ok).toBe(true);
    });

    it.each(c.invalid ?? [])('refuses %j', (input, message) => {
      const result = validateValue(entry, input, { record });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.message).toContain(message);
      expect(planPatch(entry.cls, record, { [patchKey]: input })).toEqual({
        ok: false,
        key: patchKey,
        message: !result.ok && result.message,
      });
    });

    it('has cases for both valid and invalid input', () => {
      expect(c.valid?.length).toBeGreaterThan(0);
      expect(c.invalid?.length).toBeGreaterThan(0);
    });

    it('is written only by its role or above', () => {
      expect(validateValue(entry, c.valid![0]![0], { record, role: entry.writeRole }).ok).toBe(true);
      expect(validateValue(entry, c.valid![0]![0], { record, role: 'read-only' })).toEqual({
        ok: false,
        message: expect.stringContaining(`Changing ${entry.label} needs the`),
      });
    });
  } else {
    it('refuses writes and removal with its reason', () => {
      const record = recordWith(entry, key, c.stored[0]![0], c.base);
      expect(validateValue(entry, c.stored[0]![0], { record })).toEqual({ ok: false, message: entry.readOnlyReason });
      expect(validateValue(entry, null, { record })).toEqual({ ok: false, message: entry.readOnlyReason });
      expect(planPatch(entry.cls, record, { [patchKey]: null }, { role: 'pool-admin' })).toEqual({
        ok: false,
        key: patchKey,
        message: entry.readOnlyReason,
      });
    });
  }
});
