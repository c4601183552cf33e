import { request } from '../api/http.ts';
import { NULL_REF, type NetworkRec } from '../api/wire.ts';
import { effectiveMtu } from '../domain/mtu.ts';
import { ROLE_LABELS, roleAtLeast, type Role } from '../shared/catalogue.ts';
import type { Reads } from '../store/reads.ts';
import { pifLabel } from './mtu-data.ts';

/**
 * What a network's MTU change leaves pending: its plugged NICs whose MTU is not the one a plug would give them (their
 * own other_config:mtu override, else the network's). A replug — unplug, then plug — applies it.
 */

/** xapi's data model: PIF.plug/unplug need pool-operator, VIF.plug/unplug vm-admin. */
export const REPLUG_ROLE = { pif: 'pool-operator', vif: 'vm-admin' } as const satisfies Record<string, Role>;

export interface PendingNic {
  readonly cls: 'pif' | 'vif';
  readonly uuid: string;
  /** As the tree names it: `eth1 on xcp-host-01`, `NIC 1 of Debian 12 web`. */
  readonly name: string;
  readonly current: number;
  readonly next: number;
  /** Why it cannot be replugged here, if it cannot. */
  readonly blocked?: string;
}

export function pendingReplugs(reads: Reads, network: NetworkRec): PendingNic[] {
  const pending: PendingNic[] = [];
  for (const pif of reads.byRefs('pif', network.PIFs)) {
    if (!pif.currently_attached || pif.bond_slave_of !== NULL_REF) continue;
    const next = effectiveMtu(network.MTU, pif.other_config).mtu;
    if (next === pif.MTU) continue;
    const host = reads.byRef('host', pif.host)?.name_label ?? 'unknown host';
    pending.push({
      cls: 'pif',
      uuid: pif.uuid,
      name: `${pifLabel(pif)} on ${host}`,
      current: pif.MTU,
      next,
      ...(pif.management
        ? { blocked: 'It carries the management interface, which cannot be unplugged: restart its host.' }
        : {}),
    });
  }
  for (const vif of reads.byRefs('vif', network.VIFs)) {
    if (!vif.currently_attached) continue;
    const next = effectiveMtu(network.MTU, vif.other_config).mtu;
    if (next === vif.MTU) continue;
    const vm = reads.byRef('vm', vif.VM)?.name_label ?? 'a VM';
    pending.push({ cls: 'vif', uuid: vif.uuid, name: `NIC ${vif.device} of ${vm}`, current: vif.MTU, next });
  }
  return pending;
}

/** Why this role may not replug NICs of this kind, or undefined when it may. */
export function replugRoleLock(cls: 'pif' | 'vif', role: Role): string | undefined {
  if (roleAtLeast(role, REPLUG_ROLE[cls])) return undefined;
  const what = cls === 'pif' ? 'physical' : 'virtual';
  return `Replugging ${what} NICs needs the ${ROLE_LABELS[REPLUG_ROLE[cls]]} role or higher; you are ${ROLE_LABELS[role]}.`;
}

/** `POST /api/objects/<pif|vif>/<uuid>/replug`: unplugs and plugs the NIC. */
export async function replugNic(cls: 'pif' | 'vif', uuid: string): Promise<void> {
  await request(`/api/objects/${cls}/${encodeURIComponent(uuid)}/replug`, { method: 'POST', body: {} });
}
