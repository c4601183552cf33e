/**
 * The pool MTU check. The spec warns that "varying MTUs across NICs in a single resource pool" may have unexpected
 * side effects; this finds them. A NIC's effective MTU is its other_config:mtu override when that is a usable whole
 * number, else the MTU XAPI reports.
 */

export interface MtuNic {
  /** `eth0 on host1`: how the warning names the NIC. */
  readonly name: string;
  readonly mtu: number;
  readonly reportedMtu: number;
  readonly override: boolean;
  readonly network: string;
}

export interface MtuGroup {
  readonly mtu: number;
  readonly nics: readonly MtuNic[];
}

export interface MtuReport {
  /** NICs grouped by effective MTU, most common first; more than one group means the pool is mixed. */
  readonly groups: readonly MtuGroup[];
  /** Networks whose own NICs disagree, the case most likely to break traffic. */
  readonly networks: readonly { readonly network: string; readonly groups: readonly MtuGroup[] }[];
}

export function effectiveMtu(
  reported: number,
  otherConfig: Readonly<Record<string, string>>,
): { mtu: number; override: boolean } {
  const raw = otherConfig.mtu?.trim();
  if (raw !== undefined && /^\d+$/.test(raw)) {
    const n = Number(raw);
    if (n >= 68 && n <= 65535) return { mtu: n, override: true };
  }
  return { mtu: reported, override: false };
}

function groupByMtu(nics: readonly MtuNic[]): MtuGroup[] {
  const map = new Map<number, MtuNic[]>();
  for (const nic of nics) {
    const list = map.get(nic.mtu) ?? [];
    list.push(nic);
    map.set(nic.mtu, list);
  }
  return [...map.entries()]
    .map(([mtu, list]) => ({ mtu, nics: list.sort((a, b) => a.name.localeCompare(b.name)) }))
    .sort((a, b) => b.nics.length - a.nics.length || a.mtu - b.mtu);
}

export function checkPoolMtu(nics: readonly MtuNic[]): MtuReport {
  const byNetwork = new Map<string, MtuNic[]>();
  for (const nic of nics) {
    const list = byNetwork.get(nic.network) ?? [];
    list.push(nic);
    byNetwork.set(nic.network, list);
  }
  const networks = [...byNetwork.entries()]
    .map(([network, list]) => ({ network, groups: groupByMtu(list) }))
    .filter((entry) => entry.groups.length > 1)
    .sort((a, b) => a.network.localeCompare(b.network));
  return { groups: groupByMtu(nics), networks };
}

export function isMixed(report: MtuReport): boolean {
  return report.groups.length > 1;
}

/** `1500: eth0 on h1, eth1 on h1; 9000: eth0 on h2` */
export function describeGroups(groups: readonly MtuGroup[], limit = 6): string {
  return groups
    .map((group) => {
      const names = group.nics.map((nic) => (nic.override ? `${nic.name} (override)` : nic.name));
      const shown = names.slice(0, limit).join(', ');
      return `MTU ${group.mtu}: ${shown}${names.length > limit ? ` and ${names.length - limit} more` : ''}`;
    })
    .join('; ');
}
