import { describe, expect, it } from 'vitest';
import { findEntry, parsePatchKey, patchKeyOf, readExtension, readExtensions } from '../src/catalogue/index.ts';
import { entry } from './support/entry.ts';

describe('findEntry', () => {
  it('splits patch keys at the first colon only', () => {
    expect(parsePatchKey('other_config:HideFromXenCenter')).toEqual({
      field: 'other_config',
      key: 'HideFromXenCenter',
    });
    expect(parsePatchKey('xenstore_data:vm-data/a:b')).toEqual({ field: 'xenstore_data', key: 'vm-data/a:b' });
    expect(parsePatchKey('MTU')).toEqual({ field: 'MTU' });
  });

  it('finds exact keys, plain fields and pattern entries', () => {
    expect(findEntry('VM', 'other_config:HideFromXenCenter')?.id).toBe('VM.other_config:HideFromXenCenter');
    expect(findEntry('network', 'MTU')?.id).toBe('network.MTU');
    expect(findEntry('VM', 'xenstore_data:vm-data/anything/deeper')?.id).toBe('VM.xenstore_data:vm-data/*');
    expect(findEntry('PIF', 'other_config:ethtool-speed')?.id).toBe('PIF.other_config:ethtool-speed');
    expect(findEntry('host', 'logging:syslog_destination')?.id).toBe('host.logging:syslog_destination');
  });

  it('prefers an exact key to a pattern, and a longer pattern to a shorter one', () => {
    expect(findEntry('host', 'license_params:restrict_vlan')?.id).toBe('host.license_params:restrict_vlan');
    expect(findEntry('host', 'license_params:restrict_gpu')?.id).toBe('host.license_params:restrict_*');
    expect(findEntry('VM', 'xenstore_data:vm-data/x')?.id).toBe('VM.xenstore_data:vm-data/*');
    expect(findEntry('VM', 'xenstore_data:FIST/x')?.id).toBe('VM.xenstore_data:*');
  });

  it('is case-sensitive and class-specific, like XAPI', () => {
    expect(findEntry('VM', 'other_config:hidefromxencenter')).toBeUndefined();
    expect(findEntry('VDI', 'other_config:HideFromXenCenter')).toBeUndefined();
    expect(findEntry('VIF', 'other_config:HideFromXenCenter')).toBeUndefined();
    expect(findEntry('PIF', 'MTU')).toBeUndefined();
    expect(findEntry('VM', 'other_config')).toBeUndefined();
    expect(findEntry('VM', 'other_config:foo')).toBeUndefined();
    expect(findEntry('Bond', 'other_config:HideFromXenCenter')).toBeUndefined();
  });

  it('round-trips patch keys', () => {
    const xs = entry('VM.xenstore_data:vm-data/*');
    expect(patchKeyOf(xs, 'vm-data/a')).toBe('xenstore_data:vm-data/a');
    expect(patchKeyOf(entry('network.MTU'))).toBe('MTU');
    expect(patchKeyOf(entry('VM.other_config:auto_poweron'))).toBe('other_config:auto_poweron');
  });
});

describe('readExtension aliases', () => {
  it('reads install_distro when install-distro is missing, and prefers the canonical spelling', () => {
    const e = entry('VM.other_config:install-distro');
    expect(readExtension(e, { other_config: { install_distro: 'rhlike' } })).toEqual({
      value: 'rhlike',
      raw: 'rhlike',
      isSet: true,
      source: { field: 'other_config', key: 'install_distro' },
    });
    expect(
      readExtension(e, { other_config: { install_distro: 'rhlike', 'install-distro': 'sleslike' } }),
    ).toMatchObject({
      value: 'sleslike',
      source: { field: 'other_config', key: 'install-distro' },
    });
  });

  it('reads VBD is_owner as owner', () => {
    const e = entry('VBD.other_config:owner');
    expect(readExtension(e, { other_config: { is_owner: 'true' } })).toMatchObject({
      value: true,
      source: { key: 'is_owner' },
    });
    expect(readExtension(e, { other_config: {} }).value).toBe(false);
  });

  it('reads VBD other_config:class as the ionice class', () => {
    const e = entry('VBD.qos_algorithm_params:class');
    expect(readExtension(e, { other_config: { class: '3' }, qos_algorithm_params: {} })).toMatchObject({
      value: 3,
      source: { field: 'other_config', key: 'class' },
    });
    expect(readExtension(e, { other_config: { class: '3' }, qos_algorithm_params: { class: '6' } })).toMatchObject({
      value: 6,
      source: { field: 'qos_algorithm_params', key: 'class' },
    });
  });

  it.each(['multipathing', 'boot_time', 'agent_start_time'])(
    'reads host %s from other_config first, then logging',
    (key) => {
      const e = findEntry('host', `other_config:${key}`)!;
      const fromLogging = readExtension(e, {
        other_config: {},
        logging: { [key]: key === 'multipathing' ? 'true' : '100.5' },
      });
      expect(fromLogging.source).toEqual({ field: 'logging', key });
      expect(fromLogging.isSet).toBe(true);
      const both = readExtension(e, {
        other_config: { [key]: key === 'multipathing' ? 'false' : '200' },
        logging: { [key]: key === 'multipathing' ? 'true' : '100.5' },
      });
      expect(both.source).toEqual({ field: 'other_config', key });
    },
  );

  it('reads the iSCSI IQN from the host field when other_config lacks it, ignoring an empty field', () => {
    const e = entry('host.other_config:iscsi_iqn');
    const iqn = 'iqn.2024-01.com.example:h1';
    expect(readExtension(e, { other_config: {}, iscsi_iqn: iqn })).toMatchObject({
      value: iqn,
      source: { field: 'iscsi_iqn' },
    });
    expect(readExtension(e, { other_config: {}, iscsi_iqn: '' }).isSet).toBe(false);
  });
});

describe('readExtension edge cases', () => {
  it('treats missing or malformed map fields as empty', () => {
    const e = entry('VM.other_config:HideFromXenCenter');
    expect(readExtension(e, {}).isSet).toBe(false);
    expect(readExtension(e, { other_config: 'nope' }).isSet).toBe(false);
    expect(readExtension(e, { other_config: ['true'] }).isSet).toBe(false);
    expect(readExtension(e, { other_config: { HideFromXenCenter: 1 } }).isSet).toBe(false);
  });

  it('does not read inherited properties as keys', () => {
    expect(
      readExtension(entry('VM.other_config:HideFromXenCenter'), {
        other_config: Object.create({ HideFromXenCenter: 'true' }),
      }).isSet,
    ).toBe(false);
  });

  it('needs a concrete key for a pattern entry', () => {
    expect(() => readExtension(entry('VM.xenstore_data:vm-data/*'), {})).toThrow(TypeError);
  });

  it('reads a partial tools version with a problem', () => {
    const read = readExtension(entry('VM_guest_metrics.PV_drivers_version:major.minor.micro'), {
      PV_drivers_version: { major: '8', minor: '2' },
    });
    expect(read).toMatchObject({ value: undefined, raw: '8.2.?', isSet: true });
    expect(read.problem).toContain('major.minor.micro');
  });

  it('reads the network MTU from the plain field', () => {
    expect(readExtension(entry('network.MTU'), { MTU: 9000 })).toEqual({
      value: 9000,
      raw: '9000',
      isSet: true,
      source: { field: 'MTU' },
    });
  });
});

describe('readExtensions', () => {
  const vm = {
    HVM_boot_policy: 'BIOS order',
    other_config: { HideFromXenCenter: 'true', folder: '/a' },
    xenstore_data: { 'vm-data/b': '2', 'vm-data/a': '1', 'FIST/x': 'y' },
    HVM_boot_params: {},
    VCPUs_params: { weight: '512', cap: '0' },
  };

  it('lists every fixed entry of the class once, set or not, with defaults', () => {
    const all = readExtensions('VM', vm);
    const fixed = all.filter((x) => !x.entry.keyPattern);
    expect(fixed).toHaveLength(15);
    expect(all.find((x) => x.key === 'other_config:HideFromXenCenter')).toMatchObject({ value: true, isSet: true });
    expect(all.find((x) => x.key === 'HVM_boot_params:order')).toMatchObject({ value: ['c', 'd'], isSet: false });
    expect(all.find((x) => x.key === 'VCPUs_params:weight')).toMatchObject({ value: 512, isSet: true });
  });

  it('expands pattern entries to the keys present, each under its most specific entry', () => {
    const keyed = readExtensions('VM', vm).filter((x) => x.entry.keyPattern);
    expect(keyed.map((x) => [x.key, x.entry.id, x.value])).toEqual([
      ['xenstore_data:vm-data/a', 'VM.xenstore_data:vm-data/*', '1'],
      ['xenstore_data:vm-data/b', 'VM.xenstore_data:vm-data/*', '2'],
      ['xenstore_data:FIST/x', 'VM.xenstore_data:*', 'y'],
    ]);
  });

  it('leaves keys the catalogue does not know (folder, cap) out', () => {
    const keys = readExtensions('VM', vm).map((x) => x.key);
    expect(keys).not.toContain('other_config:folder');
    expect(keys).not.toContain('VCPUs_params:cap');
  });

  it('shows the specific restrictions once and the others through the pattern', () => {
    const host = { license_params: { restrict_vlan: 'false', restrict_gpu: 'true', expiry: '20300101T00:00:00Z' } };
    const restrictions = readExtensions('host', host).filter((x) => x.key.startsWith('license_params:restrict'));
    expect(restrictions.map((x) => [x.key, x.entry.id])).toEqual([
      ['license_params:restrict_pooling', 'host.license_params:restrict_pooling'],
      ['license_params:restrict_connection', 'host.license_params:restrict_connection'],
      ['license_params:restrict_qos', 'host.license_params:restrict_qos'],
      ['license_params:restrict_vlan', 'host.license_params:restrict_vlan'],
      ['license_params:restrict_pool_attached_storage', 'host.license_params:restrict_pool_attached_storage'],
      ['license_params:restrict_gpu', 'host.license_params:restrict_*'],
    ]);
    expect(restrictions.find((x) => x.key === 'license_params:restrict_vlan')?.value).toBe(false);
  });

  it('lists both i18n original values of an SR', () => {
    const sr = {
      other_config: {
        'i18n-key': 'local-storage',
        'i18n-original-value-name_label': 'Local storage',
        'i18n-original-value-name_description': '',
      },
    };
    const keys = readExtensions('SR', sr).map((x) => x.key);
    expect(keys).toContain('other_config:i18n-original-value-name_label');
    expect(keys).toContain('other_config:i18n-original-value-name_description');
  });

  it('returns nothing for a class the catalogue does not cover', () => {
    expect(readExtensions('console', { other_config: { a: 'b' } })).toEqual([]);
  });
});
