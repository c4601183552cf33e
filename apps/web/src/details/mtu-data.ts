import { NULL_REF, type PifRec } from '../api/wire.ts';
import { effectiveMtu, type MtuNic } from '../inventory/mtu.ts';
import { cache } from '../store/cache.ts';

/** The pool's PIFs as the MTU check sees them, named "eth0 on host1". */
export function poolNics(filter?: (pif: PifRec) => boolean): MtuNic[] {
  const nics: MtuNic[] = [];
  for (const pif of cache.all('pif').values()) {
    if (filter && !filter(pif)) continue;
    // Bond members carry the bond's MTU; the bond's own PIF stands for them.
    if (pif.bond_slave_of !== NULL_REF) continue;
    const host = cache.byRef('host', pif.host);
    const network = cache.byRef('network', pif.network);
    const { mtu, override } = effectiveMtu(pif.MTU, pif.other_config);
    nics.push({
      name: `${pif.device || 'NIC'}${pif.VLAN >= 0 ? `.${pif.VLAN}` : ''} on ${host?.name_label ?? 'unknown host'}`,
      mtu,
      reportedMtu: pif.MTU,
      override,
      network: network?.name_label ?? 'unknown network',
    });
  }
  return nics;
}
