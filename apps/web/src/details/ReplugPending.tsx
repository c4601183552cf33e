import { useState } from 'react';
import { describeError } from '../api/http.ts';
import type { AnyRec } from '../api/wire.ts';
import type { Role } from '../shared/catalogue.ts';
import { useReads } from '../store/reads.ts';
import { Glyph } from '../ui/Icon.tsx';
import { ConfirmDialog } from '../ui/Modal.tsx';
import { toast } from '../ui/toasts.ts';
import { pendingReplugs, replugNic, replugRoleLock, type PendingNic } from './replug.ts';

/** A network's NICs still on their old MTU, and the replug that applies the new one (to those allowed to). */
export function ReplugPending({ network, role }: { network: AnyRec; role: Role }) {
  const reads = useReads();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const record = reads.byRef('network', network.$ref);
  const pending = record ? pendingReplugs(reads, record) : [];
  if (pending.length === 0) return null;
  const allowed = pending.filter((nic) => !nic.blocked && !replugRoleLock(nic.cls, role));
  const roleNotices = new Set(
    pending.map((nic) => replugRoleLock(nic.cls, role)).filter((notice) => notice !== undefined),
  );
  const count = (n: number) => `${n} ${n === 1 ? 'NIC' : 'NICs'}`;

  const replug = async (nics: readonly PendingNic[]) => {
    setAsking(false);
    setBusy(true);
    const failed: string[] = [];
    for (const nic of nics) {
      try {
        await replugNic(nic.cls, nic.uuid);
      } catch (error) {
        failed.push(`${nic.name}: ${describeError(error)}`);
      }
    }
    setBusy(false);
    if (failed.length > 0) toast('error', `Replug failed for ${failed.join('; ')}`);
    else toast('success', `Replugged ${count(nics.length)}.`);
  };

  return (
    <section className="callout callout-info replug-pending" aria-label="Waiting for a replug">
      <Glyph name="info" />
      <div>
        <strong>{count(pending.length)} still use their old MTU</strong> until they are replugged (or their VM or host
        restarts):
        <ul className="plain-list">
          {pending.map((nic) => (
            <li key={nic.uuid}>
              {nic.name}: MTU {nic.current} → MTU {nic.next}
              {nic.blocked ? <span className="muted"> — {nic.blocked}</span> : null}
            </li>
          ))}
        </ul>
        {[...roleNotices].map((notice) => (
          <p key={notice} className="role-notice">
            {notice}
          </p>
        ))}
        {allowed.length > 0 ? (
          <button type="button" disabled={busy} onClick={() => setAsking(true)}>
            {busy ? 'Replugging…' : `Replug ${count(allowed.length)}…`}
          </button>
        ) : null}
      </div>
      {asking ? (
        <ConfirmDialog
          title={`Replug ${count(allowed.length)}`}
          danger
          confirmLabel="Replug"
          message={
            <>
              <p>
                <Glyph name="warning" /> Your network will be temporarily disrupted: each NIC is unplugged and plugged
                again, which interrupts its traffic (every VM and host on a physical NIC) for a moment.
              </p>
              <ul className="plain-list">
                {allowed.map((nic) => (
                  <li key={nic.uuid}>{nic.name}</li>
                ))}
              </ul>
            </>
          }
          onConfirm={() => void replug(allowed)}
          onCancel={() => setAsking(false)}
        />
      ) : null}
    </section>
  );
}
