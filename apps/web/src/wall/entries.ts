import { NULL_REF, type VmRec } from '../api/wire.ts';
import type { WallSource } from '../navigation/routes.ts';
import { guestAddresses, matchesQuery, parseQuery, searchText } from '../domain/search.ts';
import { homeOf } from '../inventory/tree.ts';
import { flagsOfVm } from '../domain/visibility.ts';
import type { WallConsoleKey } from '../shared/contracts.ts';
import type { ObjectCache } from '../store/cache.ts';

/** One console on a wall. */
export interface WallEntry {
  readonly key: WallConsoleKey;
  readonly uuid: string;
  readonly name: string;
  readonly powerState: VmRec['power_state'];
}

/**
 * The VMs a wall shows, by name: every VM the tree would list (templates, snapshots, control domains and internal VMs
 * never; hidden ones only with "Show hidden objects"), narrowed to a host's (where the tree puts them), a search's
 * matches (the tree's rules) or a picked set.
 */
export function wallEntries(cache: ObjectCache, source: WallSource, showHidden: boolean): WallEntry[] {
  const hostRefs = new Set([...cache.all('host').values()].map((h) => h.$ref));
  const hostRef = source.kind === 'host' ? cache.get('host', source.uuid)?.$ref : undefined;
  const query = source.kind === 'search' ? parseQuery(source.text) : [];
  const picked = source.kind === 'vms' ? new Set(source.uuids) : undefined;
  const matches = (vm: VmRec): boolean => {
    switch (source.kind) {
      case 'all':
        return true;
      case 'host':
        return hostRef !== undefined && homeOf(vm, hostRefs) === hostRef;
      case 'search': {
        const metrics = vm.guest_metrics === NULL_REF ? undefined : cache.byRef('vm_guest_metrics', vm.guest_metrics);
        const addresses = metrics ? guestAddresses(metrics.networks) : [];
        return matchesQuery(searchText(vm.name_label, vm.name_description, addresses), query);
      }
      case 'vms':
        return picked!.has(vm.uuid);
    }
  };
  return [...cache.all('vm').values()]
    .filter((vm) => {
      if (vm.is_a_template || vm.is_a_snapshot) return false;
      const flags = flagsOfVm(vm);
      return !flags.never && (showHidden || !flags.hidden) && matches(vm);
    })
    .map((vm) => ({ key: `vm/${vm.uuid}` as const, uuid: vm.uuid, name: vm.name_label, powerState: vm.power_state }))
    .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}
