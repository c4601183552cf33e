import type { DetailTab } from '../navigation/routes.ts';
import {
  NULL_REF,
  XAPI_CLASS,
  type AnyRec,
  type HostMetricsRec,
  type HostRec,
  type PifRec,
  type RecordOf,
  type VmRec,
  type WireClass,
} from '../api/wire.ts';
import type { IconName } from '../inventory/tree.ts';
import { flagsOfVm, isHidden } from '../domain/visibility.ts';
import { entriesOf, srDisplayName } from '../shared/catalogue.ts';
import type { Reads } from '../store/reads.ts';

/**
 * What the web app knows of each XAPI class, in one place: its label, how an object is named, its icon, whether it is
 * hidden, and which tabs its page has. A `Record` over the contract's classes, so a new class must be described here.
 */
export interface ClassInfo<C extends WireClass> {
  readonly label: string;
  readonly name: (record: RecordOf[C], reads: Reads, locale: string) => string;
  readonly icon: (record: RecordOf[C], reads: Reads) => IconName;
  readonly hidden: (record: RecordOf[C]) => boolean;
  /** Tabs beyond General, Extensions and Other config (those follow from the catalogue and the record). */
  readonly tabs: (record: RecordOf[C]) => readonly DetailTab[];
}

/** An object with its class: a discriminated union, so `switch (object.cls)` types `object.record`. */
export type ObjectOf<C extends WireClass = WireClass> = {
  readonly [K in C]: { readonly cls: K; readonly uuid: string; readonly record: RecordOf[K] };
}[C];

const nameLabel = (record: AnyRec): string => {
  const name = typeof record.name_label === 'string' ? record.name_label : '';
  return name || (typeof record.uuid === 'string' ? record.uuid : '(no name)');
};

/** A physical NIC's name, as the tree and its page both spell it: its device and VLAN. */
export const nicName = (pif: PifRec): string =>
  pif.device ? `${pif.device}${pif.VLAN >= 0 ? ` VLAN ${pif.VLAN}` : ''}` : 'NIC';

/** A host that does not answer (its metrics say not live) is down, whatever else it says. */
export function hostIcon(host: HostRec, metrics: HostMetricsRec | undefined): IconName {
  if (metrics?.live === false) return 'host-down';
  return host.enabled === false ? 'host-disabled' : 'host';
}

export function vmIcon(vm: VmRec): IconName {
  if (vm.is_a_snapshot) return 'snapshot';
  if (vm.is_a_template) return flagsOfVm(vm).defaultTemplate ? 'template-default' : 'template';
  switch (vm.power_state) {
    case 'Running':
      return 'vm-running';
    case 'Suspended':
      return 'vm-suspended';
    case 'Paused':
      return 'vm-paused';
    default:
      return 'vm-halted';
  }
}

const never = (): boolean => false;
const noTabs = (): readonly DetailTab[] => [];
const plain = <C extends WireClass>(label: string, icon: IconName = 'folder'): ClassInfo<C> => ({
  label,
  name: nameLabel,
  icon: () => icon,
  hidden: never,
  tabs: noTabs,
});

export const CLASSES: { readonly [C in WireClass]: ClassInfo<C> } = {
  pool: plain('Pool', 'pool'),
  host: {
    label: 'Server',
    name: nameLabel,
    icon: (host, reads) =>
      hostIcon(host, host.metrics === NULL_REF ? undefined : reads.byRef('host_metrics', host.metrics)),
    hidden: never,
    tabs: () => ['console', 'performance'],
  },
  host_metrics: plain('Server metrics'),
  vm: {
    label: 'Virtual machine',
    name: nameLabel,
    icon: vmIcon,
    hidden: (vm) => flagsOfVm(vm).hidden,
    tabs: (vm) => (vm.is_a_template || vm.is_a_snapshot ? [] : ['console', 'performance']),
  },
  vm_metrics: plain('VM metrics'),
  vm_guest_metrics: plain('Guest metrics'),
  console: plain('Console'),
  network: { ...plain('Network', 'network'), hidden: isHidden },
  pif: {
    label: 'Physical NIC',
    name: (pif, reads) => {
      const host = reads.byRef('host', pif.host)?.name_label;
      return `${nicName(pif)}${host ? ` on ${host}` : ''}`;
    },
    icon: () => 'nic',
    hidden: isHidden,
    tabs: noTabs,
  },
  vif: {
    label: 'Virtual NIC',
    name: (vif, reads) => `NIC ${vif.device} of ${reads.byRef('vm', vif.VM)?.name_label ?? 'a VM'}`,
    icon: () => 'nic',
    hidden: never,
    tabs: noTabs,
  },
  sr: {
    label: 'Storage repository',
    name: (sr, reads, locale) => srDisplayName(sr, locale, reads.srHost(sr)?.name_label),
    icon: (sr) => (sr.shared ? 'sr-shared' : 'sr'),
    hidden: isHidden,
    tabs: noTabs,
  },
  pbd: plain('Storage connection'),
  vdi: { ...plain('Virtual disk'), hidden: isHidden },
  vbd: plain('Virtual drive'),
  task: plain('Task'),
  message: plain('Alert'),
};

export function classInfo<C extends WireClass>(cls: C): ClassInfo<C> {
  return CLASSES[cls];
}

/** Every tab of an object's page, General first; the console tab says why it is unavailable rather than vanishing. */
export function tabsOf<C extends WireClass>(cls: C, record: RecordOf[C]): DetailTab[] {
  const tabs: DetailTab[] = ['general'];
  if (entriesOf(XAPI_CLASS[cls]).length > 0) tabs.push('extensions');
  if ((record as AnyRec).other_config !== undefined) tabs.push('other-config');
  return [...tabs, ...classInfo(cls).tabs(record)];
}
