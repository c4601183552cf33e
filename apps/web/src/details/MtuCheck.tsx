import { useMemo } from 'react';
import type { PifRec } from '../api/wire.ts';
import { checkPoolMtu, describeGroups, isMixed } from '../inventory/mtu.ts';
import { useClassesVersion } from '../store/hooks.ts';
import { Glyph } from '../ui/Icon.tsx';
import { poolNics } from './mtu-data.ts';

/** The pool MTU check: a warning naming the NICs when their MTUs differ (in the pool, or on one network). */
export function MtuCheck({ filter, scope }: { filter?: (pif: PifRec) => boolean; scope: 'pool' | 'network' }) {
  const version = useClassesVersion(['pif', 'host', 'network']);
  const report = useMemo(() => {
    void version;
    return checkPoolMtu(poolNics(filter));
  }, [version, filter]);
  if (!isMixed(report)) {
    return report.groups.length === 1 ? (
      <p className="mtu-ok">
        All {report.groups[0]!.nics.length} physical NICs {scope === 'pool' ? 'in the pool' : 'of this network'} use MTU{' '}
        {report.groups[0]!.mtu}.
      </p>
    ) : null;
  }
  return (
    <div className="callout callout-warning" role="note" aria-label="Pool MTU check">
      <Glyph name="warning" />
      <div>
        <strong>NICs {scope === 'pool' ? 'in this pool' : 'of this network'} use different MTUs.</strong> The
        documentation warns that varying MTUs across NICs in a pool can cause unexpected side effects (dropped or
        fragmented jumbo frames).
        <p className="mtu-groups">{describeGroups(report.groups)}.</p>
        {scope === 'pool' && report.networks.length > 0 ? (
          <ul className="mtu-networks">
            {report.networks.map((n) => (
              <li key={n.network}>
                Network <strong>{n.network}</strong>: {describeGroups(n.groups)}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}
