import type { PifRec } from '../api/wire.ts';
import { preferences } from '../preferences/preferences.ts';
import { checkPoolMtu, describeGroups, isMixed } from '../domain/mtu.ts';
import { useReads } from '../store/reads.ts';
import { useStore } from '../store/store.ts';
import { Glyph } from '../ui/Icon.tsx';
import { poolNics } from './mtu-data.ts';

/**
 * The pool MTU check: one line saying whether the NICs' MTUs differ (in the pool, or on one network), the NICs named
 * as the tree names them behind "Which NICs".
 */
export function MtuCheck({ filter, scope }: { filter?: (pif: PifRec) => boolean; scope: 'pool' | 'network' }) {
  const reads = useReads();
  const { showHidden } = useStore(preferences);
  const report = checkPoolMtu(poolNics(reads, showHidden, filter));
  const where = scope === 'pool' ? 'in the pool' : 'of this network';
  if (!isMixed(report)) {
    return report.groups.length === 1 ? (
      <p className="mtu-ok">
        All {report.groups[0]!.nics.length} physical NICs {where} use MTU {report.groups[0]!.mtu}.
      </p>
    ) : null;
  }
  return (
    <div className="callout callout-warning mtu-check" role="note" aria-label="Pool MTU check">
      <Glyph name="warning" />
      <details>
        <summary>
          <strong>NICs {where} use different MTUs</strong> (
          {report.groups.map((g) => `MTU ${g.mtu} on ${g.nics.length}`).join(', ')}): jumbo frames may be dropped or
          fragmented. Which NICs
        </summary>
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
      </details>
    </div>
  );
}
