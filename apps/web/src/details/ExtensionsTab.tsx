import { useCallback } from 'react';
import {
  NULL_REF,
  XAPI_CLASS,
  type AnyRec,
  type HostRec,
  type NetworkRec,
  type PifRec,
  type VifRec,
  type VmRec,
  type WireClass,
} from '../api/wire.ts';
import { entriesOf, type Role } from '../shared/catalogue.ts';
import { cache } from '../store/cache.ts';
import { useClassesVersion, useRecordByRef } from '../store/hooks.ts';
import { ExtensionsForm } from './ExtensionsForm.tsx';
import { MtuCheck } from './MtuCheck.tsx';
import { useDrafts } from './drafts.ts';

/**
 * The Extensions tab: the object's own form, and for VMs and hosts one collapsible form per NIC (each NIC is its own
 * object, saved with its own PATCH), the guest tools version, and the MTU check where MTUs are edited.
 */
export function ExtensionsTab({
  cls,
  uuid,
  record,
  role,
  name,
}: {
  cls: WireClass;
  uuid: string;
  record: AnyRec;
  role: Role;
  name: string;
}) {
  useClassesVersion(['vif', 'pif', 'network', 'host']);
  const networkFilter = useCallback((pif: PifRec) => pif.network === record.$ref, [record.$ref]);
  return (
    <div className="extensions-tab">
      {cls === 'network' ? <MtuCheck scope="network" filter={networkFilter} /> : null}
      {cls === 'pif' || cls === 'host' || cls === 'pool' ? <MtuCheck scope="pool" /> : null}
      <ExtensionsForm cls={cls} uuid={uuid} record={record} role={role} name={name} />
      {cls === 'vm' ? <GuestMetricsSection vm={record as unknown as VmRec} role={role} /> : null}
      {cls === 'vm' ? (
        <NicForms
          cls="vif"
          role={role}
          nics={cache.byRefs('vif', (record as unknown as VmRec).VIFs)}
          label={(vif) => {
            const v = vif as VifRec;
            return `NIC ${v.device} on ${cache.byRef('network', v.network)?.name_label ?? 'unknown network'}`;
          }}
        />
      ) : null}
      {cls === 'host' ? (
        <NicForms
          cls="pif"
          role={role}
          nics={cache.byRefs('pif', (record as unknown as HostRec).PIFs)}
          label={(pif) => {
            const p = pif as PifRec;
            return `${p.device}${p.VLAN >= 0 ? ` VLAN ${p.VLAN}` : ''} on ${cache.byRef('network', p.network)?.name_label ?? 'unknown network'}`;
          }}
        />
      ) : null}
      {cls === 'network' ? <NetworkNics network={record as unknown as NetworkRec} role={role} /> : null}
    </div>
  );
}

function NetworkNics({ network, role }: { network: NetworkRec; role: Role }) {
  const pifs = cache.byRefs('pif', network.PIFs);
  return (
    <NicForms
      cls="pif"
      role={role}
      nics={pifs}
      label={(pif) =>
        `${(pif as PifRec).device} on ${cache.byRef('host', (pif as PifRec).host)?.name_label ?? 'unknown host'}`
      }
    />
  );
}

function GuestMetricsSection({ vm, role }: { vm: VmRec; role: Role }) {
  const gm = useRecordByRef('vm_guest_metrics', vm.guest_metrics === NULL_REF ? undefined : vm.guest_metrics);
  if (!gm) {
    return (
      <section className="ext-group">
        <h3>Guest tools</h3>
        <p className="muted">No guest metrics: the VM is not running or has no guest tools installed.</p>
      </section>
    );
  }
  return (
    <div className="sub-form">
      <h3>Guest metrics</h3>
      <ExtensionsForm
        cls="vm_guest_metrics"
        uuid={gm.uuid}
        record={gm}
        role={role}
        name={`${vm.name_label} guest metrics`}
        embedded
      />
    </div>
  );
}

function NicForms({
  cls,
  role,
  nics,
  label,
}: {
  cls: 'vif' | 'pif';
  role: Role;
  nics: readonly (VifRec | PifRec)[];
  label: (nic: VifRec | PifRec) => string;
}) {
  if (nics.length === 0 || entriesOf(XAPI_CLASS[cls]).length === 0) return null;
  const sorted = [...nics].sort((a, b) => a.device.localeCompare(b.device, undefined, { numeric: true }));
  return (
    <section className="nic-forms" aria-label={cls === 'vif' ? 'Virtual NIC settings' : 'Physical NIC settings'}>
      <h3>{cls === 'vif' ? 'Virtual NICs (ethtool, MTU override)' : 'Physical NICs (ethtool, MTU override)'}</h3>
      {sorted.map((nic) => (
        <NicForm key={nic.uuid} cls={cls} nic={nic} role={role} title={label(nic)} />
      ))}
    </section>
  );
}

function NicForm({ cls, nic, role, title }: { cls: 'vif' | 'pif'; nic: VifRec | PifRec; role: Role; title: string }) {
  const drafts = useDrafts(`ext:${cls}/${nic.uuid}`);
  return (
    <details className="sub-form" open={drafts.size > 0 || undefined}>
      <summary>
        {title}
        {drafts.size > 0 ? <span className="tag tag-changed">unsaved</span> : null}
      </summary>
      <ExtensionsForm cls={cls} uuid={nic.uuid} record={nic} role={role} name={title} embedded />
    </details>
  );
}
