import { NULL_REF, type PifRec } from '../api/wire.ts';
import { effectiveMtu, type MtuNic } from '../domain/mtu.ts';
import { isHidden } from '../domain/visibility.ts';
import type { Reads } from '../store/reads.ts';

/** How the tree labels a PIF: `eth1`, `eth1 VLAN 5`, with `(hidden)` when hidden objects are shown. */
export function pifLabel(pif: PifRec): string {
  const label = `${pif.device || 'NIC'}${pif.VLAN >= 0 ? ` VLAN ${pif.VLAN}` : ''}`;
  return isHidden(pif) ? `${label} (hidden)` : label;
}

/**
 * The pool's PIFs as the MTU check sees them, named as the tree shows them ("eth1 on host1"). Hidden PIFs are left
 * out unless the tree shows hidden objects: the check must not name a NIC the user cannot find. Read through `reads`,
 * so the component showing them follows every PIF, host and network it named.
 */
export function poolNics(reads: Reads, showHidden: boolean, filter?: (pif: PifRec) => boolean): MtuNic[] {
  const nics: MtuNic[] = [];
  for (const pif of reads.all('pif').values()) {
    if (filter && !filter(pif)) continue;
    if (!showHidden && isHidden(pif)) continue;
    // Bond members carry the bond's MTU; the bond's own PIF stands for them.
    if (pif.bond_slave_of !== NULL_REF) continue;
    const host = reads.byRef('host', pif.host);
    const network = reads.byRef('network', pif.network);
    const { mtu, override } = effectiveMtu(pif.MTU, pif.other_config);
    nics.push({
      name: `${pifLabel(pif)} on ${host?.name_label ?? 'unknown host'}`,
      mtu,
      reportedMtu: pif.MTU,
      override,
      network: network?.name_label ?? 'unknown network',
    });
  }
  return nics;
}
