import { describe, expect, it } from 'vitest';
import { parseQuery } from '../src/domain/search.ts';
import { buildInfrastructure, buildObjects, countMatches, flatten, type TreeNode } from '../src/inventory/tree.ts';
import { host, inventory, network, pbd, pif, pool, sr, vm } from './fixtures.ts';

const options = { showHidden: false, showDefaultTemplates: true, locale: 'en' };
const labels = (nodes: readonly TreeNode[]): string[] => nodes.map((n) => n.label);

function demo() {
  const p = pool({ name_label: 'Lab' });
  const h1 = host('host-1');
  const h2 = host('host-10');
  const h3 = host('host-2');
  const net = network('Pool network');
  const local = sr('Local storage', {
    other_config: { 'i18n-key': 'local-storage', 'i18n-original-value-name_label': 'Local storage' },
  });
  const localPbd = pbd(local.$ref, h1.$ref);
  (local as unknown as { PBDs: string[] }).PBDs = [localPbd.$ref];
  const shared = sr('NFS', { shared: true });
  const vms = [
    vm('web 10', { power_state: 'Running', resident_on: h1.$ref }),
    vm('web 9', { power_state: 'Running', resident_on: h1.$ref }),
    vm('parked', { power_state: 'Halted', affinity: h3.$ref }),
    vm('nowhere'),
    vm('secret', { other_config: { HideFromXenCenter: 'true' } }),
    vm('almost hidden', { other_config: { HideFromXenCenter: 'TRUE' } }),
    vm('P2V server', { is_a_template: true, other_config: { default_template: 'true', xensource_internal: 'true' } }),
    vm('Debian 12', { is_a_template: true, other_config: { default_template: 'true' } }),
    vm('golden', { is_a_template: true }),
    vm('__gui__temp'),
    vm('Control domain', { is_control_domain: true, power_state: 'Running', resident_on: h1.$ref }),
    vm('snap', { is_a_snapshot: true }),
  ];
  const nics = [pif('eth1', h1.$ref, net.$ref), pif('eth0', h1.$ref, net.$ref, { IP: '192.168.1.5' })];
  return inventory({
    pools: [p],
    hosts: [h1, h2, h3],
    vms,
    srs: [local, shared],
    pbds: [localPbd],
    networks: [net],
    pifs: nics,
  });
}

describe('the Infrastructure tree', () => {
  const [root] = buildInfrastructure(demo(), options);

  it('puts the pool on top with hosts in natural order, then homeless VMs, templates, shared SRs and networks', () => {
    expect(root!.label).toBe('Lab');
    expect(labels(root!.children)).toEqual([
      'host-1',
      'host-2',
      'host-10',
      'almost hidden',
      'nowhere',
      'Templates',
      'NFS',
      'Networks',
    ]);
  });

  it('places VMs on their resident host, halted ones on their affinity host, control domains nowhere', () => {
    const h1 = root!.children[0]!;
    expect(labels(h1.children)).toEqual(['web 9', 'web 10', 'Local storage on host-1', 'eth0', 'eth1']);
    expect(labels(root!.children[1]!.children)).toEqual(['parked']);
    expect(h1.children[0]!.icon).toBe('vm-running');
  });

  it('hides HideFromXenCenter="true" exactly, and never shows internal templates or __gui__ objects', () => {
    const all = JSON.stringify(root);
    expect(all).not.toContain('secret');
    expect(all).toContain('almost hidden');
    expect(all).not.toContain('P2V server');
    expect(all).not.toContain('__gui__');
  });

  it('gives default templates their own icon and a note that they cannot be deleted', () => {
    const templates = root!.children.find((n) => n.label === 'Templates')!;
    const debian = templates.children.find((n) => n.label === 'Debian 12')!;
    expect(debian.icon).toBe('template-default');
    expect(debian.note).toMatch(/cannot be deleted/);
    expect(templates.children.find((n) => n.label === 'golden')!.icon).toBe('template');
  });

  it('shows hidden objects greyed with "(hidden)" when asked', () => {
    const [shown] = buildInfrastructure(demo(), { ...options, showHidden: true });
    const secret = shown!.children.find((n) => n.label === 'secret (hidden)');
    expect(secret?.hidden).toBe(true);
  });

  it('can leave the default templates out', () => {
    const [noDefaults] = buildInfrastructure(demo(), { ...options, showDefaultTemplates: false });
    const templates = noDefaults!.children.find((n) => n.label === 'Templates')!;
    expect(labels(templates.children)).toEqual(['golden']);
  });

  it('localises installer SR names until they are renamed', () => {
    const [german] = buildInfrastructure(demo(), { ...options, locale: 'de-DE' });
    expect(labels(german!.children[0]!.children)).toContain('Lokaler Speicher auf host-1');
  });
});

describe('the Objects view', () => {
  it('groups objects by type', () => {
    const groups = buildObjects(demo(), options);
    expect(labels(groups)).toEqual([
      'Pools',
      'Servers',
      'Virtual machines',
      'Templates',
      'Snapshots',
      'Storage',
      'Networks',
      'Physical NICs',
    ]);
    expect(labels(groups[2]!.children)).toEqual(['almost hidden', 'nowhere', 'parked', 'web 9', 'web 10']);
  });
});

describe('flattening for the virtual list', () => {
  const roots = buildInfrastructure(demo(), options);

  it('opens pools and hosts by default, groups not, and follows toggles', () => {
    const rows = flatten(roots, new Map(), []);
    expect(rows[0]).toMatchObject({ depth: 0, expanded: true, position: 1, siblings: 1 });
    expect(rows.some((r) => r.node.label === 'golden')).toBe(false);
    const opened = flatten(roots, new Map([['group/templates', true]]), []);
    expect(opened.some((r) => r.node.label === 'golden' && r.depth === 2)).toBe(true);
    const closed = flatten(roots, new Map([[roots[0]!.id, false]]), []);
    expect(closed).toHaveLength(1);
  });

  it('shows matches with their ancestors, opened, when searching', () => {
    const query = parseQuery('golden 192.168.1.5');
    const rows = flatten(roots, new Map([[roots[0]!.id, false]]), query);
    expect(rows.map((r) => r.node.label)).toEqual(['Lab', 'host-1', 'eth0', 'Templates', 'golden']);
    expect(countMatches(rows, query)).toBe(2);
  });

  it('shows nothing when nothing matches', () => {
    expect(flatten(roots, new Map(), parseQuery('zzz'))).toEqual([]);
  });
});

describe('scale', () => {
  it('builds and searches 10,000 VMs on 100 hosts', () => {
    const hosts = Array.from({ length: 100 }, (_, i) => host(`host-${i}`));
    const vms = Array.from({ length: 10_000 }, (_, i) =>
      vm(`vm-${i}`, { power_state: 'Running', resident_on: hosts[i % 100]!.$ref }),
    );
    const data = inventory({ pools: [pool()], hosts, vms });
    const roots = buildInfrastructure(data, options);
    expect(flatten(roots, new Map(), [])).toHaveLength(1 + 100 + 10_000);
    const rows = flatten(roots, new Map(), parseQuery('vm-9999'));
    expect(rows.map((r) => r.node.label)).toEqual(['Pool', 'host-99', 'vm-9999']);
  });
});
