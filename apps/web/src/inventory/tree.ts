import {
  NULL_REF,
  textField,
  type AnyRec,
  type GuestMetricsRec,
  type HostMetricsRec,
  type HostRec,
  type NetworkRec,
  type PbdRec,
  type PifRec,
  type PoolRec,
  type SrRec,
  type VmRec,
  type WireClass,
} from '../api/wire.ts';
import { operationInProgress } from '../domain/power-actions.ts';
import { srDisplayName } from '../shared/catalogue.ts';
import { guestAddresses, matchesQuery, searchText, type Query } from '../domain/search.ts';
import { hostIcon, nicName, vmIcon } from '../objects/registry.ts';
import { flagsOfVm, isHidden } from '../domain/visibility.ts';

/**
 * The navigation trees, built from plain records (so they can be tested without a browser):
 * - Infrastructure, as XenCenter's: pool → hosts → their VMs, local SRs and NICs; then VMs with no home,
 *   templates, shared SRs and networks.
 * - Objects: one group per type.
 * Then `flatten` turns a tree, the expanded state and a search into the rows the virtual list shows.
 */

export type IconName =
  | 'pool'
  | 'host'
  | 'host-down'
  | 'host-disabled'
  | 'vm-running'
  | 'vm-halted'
  | 'vm-suspended'
  | 'vm-paused'
  | 'template'
  | 'template-default'
  | 'snapshot'
  | 'sr'
  | 'sr-shared'
  | 'network'
  | 'nic'
  | 'folder';

export type NodeKind = 'pool' | 'host' | 'vm' | 'template' | 'snapshot' | 'sr' | 'network' | 'pif' | 'group';

export interface TreeNode {
  readonly id: string;
  readonly kind: NodeKind;
  readonly cls?: WireClass;
  readonly uuid?: string;
  readonly label: string;
  readonly icon: IconName;
  /** Shown greyed with "(hidden)": only present when hidden objects are shown. */
  readonly hidden: boolean;
  /** A short note next to the label (the default-template lock). */
  readonly note?: string;
  /** What XAPI is doing to the object now (`current_operations`), shown as a spinner. */
  readonly busy?: string;
  /** Lower-cased name, description and addresses. */
  readonly search: string;
  readonly children: readonly TreeNode[];
}

export interface InventoryData {
  readonly pools: Iterable<PoolRec>;
  readonly hosts: Iterable<HostRec>;
  readonly vms: Iterable<VmRec>;
  readonly srs: Iterable<SrRec>;
  readonly networks: Iterable<NetworkRec>;
  readonly pifs: Iterable<PifRec>;
  /** Resolves a ref among pbd, host, host_metrics and vm_guest_metrics records. */
  byRef(ref: string): AnyRec | undefined;
}

export interface TreeOptions {
  readonly showHidden: boolean;
  readonly showDefaultTemplates: boolean;
  /** The browser language, for SR names. */
  readonly locale: string;
}

/**
 * Natural, case-insensitive order ("vm 9" before "vm 10") through a precomputed key per label: digit runs padded to a
 * fixed width, compared as plain strings. Much cheaper than a collator over 10,000 names.
 */
const sortKeys = new Map<string, string>();
function sortKey(label: string): string {
  let key = sortKeys.get(label);
  if (key === undefined) {
    key = label.toLowerCase().replace(/\d+/g, (digits) => digits.padStart(20, '0'));
    if (sortKeys.size > 200_000) sortKeys.clear();
    sortKeys.set(label, key);
  }
  return key;
}
const byLabel = (a: TreeNode, b: TreeNode): number => {
  const ka = sortKey(a.label);
  const kb = sortKey(b.label);
  return ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

function group(id: string, label: string, children: TreeNode[]): TreeNode {
  return { id, kind: 'group', label, icon: 'folder', hidden: false, search: '', children };
}

/** Leaf nodes are memoised per record and option set: a rebuild after one change recreates almost nothing. */
const leafMemo = new WeakMap<AnyRec, { key: string; node: TreeNode }>();

function memo(record: AnyRec, key: string, make: () => TreeNode): TreeNode {
  const hit = leafMemo.get(record);
  if (hit && hit.key === key) return hit.node;
  const node = make();
  leafMemo.set(record, { key, node });
  return node;
}

function displayLabel(label: string, hidden: boolean): string {
  const name = label === '' ? '(no name)' : label;
  return hidden ? `${name} (hidden)` : name;
}

function vmNode(vm: VmRec, data: InventoryData, kind: 'vm' | 'template' | 'snapshot'): TreeNode {
  const gm = vm.guest_metrics !== NULL_REF ? (data.byRef(vm.guest_metrics) as GuestMetricsRec | undefined) : undefined;
  return memo(vm, gm ? gm.$ref + String(gmVersion(gm)) : '', () => {
    const flags = flagsOfVm(vm);
    const busy = operationInProgress(vm);
    const addresses = gm ? guestAddresses(gm.networks) : [];
    return {
      id: `vm/${vm.uuid}`,
      kind,
      cls: 'vm',
      uuid: vm.uuid,
      label: displayLabel(vm.name_label, flags.hidden),
      icon: vmIcon(vm),
      hidden: flags.hidden,
      ...(kind === 'template' && flags.defaultTemplate ? { note: 'default template, cannot be deleted' } : {}),
      ...(busy ? { busy } : {}),
      search: searchText(vm.name_label, vm.name_description, addresses),
      children: [],
    };
  });
}

/** Guest metrics change independently of their VM; their identity is part of the VM row's memo key. */
const gmIds = new WeakMap<AnyRec, number>();
let gmCounter = 0;
function gmVersion(gm: AnyRec): number {
  let id = gmIds.get(gm);
  if (id === undefined) {
    id = ++gmCounter;
    gmIds.set(gm, id);
  }
  return id;
}

function srNode(sr: SrRec, locale: string, hostName: string | undefined): TreeNode {
  const hidden = isHidden(sr);
  return memo(sr, `${locale}|${hostName ?? ''}`, () => {
    const name = srDisplayName(sr, locale, hostName);
    return {
      id: `sr/${sr.uuid}`,
      kind: 'sr',
      cls: 'sr',
      uuid: sr.uuid,
      label: displayLabel(name, hidden),
      icon: sr.shared ? 'sr-shared' : 'sr',
      hidden,
      search: searchText(name, sr.name_description, []),
      children: [],
    };
  });
}

function networkNode(network: NetworkRec): TreeNode {
  const hidden = isHidden(network);
  return memo(network, '', () => ({
    id: `network/${network.uuid}`,
    kind: 'network',
    cls: 'network',
    uuid: network.uuid,
    label: displayLabel(network.name_label, hidden),
    icon: 'network',
    hidden,
    search: searchText(network.name_label, network.name_description, []),
    children: [],
  }));
}

function pifNode(pif: PifRec, data: InventoryData, hostName: string): TreeNode {
  const hidden = isHidden(pif);
  const network = data.byRef(pif.network);
  const networkName = network ? textField(network, 'name_label') : '';
  return memo(pif, `${networkName}|${hostName}`, () => {
    const label = nicName(pif);
    return {
      id: `pif/${pif.uuid}`,
      kind: 'pif',
      cls: 'pif',
      uuid: pif.uuid,
      label: displayLabel(label, hidden),
      icon: 'nic',
      hidden,
      ...(networkName ? { note: networkName } : {}),
      search: searchText(label, `${networkName} ${hostName}`, pif.IP ? [pif.IP] : []),
      children: [],
    };
  });
}

/** Where XenCenter puts a VM: its resident host, else its affinity host, else the pool. */
export function homeOf(vm: VmRec, hostRefs: ReadonlySet<string>): string | undefined {
  if (vm.resident_on !== NULL_REF && hostRefs.has(vm.resident_on)) return vm.resident_on;
  if (vm.power_state !== 'Running' && vm.affinity !== NULL_REF && hostRefs.has(vm.affinity)) return vm.affinity;
  return undefined;
}

interface Classified {
  readonly vms: VmRec[];
  readonly templates: VmRec[];
  readonly snapshots: VmRec[];
}

function classifyVms(data: InventoryData, options: TreeOptions): Classified {
  const out: Classified = { vms: [], templates: [], snapshots: [] };
  for (const vm of data.vms) {
    const flags = flagsOfVm(vm);
    if (flags.never || (flags.hidden && !options.showHidden)) continue;
    if (vm.is_a_snapshot) out.snapshots.push(vm);
    else if (vm.is_a_template) {
      if (!flags.defaultTemplate || options.showDefaultTemplates) out.templates.push(vm);
    } else out.vms.push(vm);
  }
  return out;
}

/** An unshared SR's host: the host of its (only) PBD. */
function srHost(sr: SrRec, data: InventoryData): HostRec | undefined {
  if (sr.shared) return undefined;
  for (const ref of sr.PBDs) {
    const pbd = data.byRef(ref) as PbdRec | undefined;
    const host = pbd ? (data.byRef(pbd.host) as HostRec | undefined) : undefined;
    if (host) return host;
  }
  return undefined;
}

const visible = (hidden: boolean, options: TreeOptions): boolean => !hidden || options.showHidden;

export function buildInfrastructure(data: InventoryData, options: TreeOptions): TreeNode[] {
  const hosts = [...data.hosts];
  const hostRefs = new Set(hosts.map((h) => h.$ref));
  const { vms, templates } = classifyVms(data, options);

  const byHost = new Map<string, TreeNode[]>();
  for (const host of hosts) byHost.set(host.$ref, []);
  const homeless: TreeNode[] = [];
  for (const vm of vms) {
    const home = homeOf(vm, hostRefs);
    (home ? byHost.get(home)! : homeless).push(vmNode(vm, data, 'vm'));
  }

  const hostSrs = new Map<string, TreeNode[]>();
  const sharedSrs: TreeNode[] = [];
  for (const sr of data.srs) {
    if (!visible(isHidden(sr), options)) continue;
    const host = srHost(sr, data);
    if (host && hostRefs.has(host.$ref)) {
      const list = hostSrs.get(host.$ref) ?? [];
      list.push(srNode(sr, options.locale, host.name_label));
      hostSrs.set(host.$ref, list);
    } else sharedSrs.push(srNode(sr, options.locale, undefined));
  }

  const hostPifs = new Map<string, TreeNode[]>();
  const hostNames = new Map(hosts.map((h) => [h.$ref, h.name_label]));
  for (const pif of data.pifs) {
    if (!visible(isHidden(pif), options) || !hostRefs.has(pif.host)) continue;
    const list = hostPifs.get(pif.host) ?? [];
    list.push(pifNode(pif, data, hostNames.get(pif.host) ?? ''));
    hostPifs.set(pif.host, list);
  }

  const hostNodes = hosts.map((host): TreeNode => {
    const vmsHere = byHost.get(host.$ref)!.sort(byLabel);
    const srsHere = (hostSrs.get(host.$ref) ?? []).sort(byLabel);
    const nics = (hostPifs.get(host.$ref) ?? []).sort(byLabel);
    return {
      id: `host/${host.uuid}`,
      kind: 'host',
      cls: 'host',
      uuid: host.uuid,
      label: displayLabel(host.name_label, false),
      icon: hostIcon(host, data.byRef(host.metrics) as HostMetricsRec | undefined),
      hidden: false,
      search: searchText(host.name_label, host.name_description, host.address ? [host.address] : []),
      children: [...vmsHere, ...srsHere, ...nics],
    };
  });
  hostNodes.sort(byLabel);

  const networks = [...data.networks]
    .filter((n) => visible(isHidden(n), options))
    .map(networkNode)
    .sort(byLabel);
  const templateNodes = templates.map((t) => vmNode(t, data, 'template')).sort(byLabel);
  const poolChildren = [
    ...hostNodes,
    ...homeless.sort(byLabel),
    ...(templateNodes.length ? [group('group/templates', 'Templates', templateNodes)] : []),
    ...sharedSrs.sort(byLabel),
    ...(networks.length ? [group('group/networks', 'Networks', networks)] : []),
  ];

  const pool = first(data.pools);
  if (!pool) return poolChildren;
  // XenCenter shows a nameless single-host pool as a standalone host.
  if (pool.name_label === '' && hostNodes.length === 1) {
    const [host] = hostNodes as [TreeNode];
    return [{ ...host, children: [...host.children, ...poolChildren.slice(1)] }];
  }
  return [
    {
      id: `pool/${pool.uuid}`,
      kind: 'pool',
      cls: 'pool',
      uuid: pool.uuid,
      label: displayLabel(pool.name_label, false),
      icon: 'pool',
      hidden: false,
      search: searchText(pool.name_label, pool.name_description, []),
      children: poolChildren,
    },
  ];
}

export function buildObjects(data: InventoryData, options: TreeOptions): TreeNode[] {
  const { vms, templates, snapshots } = classifyVms(data, options);
  const hosts = [...data.hosts];
  const hostNames = new Map(hosts.map((h) => [h.$ref, h.name_label]));
  const groups: [string, string, TreeNode[]][] = [
    [
      'objects/pools',
      'Pools',
      [...data.pools].map((pool): TreeNode => ({
        id: `pool/${pool.uuid}`,
        kind: 'pool',
        cls: 'pool',
        uuid: pool.uuid,
        label: displayLabel(pool.name_label, false),
        icon: 'pool',
        hidden: false,
        search: searchText(pool.name_label, pool.name_description, []),
        children: [],
      })),
    ],
    [
      'objects/hosts',
      'Servers',
      hosts.map((host): TreeNode => ({
        id: `host/${host.uuid}`,
        kind: 'host',
        cls: 'host',
        uuid: host.uuid,
        label: displayLabel(host.name_label, false),
        icon: hostIcon(host, data.byRef(host.metrics) as HostMetricsRec | undefined),
        hidden: false,
        search: searchText(host.name_label, host.name_description, host.address ? [host.address] : []),
        children: [],
      })),
    ],
    ['objects/vms', 'Virtual machines', vms.map((vm) => vmNode(vm, data, 'vm'))],
    ['objects/templates', 'Templates', templates.map((t) => vmNode(t, data, 'template'))],
    ['objects/snapshots', 'Snapshots', snapshots.map((s) => vmNode(s, data, 'snapshot'))],
    [
      'objects/srs',
      'Storage',
      [...data.srs]
        .filter((sr) => visible(isHidden(sr), options))
        .map((sr) => srNode(sr, options.locale, srHost(sr, data)?.name_label)),
    ],
    ['objects/networks', 'Networks', [...data.networks].filter((n) => visible(isHidden(n), options)).map(networkNode)],
    [
      'objects/pifs',
      'Physical NICs',
      [...data.pifs]
        .filter((pif) => visible(isHidden(pif), options))
        .map((pif) => {
          const node = pifNode(pif, data, hostNames.get(pif.host) ?? '');
          const host = hostNames.get(pif.host);
          return host ? { ...node, label: `${node.label} on ${host}` } : node;
        }),
    ],
  ];
  return groups
    .filter(([, , nodes]) => nodes.length > 0)
    .map(([id, label, nodes]) => group(id, label, nodes.sort(byLabel)));
}

function first<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}

export interface Row {
  readonly node: TreeNode;
  readonly depth: number;
  readonly expandable: boolean;
  readonly expanded: boolean;
  readonly parentId: string | undefined;
  /** 1-based position among its siblings, and their count (aria-posinset / aria-setsize). */
  readonly position: number;
  readonly siblings: number;
  /** During a search: whether this node matched itself (rather than being shown as an ancestor of a match). */
  readonly matched?: boolean;
}

/** Whether a node starts expanded before the user toggles it: pools, hosts and the main Objects groups. */
export function expandedByDefault(node: TreeNode): boolean {
  if (node.kind === 'group')
    return node.id === 'objects/vms' || node.id === 'objects/hosts' || node.id === 'objects/pools';
  return node.kind === 'pool' || node.kind === 'host';
}

/** The ids of a node's ancestors, outermost first; empty when the node is not in the tree. */
export function ancestorsOf(roots: readonly TreeNode[], id: string): string[] {
  const path: string[] = [];
  const visit = (nodes: readonly TreeNode[]): boolean => {
    for (const node of nodes) {
      if (node.id === id) return true;
      if (node.children.length === 0) continue;
      path.push(node.id);
      if (visit(node.children)) return true;
      path.pop();
    }
    return false;
  };
  return visit(roots) ? path : [];
}

/**
 * The visible rows. Without a search: the expanded parts of the tree. With one: every node that matches or has a
 * matching descendant, all opened, as XenCenter shows search results in the tree.
 */
export function flatten(roots: readonly TreeNode[], toggled: ReadonlyMap<string, boolean>, query: Query): Row[] {
  const rows: Row[] = [];
  if (query.length === 0) {
    const walk = (nodes: readonly TreeNode[], depth: number, parentId: string | undefined): void => {
      nodes.forEach((node, index) => {
        const expandable = node.children.length > 0;
        const expanded = expandable && (toggled.get(node.id) ?? expandedByDefault(node));
        rows.push({ node, depth, expandable, expanded, parentId, position: index + 1, siblings: nodes.length });
        if (expanded) walk(node.children, depth + 1, node.id);
      });
    };
    walk(roots, 0, undefined);
    return rows;
  }
  const keep = new Map<TreeNode, readonly TreeNode[]>();
  const selfMatch = new Set<TreeNode>();
  const mark = (node: TreeNode): boolean => {
    const self = node.kind !== 'group' && matchesQuery(node.search, query);
    if (self) selfMatch.add(node);
    // Leaves are most of the tree: no allocation for them.
    if (node.children.length === 0) return self;
    const kept = node.children.filter(mark);
    if (!self && kept.length === 0) return false;
    keep.set(node, kept);
    return true;
  };
  const keptRoots = roots.filter(mark);
  const walk = (nodes: readonly TreeNode[], depth: number, parentId: string | undefined): void => {
    nodes.forEach((node, index) => {
      const kids = keep.get(node) ?? [];
      rows.push({
        node,
        depth,
        expandable: kids.length > 0,
        expanded: kids.length > 0,
        parentId,
        position: index + 1,
        siblings: nodes.length,
        matched: selfMatch.has(node),
      });
      walk(kids, depth + 1, node.id);
    });
  };
  walk(keptRoots, 0, undefined);
  return rows;
}

/** Counts the objects a search matched (for the "N results" line). */
export function countMatches(rows: readonly Row[], query: Query): number {
  if (query.length === 0) return 0;
  let count = 0;
  for (const row of rows) if (row.matched) count++;
  return count;
}
