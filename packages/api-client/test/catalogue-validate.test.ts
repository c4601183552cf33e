import { describe, expect, it } from 'vitest';
import {
  findEntry,
  isHiddenFromXenCenter,
  isHostname,
  isIPv4,
  isIPv6,
  planPatch,
  readExtension,
  validateValue,
} from '../src/catalogue/index.ts';
import { entry } from './support/entry.ts';

describe('XenCenter boolean rules', () => {
  const hide = entry('VM.other_config:HideFromXenCenter');

  it.each([
    ['true', true],
    ['True', false],
    ['TRUE', false],
    ['1', false],
    ['yes', false],
    [' true', false],
    ['', false],
  ])('HideFromXenCenter=%j hides: %s', (raw, hidden) => {
    const record = { other_config: { HideFromXenCenter: raw } };
    expect(readExtension(hide, record).value).toBe(hidden);
    expect(isHiddenFromXenCenter(record)).toBe(hidden);
  });

  it('writes lower-case values only, or removes the key, per convention', () => {
    const record = { other_config: {} };
    expect(validateValue(hide, 'true', { record })).toEqual({ ok: true, normalized: 'true' });
    expect(validateValue(hide, 'false', { record })).toEqual({ ok: true, normalized: null });
    expect(validateValue(entry('VM.other_config:auto_poweron'), 'false', { record })).toEqual({
      ok: true,
      normalized: 'false',
    });
    expect(validateValue(entry('network.other_config:automatic'), 'false', { record })).toEqual({
      ok: true,
      normalized: 'false',
    });
    expect(validateValue(entry('VBD.other_config:owner'), 'false', { record })).toEqual({ ok: true, normalized: null });
    expect(validateValue(entry('PIF.other_config:ethtool-tso'), 'off', { record })).toEqual({
      ok: true,
      normalized: 'false',
    });
    expect(validateValue(entry('VIF.other_config:promiscuous'), 'on', { record })).toEqual({
      ok: true,
      normalized: 'true',
    });
  });

  it('reads prefer-true keys as true unless exactly "false"', () => {
    const automatic = entry('network.other_config:automatic');
    expect(readExtension(automatic, {}).value).toBe(true);
    expect(readExtension(automatic, { other_config: { automatic: 'False' } }).value).toBe(true);
    expect(readExtension(automatic, { other_config: { automatic: 'false' } }).value).toBe(false);
  });

  it('reads presence keys as on for any value, even "false"', () => {
    const owner = entry('VBD.other_config:owner');
    expect(readExtension(owner, { other_config: { owner: 'false' } }).value).toBe(true);
    expect(readExtension(owner, { other_config: { owner: '' } }).value).toBe(true);
  });
});

describe('boot order', () => {
  const order = entry('VM.HVM_boot_params:order');
  const hvm = { HVM_boot_policy: 'BIOS order', HVM_boot_params: { order: 'cd' } };

  it('stores lower case and refuses unknown or repeated devices', () => {
    expect(validateValue(order, 'NDC', { record: hvm })).toEqual({ ok: true, normalized: 'ndc' });
    expect(validateValue(order, 'cdnx', { record: hvm }).ok).toBe(false);
    expect(validateValue(order, 'dd', { record: hvm })).toEqual({
      ok: false,
      message: 'Boot order lists D more than once',
    });
  });

  it('refuses a boot order on a PV guest and allows it when the policy is unknown', () => {
    expect(validateValue(order, 'cd', { record: { HVM_boot_policy: '' } })).toEqual({
      ok: false,
      message: 'Boot order applies to HVM guests only; this VM boots PV, from its bootable disk.',
    });
    expect(validateValue(order, 'cd', { record: {} }).ok).toBe(true);
  });

  it('reads an empty order as XAPI’s default "cd"', () => {
    expect(readExtension(order, { HVM_boot_params: { order: '' } })).toMatchObject({ value: ['c', 'd'], isSet: true });
  });
});

describe('MTU', () => {
  const mtu = entry('network.MTU');

  it.each([
    [1500, '1500', true],
    [1500, '9216', true],
    [1500, '9217', false],
    [1500, '1499', false],
    [9500, '9500', true],
    [9500, '9400', true],
    [9500, '9501', false],
    [1400, '1400', true],
    [1400, '1399', false],
    [1400, '9216', true],
  ])('with the current MTU %i, %s is allowed: %s', (current, input, allowed) => {
    expect(validateValue(mtu, input, { record: { MTU: current } }).ok).toBe(allowed);
  });

  it('names the widened range in its message', () => {
    expect(validateValue(mtu, '9600', { record: { MTU: 9500 } })).toEqual({
      ok: false,
      message: 'MTU must be a whole number from 1500 to 9500',
    });
    expect(validateValue(mtu, '1000', { record: { MTU: 1280 } })).toEqual({
      ok: false,
      message: 'MTU must be a whole number from 1280 to 9216',
    });
  });

  it('cannot be removed: it is a field', () => {
    expect(validateValue(mtu, null, { record: { MTU: 1500 } })).toEqual({
      ok: false,
      message: 'MTU cannot be removed: it is a field of the object, not a map key',
    });
  });

  it('widens a per-NIC override to its current value too', () => {
    const override = entry('PIF.other_config:mtu');
    expect(validateValue(override, '9500', { record: { other_config: { mtu: '9600' } } }).ok).toBe(true);
    expect(validateValue(override, '9500', { record: { other_config: {} } }).ok).toBe(false);
  });
});

describe('xenstore_data keys', () => {
  const vm = { xenstore_data: {} };
  const PREFIX = 'xenstore keys must start with vm-data/: XAPI silently drops anything else when the VM starts';

  it.each(['foo', 'vm-data', 'vm-datax/y', 'VM-DATA/x', 'FIST/x', 'data/vm-data/x', ''])(
    'refuses %j with the prefix explanation',
    (key) => {
      expect(planPatch('VM', vm, { [`xenstore_data:${key}`]: 'v' })).toEqual({
        ok: false,
        key: `xenstore_data:${key}`,
        message: PREFIX,
      });
    },
  );

  it.each(['vm-data/', 'vm-data//x', 'vm-data/a b', 'vm-data/x/', 'vm-data/a.b', 'vm-data/ü'])(
    'refuses the malformed vm-data key %j',
    (key) => {
      const plan = planPatch('VM', vm, { [`xenstore_data:${key}`]: 'v' });
      expect(plan).toEqual({
        ok: false,
        key: `xenstore_data:${key}`,
        message: 'xenstore keys look like vm-data/name[/name…], each name made of letters, digits, -, _ and @',
      });
    },
  );

  it.each(['vm-data/x', 'vm-data/agent/role', 'vm-data/a_b-c@1'])('accepts %j', (key) => {
    expect(planPatch('VM', vm, { [`xenstore_data:${key}`]: 'v' }).ok).toBe(true);
  });

  it('also refuses removing keys outside vm-data/', () => {
    expect(planPatch('VM', { xenstore_data: { foo: 'x' } }, { 'xenstore_data:foo': null })).toMatchObject({
      ok: false,
      message: PREFIX,
    });
  });
});

describe('syslog destination', () => {
  const syslog = entry('host.logging:syslog_destination');
  const record = { logging: {} };

  it.each([
    ['logs.example.com', 'logs.example.com'],
    ['LOGS.Example.COM', 'LOGS.Example.COM'],
    ['a', 'a'],
    ['10.0.0.1', '10.0.0.1'],
    ['::1', '::1'],
    ['fe80::1:2', 'fe80::1:2'],
    ['2001:db8:0:0:0:0:0:1', '2001:db8:0:0:0:0:0:1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['', null],
  ])('accepts %j', (input, normalized) => {
    expect(validateValue(syslog, input, { record })).toEqual({ ok: true, normalized });
  });

  it.each([
    'logs_example.com',
    'logs..example.com',
    '-logs',
    'logs-',
    'logs.example.com:514',
    '[::1]',
    'https://logs',
    'a b',
    '2001:db8::1::2',
    `${'a.'.repeat(127)}ab`,
  ])('refuses %j', (input) => {
    expect(validateValue(syslog, input, { record })).toEqual({
      ok: false,
      message: 'Syslog destination must be a host name or an IPv4 or IPv6 address (empty for local logging)',
    });
  });

  it('refuses a pool operator’s juniors', () => {
    expect(validateValue(syslog, 'logs', { record, role: 'vm-admin' })).toEqual({
      ok: false,
      message: 'Changing Syslog destination needs the Pool Operator role or higher (this session has VM Admin)',
    });
    expect(validateValue(syslog, 'logs', { record, role: 'pool-admin' }).ok).toBe(true);
  });
});

describe('addresses', () => {
  it.each([
    ['192.0.2.1', true],
    ['255.255.255.255', true],
    ['256.1.1.1', false],
    ['01.2.3.4', false],
    ['1.2.3', false],
  ])('IPv4 %s: %s', (text, ok) => expect(isIPv4(text)).toBe(ok));

  it.each([
    ['::', true],
    ['1::', true],
    ['::1', true],
    ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7:8:9', false],
    ['1:2:3:4:5:6:7', false],
    ['1::2:3:4:5:6:7:8', false],
    ['1:2:3:4:5:6:192.0.2.1', true],
    ['12345::', false],
    [':1', false],
    ['g::1', false],
  ])('IPv6 %s: %s', (text, ok) => expect(isIPv6(text)).toBe(ok));

  it('limits host names to 253 characters and labels to 63', () => {
    expect(isHostname(`${'a'.repeat(63)}.example`)).toBe(true);
    expect(isHostname(`${'a'.repeat(64)}.example`)).toBe(false);
    expect(isHostname(Array.from({ length: 64 }, () => 'abc').join('.'))).toBe(false);
  });
});

describe('validateValue in general', () => {
  it('removes map keys for null', () => {
    expect(validateValue(entry('VM.other_config:install-repository'), null, { record: {} })).toEqual({
      ok: true,
      normalized: null,
    });
  });

  it('checks the role before the value', () => {
    const weight = findEntry('VM', 'VCPUs_params:weight')!;
    expect(validateValue(weight, 'junk', { record: {}, role: 'vm-operator' })).toMatchObject({
      ok: false,
      message: 'Changing VCPU weight needs the VM Admin role or higher (this session has VM Operator)',
    });
  });

  it('refuses read-only entries whatever the role', () => {
    const task = entry('task.other_config:object_creation');
    expect(validateValue(task, 'complete', { record: {}, role: 'pool-admin' })).toEqual({
      ok: false,
      message: 'XAPI sets this while it runs the import; it is read-only.',
    });
  });
});
