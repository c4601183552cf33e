import { useId, useState } from 'react';
import { migrateVm } from '../api/endpoints.ts';
import { describeError } from '../api/http.ts';
import type { VmRec } from '../api/wire.ts';
import type { Role } from '../shared/roles.ts';
import { cache } from '../store/cache.ts';
import { useClassesVersion } from '../store/hooks.ts';
import { toast } from '../ui/toasts.ts';
import { useNow } from '../ui/useNow.ts';
import { MIGRATE_ROLE, migrationRefusal, roleReason } from '../domain/power-actions.ts';

/** Wall-clock time for the elapsed-time display (read in an event handler, never during render). */
const timestamp = (): number => Date.now();

/** Live migration of a running VM to another host of the pool (`VM.pool_migrate`, live=true, as XenCenter always does). */
export function MigratePanel({ vm, role }: { vm: VmRec; role: Role }) {
  useClassesVersion(['host', 'host_metrics']);
  const [target, setTarget] = useState('');
  const [since, setSince] = useState<number | undefined>();
  const now = useNow(1000);
  const selectId = useId();
  const denied =
    roleReason(role, MIGRATE_ROLE, 'Migrating a VM') ?? (since === undefined ? migrationRefusal(vm) : undefined);
  const current = cache.byRef('host', vm.resident_on);
  const hosts = [...cache.all('host').values()]
    .filter((h) => h.$ref !== vm.resident_on)
    .sort((a, b) => a.name_label.localeCompare(b.name_label, undefined, { numeric: true }));

  if (vm.power_state !== 'Running') return null;
  const usable = (ref: string) => {
    const host = cache.byRef('host', ref);
    const metrics = host ? cache.byRef('host_metrics', host.metrics) : undefined;
    return host !== undefined && host.enabled && metrics?.live !== false;
  };

  const migrate = async () => {
    const host = hosts.find((h) => h.uuid === target);
    if (!host) return;
    setSince(timestamp());
    try {
      await migrateVm(vm.uuid, host.uuid);
      toast('success', `${vm.name_label} migrated to ${host.name_label}.`);
      setTarget('');
    } catch (error) {
      toast('error', `Migration of ${vm.name_label} failed: ${describeError(error)}`);
    } finally {
      setSince(undefined);
    }
  };

  return (
    <section className="panel" aria-labelledby={`${selectId}-title`}>
      <h3 id={`${selectId}-title`}>Live migration</h3>
      <p className="panel-lead">
        Running on <strong>{current?.name_label ?? 'an unknown host'}</strong>. Moves the running VM to another host of
        the pool without stopping it.
      </p>
      {hosts.length === 0 ? (
        <p className="muted">The pool has no other host.</p>
      ) : (
        <div className="inline-form">
          <label htmlFor={selectId}>Destination host</label>
          <select
            id={selectId}
            value={target}
            disabled={denied !== undefined || since !== undefined}
            onChange={(e) => setTarget(e.target.value)}
          >
            <option value="">Choose a host…</option>
            {hosts.map((h) => (
              <option key={h.uuid} value={h.uuid} disabled={!usable(h.$ref)}>
                {h.name_label}
                {usable(h.$ref) ? '' : ' (unavailable)'}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="primary"
            disabled={denied !== undefined || target === '' || since !== undefined}
            onClick={() => void migrate()}
          >
            {since !== undefined ? 'Migrating…' : 'Migrate'}
          </button>
        </div>
      )}
      {since !== undefined ? (
        <div className="progress-line" role="status">
          <progress aria-label="Migration in progress" />
          <span>Migrating… {Math.max(0, Math.round((now - since) / 1000))} s</span>
        </div>
      ) : null}
      {denied ? <p className="field-locked">{denied}</p> : null}
    </section>
  );
}
