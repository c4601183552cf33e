import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/http.ts';
import { loginErrorMessage } from '../src/app/login-errors.ts';
import { parseRoute, objectPath, consolePath } from '../src/navigation/routes.ts';
import {
  checkDraft,
  checkForm,
  inputOf,
  isRelevant,
  sliderFromWeight,
  weightFromSlider,
} from '../src/details/extension-form.ts';
import { guestIps, rdpOffer } from '../src/domain/remote-access.ts';
import { availableActions } from '../src/domain/power-actions.ts';
import { checkPoolMtu, describeGroups, effectiveMtu, isMixed } from '../src/domain/mtu.ts';
import { findEntry, readExtensions } from '../src/shared/catalogue.ts';
import type { GuestMetricsRec, VmRec } from '../src/api/wire.ts';

const vm = {
  other_config: {},
  xenstore_data: {},
  HVM_boot_policy: 'BIOS order',
  HVM_boot_params: {},
  VCPUs_params: {},
  is_a_template: false,
};

describe('extension drafts (validated by the catalogue)', () => {
  it('refuses an MTU outside 1500–9216 with the catalogue’s message, and accepts one inside', () => {
    const network = { MTU: 1500, other_config: {} };
    const bad = checkDraft('network', network, 'pool-admin', 'MTU', '99999');
    expect(bad).toMatchObject({ ok: false });
    expect(bad.ok ? '' : bad.message).toMatch(/1500 to 9216/);
    expect(checkDraft('network', network, 'pool-admin', 'MTU', 'jumbo').ok).toBe(false);
    expect(checkDraft('network', network, 'pool-admin', 'MTU', '9000')).toEqual({
      ok: true,
      normalized: '9000',
      unchanged: false,
    });
    expect(checkDraft('network', network, 'pool-admin', 'MTU', '1500')).toMatchObject({ ok: true, unchanged: true });
  });

  it('refuses xenstore keys outside vm-data/ and malformed vm-data keys', () => {
    const outside = checkDraft('VM', vm, 'pool-admin', 'xenstore_data:foo/bar', 'x');
    expect(outside.ok).toBe(false);
    expect(outside.ok ? '' : outside.message).toMatch(/vm-data\//);
    expect(checkDraft('VM', vm, 'pool-admin', 'xenstore_data:vm-data/bad key', 'x').ok).toBe(false);
    expect(checkDraft('VM', vm, 'pool-admin', 'xenstore_data:vm-data/role', 'web')).toMatchObject({
      ok: true,
      normalized: 'web',
    });
  });

  it('refuses what the role cannot write, naming both roles', () => {
    const result = checkDraft('VM', vm, 'vm-operator', 'other_config:HideFromXenCenter', 'true');
    expect(result.ok ? '' : result.message).toMatch(/VM Admin.*VM Operator/);
  });

  it('turns an empty map control into a removal, and a switch off into the catalogue’s false form', () => {
    const pif = { other_config: { 'ethtool-speed': '100' } };
    expect(checkDraft('PIF', pif, 'pool-admin', 'other_config:ethtool-speed', '')).toEqual({
      ok: true,
      normalized: null,
      unchanged: false,
    });
    const hidden = { ...vm, other_config: { HideFromXenCenter: 'true' } };
    expect(checkDraft('VM', hidden, 'pool-admin', 'other_config:HideFromXenCenter', 'false')).toMatchObject({
      normalized: null,
    });
  });

  it('puts only changed, valid keys in the PATCH body and reports the rest', () => {
    const record = { ...vm, other_config: { auto_poweron: 'true' } };
    const drafts = new Map<string, string | null>([
      ['other_config:auto_poweron', 'true'],
      ['other_config:HideFromXenCenter', 'true'],
      ['VCPUs_params:weight', '70000'],
    ]);
    const check = checkForm('VM', record, 'pool-admin', drafts);
    expect(check.patch).toEqual({ 'other_config:HideFromXenCenter': 'true' });
    expect([...check.errors.keys()]).toEqual(['VCPUs_params:weight']);
    expect([...check.changed].sort()).toEqual(['VCPUs_params:weight', 'other_config:HideFromXenCenter']);
  });

  it('shows stored values in control form', () => {
    const exts = readExtensions('VM', {
      ...vm,
      HVM_boot_params: { order: 'dcn' },
      other_config: { auto_poweron: 'true' },
    });
    const byKey = new Map(exts.map((e) => [e.key, e]));
    expect(inputOf(byKey.get('HVM_boot_params:order')!)).toBe('dcn');
    expect(inputOf(byKey.get('other_config:auto_poweron')!)).toBe('true');
    const pifExts = new Map(readExtensions('PIF', { other_config: {} }).map((e) => [e.key, e]));
    expect(inputOf(pifExts.get('other_config:ethtool-rx')!)).toBe('');
  });

  it('lists template-only keys on an ordinary VM only when they are set', () => {
    const entry = findEntry('VM', 'other_config:install-methods')!;
    expect(isRelevant({ entry, isSet: false }, 'VM', vm)).toBe(false);
    expect(isRelevant({ entry, isSet: true }, 'VM', vm)).toBe(true);
    expect(isRelevant({ entry, isSet: false }, 'VM', { ...vm, is_a_template: true })).toBe(true);
  });

  it('maps the VCPU weight slider as XenCenter does (4^position, 256 normal)', () => {
    expect(weightFromSlider(4)).toBe(256);
    expect(weightFromSlider(0)).toBe(1);
    expect(weightFromSlider(8)).toBe(65536);
    expect(sliderFromWeight(256)).toBe(4);
    expect(sliderFromWeight(65535)).toBe(8);
    expect(sliderFromWeight(0)).toBe(0);
  });
});

describe('the pool MTU check', () => {
  const nic = (name: string, mtu: number, network = 'net') => ({
    name,
    mtu,
    reportedMtu: mtu,
    override: false,
    network,
  });

  it('names the NICs whose MTUs differ, by network too', () => {
    const report = checkPoolMtu([
      nic('eth0 on h1', 1500),
      nic('eth0 on h2', 1500),
      nic('eth1 on h1', 9000, 'storage'),
      nic('eth1 on h2', 1500, 'storage'),
    ]);
    expect(isMixed(report)).toBe(true);
    expect(describeGroups(report.groups)).toBe('MTU 1500: eth0 on h1, eth0 on h2, eth1 on h2; MTU 9000: eth1 on h1');
    expect(report.networks.map((n) => n.network)).toEqual(['storage']);
  });

  it('is quiet when every NIC agrees', () => {
    expect(isMixed(checkPoolMtu([nic('a', 1500), nic('b', 1500)]))).toBe(false);
  });

  it('uses a usable other_config:mtu override', () => {
    expect(effectiveMtu(1500, { mtu: '9000' })).toEqual({ mtu: 9000, override: true });
    expect(effectiveMtu(1500, { mtu: 'big' })).toEqual({ mtu: 1500, override: false });
  });
});

describe('routes', () => {
  it('parses object and console addresses and refuses others', () => {
    expect(parseRoute('/')).toEqual({ name: 'inventory', tab: 'general' });
    expect(parseRoute('/object/vm/abc-1/extensions')).toEqual({
      name: 'inventory',
      cls: 'vm',
      uuid: 'abc-1',
      tab: 'extensions',
    });
    expect(parseRoute('/console/host/abc-1')).toEqual({ name: 'console', kind: 'host', uuid: 'abc-1' });
    expect(parseRoute('/console/vm/..%2F..%2Fapi')).toMatchObject({ name: 'not-found' });
    expect(parseRoute('/object/bogus/abc')).toMatchObject({ name: 'not-found' });
    expect(parseRoute('/object/vm/abc/nope')).toMatchObject({ name: 'not-found' });
    expect(objectPath('sr', 'x', 'general')).toBe('/object/sr/x');
    expect(consolePath('vm', 'x')).toBe('/console/vm/x');
  });
});

describe('guest-side access and power actions', () => {
  const gm = (other: Record<string, string>, networks: Record<string, string> = { '0/ip': '10.0.0.5' }) =>
    ({ other, networks, os_version: { name: 'Microsoft Windows' } }) as unknown as GuestMetricsRec;

  it('offers RDP only when the tools report it enabled and an address is known', () => {
    expect(rdpOffer(gm({ 'feature-ts2': '1', 'data-ts': '1' }))).toEqual({ ok: true, address: '10.0.0.5' });
    expect(rdpOffer(gm({ 'feature-ts2': '1', 'data-ts': '0' }))).toEqual({ ok: false, reason: 'not-enabled' });
    expect(rdpOffer(gm({ 'feature-ts2': '1', 'data-ts': '1' }, {}))).toEqual({ ok: false, reason: 'no-address' });
    expect(guestIps(gm({}))).toEqual(['10.0.0.5']);
  });

  it('offers the power actions the state allows', () => {
    const actions = (power_state: string, allowed: string[] = []) =>
      availableActions({ power_state, allowed_operations: allowed } as unknown as VmRec).map((a) => a.action);
    expect(actions('Halted')).toEqual(['start']);
    expect(actions('Suspended')).toEqual(['resume', 'hard_shutdown']);
    expect(actions('Running', ['clean_shutdown', 'hard_shutdown'])).toEqual(['shutdown', 'hard_shutdown']);
  });
});

describe('login errors', () => {
  it('explains each failure, with the wait after too many attempts', () => {
    expect(loginErrorMessage(new ApiError(401, 'AUTHENTICATION_FAILED', 'x')).message).toMatch(/wrong/);
    expect(loginErrorMessage(new ApiError(429, 'RATE_LIMITED', 'x', { retryAfter: 12.2, scope: 'user' }))).toEqual({
      message: 'Too many failed logins for this user name.',
      limit: { retryAfter: 13, scope: 'user' },
    });
    // Without a scope the stricter reading: every name from this address waits.
    expect(loginErrorMessage(new ApiError(429, 'RATE_LIMITED', 'x', { retryAfter: 3 }))).toEqual({
      message: 'Too many failed logins from this address.',
      limit: { retryAfter: 3, scope: 'address' },
    });
    expect(loginErrorMessage(new ApiError(503, 'POOL_UNREACHABLE', 'connection refused')).message).toBe(
      'The pool cannot be reached: connection refused',
    );
  });
});
