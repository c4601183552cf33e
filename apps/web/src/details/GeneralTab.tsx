import { useCallback, type ReactNode } from 'react';
import { usePoolBrand } from '../product/product.ts';
import { followLink } from '../navigation/router.ts';
import { objectPath } from '../navigation/routes.ts';
import {
  NULL_REF,
  type AnyRec,
  type HostRec,
  type NetworkRec,
  type PifRec,
  type PoolRec,
  type SrRec,
  type VifRec,
  type VmRec,
  type WireClass,
} from '../api/wire.ts';
import { guestAddresses } from '../domain/search.ts';
import { flagsOfVm } from '../domain/visibility.ts';
import { effectiveMtu } from '../domain/mtu.ts';
import { formatDuration, srDisplayDescription, srDisplayName, type Role } from '../shared/catalogue.ts';
import { useReads } from '../store/reads.ts';
import { useBrowserLocale } from '../inventory/useInventory.ts';
import { useNow } from '../ui/useNow.ts';
import { nicName, type ObjectOf } from '../objects/registry.ts';
import { MigratePanel } from './MigratePanel.tsx';
import { MtuCheck } from './MtuCheck.tsx';
import { PowerActions } from './PowerActions.tsx';
import { RemoteAccess } from './RemoteAccess.tsx';

/** The General tab: what XenCenter's General page shows, per class, plus the VM's power and migration controls. */

function Properties({ items }: { items: readonly [string, ReactNode][] }) {
  return (
    <dl className="properties">
      {items.map(([label, value]) => (
        <div key={label} className="property">
          <dt>{label}</dt>
          <dd>{value === '' || value === undefined || value === null ? <span className="muted">—</span> : value}</dd>
        </div>
      ))}
    </dl>
  );
}

function ObjectLink({ cls, record, label }: { cls: WireClass; record: AnyRec | undefined; label?: string }) {
  if (!record || typeof record.uuid !== 'string') return <span className="muted">—</span>;
  const path = objectPath(cls, record.uuid);
  const text =
    label ?? (typeof record.name_label === 'string' && record.name_label !== '' ? record.name_label : record.uuid);
  return (
    <a href={path} onClick={(e) => followLink(e, path)}>
      {text}
    </a>
  );
}

const bytes = (n: number): string => {
  if (!Number.isFinite(n) || n <= 0) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  const i = Math.min(units.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  return `${(n / 1024 ** i).toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
};

function PoolGeneral({ pool }: { pool: PoolRec }) {
  const reads = useReads();
  const master = reads.byRef('host', pool.master);
  let running = 0;
  let vms = 0;
  for (const vm of reads.all('vm').values()) {
    if (vm.is_a_template || vm.is_a_snapshot || vm.is_control_domain) continue;
    vms++;
    if (vm.power_state === 'Running') running++;
  }
  return (
    <>
      <Properties
        items={[
          ['Name', pool.name_label],
          ['Description', pool.name_description],
          ['Coordinator', <ObjectLink key="m" cls="host" record={master} />],
          ['Servers', String(reads.count('host'))],
          ['VMs', `${vms} (${running} running)`],
          ['Default SR', <ObjectLink key="sr" cls="sr" record={reads.byRef('sr', pool.default_SR)} />],
          ['High availability', pool.ha_enabled ? 'On' : 'Off'],
          ['One console session per VM', pool.limit_console_sessions ? 'Yes' : 'No'],
          ['Console idle timeout', pool.vm_console_idle_timeout > 0 ? `${pool.vm_console_idle_timeout} s` : 'None'],
          ['UUID', <code key="u">{pool.uuid}</code>],
        ]}
      />
      <section className="panel">
        <h3>Pool MTU check</h3>
        <MtuCheck scope="pool" />
      </section>
    </>
  );
}

function HostGeneral({ host }: { host: HostRec }) {
  const reads = useReads();
  const metrics = reads.byRef('host_metrics', host.metrics);
  const now = useNow(60_000);
  const boot = Number(host.other_config.boot_time ?? NaN);
  const pifs = reads.byRefs('pif', host.PIFs);
  const residents = reads.byRefs('vm', host.resident_VMs).filter((v) => !v.is_control_domain).length;
  return (
    <>
      <Properties
        items={[
          ['Name', host.name_label],
          ['Description', host.name_description],
          ['Address', host.address],
          ['State', metrics?.live === false ? 'Unreachable' : host.enabled ? 'Enabled' : 'Disabled (maintenance mode)'],
          ['Product', host.software_version.product_version_text ?? host.software_version.product_version ?? ''],
          ['Build', host.software_version.build_number ?? ''],
          ['Edition', host.edition],
          ['Uptime', Number.isFinite(boot) && boot > 0 ? formatDuration(now / 1000 - boot) : ''],
          ['Memory', metrics ? `${bytes(metrics.memory_free)} free of ${bytes(metrics.memory_total)}` : ''],
          ['Running VMs', String(residents)],
          ['Remote syslog', host.logging.syslog_destination || 'Local logging only (change it in Extensions)'],
          ['iSCSI IQN', host.iscsi_iqn || host.other_config.iscsi_iqn || ''],
          ['UUID', <code key="u">{host.uuid}</code>],
        ]}
      />
      <NicTable pifs={pifs} />
    </>
  );
}

function NicTable({ pifs }: { pifs: readonly PifRec[] }) {
  const reads = useReads();
  if (pifs.length === 0) return null;
  return (
    <section className="panel">
      <h3>Physical NICs</h3>
      <table className="data-table">
        <thead>
          <tr>
            <th scope="col">NIC</th>
            <th scope="col">Network</th>
            <th scope="col">MAC</th>
            <th scope="col">MTU</th>
            <th scope="col">IP</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {[...pifs]
            .sort((a, b) => a.device.localeCompare(b.device, undefined, { numeric: true }))
            .map((pif) => {
              const { mtu, override } = effectiveMtu(pif.MTU, pif.other_config);
              return (
                <tr key={pif.uuid}>
                  <td>
                    <ObjectLink cls="pif" record={pif} label={nicName(pif)} />
                    {pif.management ? <span className="tag">management</span> : null}
                  </td>
                  <td>
                    <ObjectLink cls="network" record={reads.byRef('network', pif.network)} />
                  </td>
                  <td>
                    <code>{pif.MAC}</code>
                  </td>
                  <td>
                    {mtu}
                    {override ? ` (override; reported ${pif.MTU})` : ''}
                  </td>
                  <td>{pif.IP}</td>
                  <td>{pif.currently_attached ? 'Connected' : 'Disconnected'}</td>
                </tr>
              );
            })}
        </tbody>
      </table>
    </section>
  );
}

function VmGeneral({ vm, role }: { vm: VmRec; role: Role }) {
  const reads = useReads();
  const gm = reads.byRef('vm_guest_metrics', vm.guest_metrics === NULL_REF ? undefined : vm.guest_metrics);
  const flags = flagsOfVm(vm);
  const brand = usePoolBrand();
  const host = reads.byRef('host', vm.resident_on);
  const ips = gm ? guestAddresses(gm.networks) : [];
  const tools =
    gm && gm.PV_drivers_version.major !== undefined
      ? `${gm.PV_drivers_version.major}.${gm.PV_drivers_version.minor ?? '0'}.${gm.PV_drivers_version.micro ?? '0'}${gm.PV_drivers_up_to_date ? '' : ' (out of date)'}`
      : gm
        ? 'Not installed'
        : 'Unknown (VM not running or no tools)';
  const vifs = reads.byRefs('vif', vm.VIFs);
  const disks = reads.byRefs('vbd', vm.VBDs);
  const isTemplate = vm.is_a_template;
  return (
    <>
      {flags.defaultTemplate ? (
        <div className="callout callout-info" role="note">
          This is a default template shipped with {brand ?? 'the pool'}: it cannot be deleted.
        </div>
      ) : null}
      {!isTemplate && !vm.is_a_snapshot ? (
        <section className="panel panel-actions">
          <PowerActions vm={vm} role={role} />
          <RemoteAccess vm={vm} />
        </section>
      ) : null}
      <Properties
        items={[
          ['Name', vm.name_label],
          ['Description', vm.name_description],
          ['Power state', isTemplate ? 'Template' : vm.power_state],
          [
            'Server',
            host ? <ObjectLink cls="host" record={host} /> : vm.power_state === 'Running' ? '' : 'Not running',
          ],
          // XAPI's name carries the boot device after a '|' ("Windows Server 2022|C:\\Windows|…").
          ['Operating system', (gm?.os_version.name ?? '').split('|')[0]!],
          ['Virtualization', vm.HVM_boot_policy !== '' ? 'HVM' : 'PV'],
          ['IP addresses', ips.join(', ')],
          ['vCPUs', `${vm.VCPUs_at_startup} (max ${vm.VCPUs_max})`],
          ['Memory', bytes(vm.memory_static_max)],
          ['Guest tools', tools],
          ['Domain ID', vm.power_state === 'Running' ? String(vm.domid) : ''],
          ['UUID', <code key="u">{vm.uuid}</code>],
        ]}
      />
      {vifs.length > 0 ? (
        <section className="panel">
          <h3>Virtual NICs</h3>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Network</th>
                <th scope="col">MAC</th>
                <th scope="col">MTU</th>
                <th scope="col">Address</th>
              </tr>
            </thead>
            <tbody>
              {vifs
                .sort((a, b) => a.device.localeCompare(b.device, undefined, { numeric: true }))
                .map((vif) => (
                  <tr key={vif.uuid}>
                    <td>
                      <ObjectLink cls="vif" record={vif} label={`NIC ${vif.device}`} />
                    </td>
                    <td>
                      <ObjectLink cls="network" record={reads.byRef('network', vif.network)} />
                    </td>
                    <td>
                      <code>{vif.MAC}</code>
                    </td>
                    <td>{effectiveMtu(vif.MTU, vif.other_config).mtu}</td>
                    <td>{gm?.networks[`${vif.device}/ip`] ?? gm?.networks[`${vif.device}/ipv4/0`] ?? ''}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      ) : null}
      {disks.length > 0 ? (
        <section className="panel">
          <h3>Disks and drives</h3>
          <ul className="plain-list">
            {disks.map((vbd) => {
              const vdi = reads.byRef('vdi', vbd.VDI);
              return (
                <li key={vbd.uuid}>
                  {vbd.type === 'CD' ? 'DVD drive' : 'Disk'} {vbd.userdevice}:{' '}
                  {vdi ? `${vdi.name_label} (${bytes(vdi.virtual_size)})` : vbd.empty ? 'empty' : '—'}
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}
      {!isTemplate && !vm.is_a_snapshot ? <MigratePanel vm={vm} role={role} /> : null}
    </>
  );
}

function SrGeneral({ sr }: { sr: SrRec }) {
  const locale = useBrowserLocale();
  const reads = useReads();
  const host = reads.srHost(sr);
  const name = srDisplayName(sr, locale, host?.name_label);
  return (
    <Properties
      items={[
        ['Name', name],
        ...(name !== sr.name_label
          ? ([['Stored name', <code key="n">{sr.name_label}</code>]] as [string, ReactNode][])
          : []),
        ['Description', srDisplayDescription(sr, locale)],
        ['Type', sr.type],
        ['Content', sr.content_type],
        [
          'Shared',
          sr.shared ? (
            'Yes'
          ) : (
            <>
              No
              {host ? (
                <>
                  {' '}
                  — on <ObjectLink cls="host" record={host} />
                </>
              ) : null}
            </>
          ),
        ],
        ['Size', `${bytes(sr.physical_utilisation)} used of ${bytes(sr.physical_size)}`],
        ['UUID', <code key="u">{sr.uuid}</code>],
      ]}
    />
  );
}

function NetworkGeneral({ network }: { network: NetworkRec }) {
  const reads = useReads();
  const filter = useCallback((pif: PifRec) => pif.network === network.$ref, [network.$ref]);
  const pifs = reads.byRefs('pif', network.PIFs);
  return (
    <>
      <Properties
        items={[
          ['Name', network.name_label],
          ['Description', network.name_description],
          ['MTU', String(network.MTU)],
          ['Bridge', network.bridge],
          ['Physical NICs', String(pifs.length)],
          ['Virtual NICs', String(network.VIFs.length)],
          ['UUID', <code key="u">{network.uuid}</code>],
        ]}
      />
      <section className="panel">
        <h3>MTU check</h3>
        <MtuCheck scope="network" filter={filter} />
      </section>
    </>
  );
}

function PifGeneral({ pif }: { pif: PifRec }) {
  const reads = useReads();
  const { mtu, override } = effectiveMtu(pif.MTU, pif.other_config);
  return (
    <>
      <Properties
        items={[
          ['Device', pif.device],
          ['Server', <ObjectLink key="h" cls="host" record={reads.byRef('host', pif.host)} />],
          ['Network', <ObjectLink key="n" cls="network" record={reads.byRef('network', pif.network)} />],
          ['MAC', <code key="m">{pif.MAC}</code>],
          ['MTU', override ? `${mtu} (other_config override; XAPI reports ${pif.MTU})` : String(mtu)],
          ['VLAN', pif.VLAN >= 0 ? String(pif.VLAN) : 'None'],
          ['IP', pif.IP ? `${pif.IP} (${pif.ip_configuration_mode})` : pif.ip_configuration_mode],
          ['Management', pif.management ? 'Yes' : 'No'],
          ['State', pif.currently_attached ? 'Connected' : 'Disconnected'],
          ['UUID', <code key="u">{pif.uuid}</code>],
        ]}
      />
      <section className="panel">
        <h3>Pool MTU check</h3>
        <MtuCheck scope="pool" />
      </section>
    </>
  );
}

function VifGeneral({ vif }: { vif: VifRec }) {
  const reads = useReads();
  return (
    <Properties
      items={[
        ['Device', `NIC ${vif.device}`],
        ['VM', <ObjectLink key="v" cls="vm" record={reads.byRef('vm', vif.VM)} />],
        ['Network', <ObjectLink key="n" cls="network" record={reads.byRef('network', vif.network)} />],
        ['MAC', <code key="m">{vif.MAC}</code>],
        ['MTU', String(effectiveMtu(vif.MTU, vif.other_config).mtu)],
        ['Locking mode', vif.locking_mode],
        ['State', vif.currently_attached ? 'Connected' : 'Disconnected'],
        ['UUID', <code key="u">{vif.uuid}</code>],
      ]}
    />
  );
}

function GenericGeneral({ record }: { record: AnyRec }) {
  const items: [string, ReactNode][] = Object.entries(record)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .filter(([k]) => k !== '$ref')
    .map(([k, v]) => [k, String(v)]);
  return <Properties items={items} />;
}

export function GeneralTab({ object, role }: { object: ObjectOf; role: Role }) {
  switch (object.cls) {
    case 'pool':
      return <PoolGeneral pool={object.record} />;
    case 'host':
      return <HostGeneral host={object.record} />;
    case 'vm':
      return <VmGeneral vm={object.record} role={role} />;
    case 'sr':
      return <SrGeneral sr={object.record} />;
    case 'network':
      return <NetworkGeneral network={object.record} />;
    case 'pif':
      return <PifGeneral pif={object.record} />;
    case 'vif':
      return <VifGeneral vif={object.record} />;
    default:
      return <GenericGeneral record={object.record} />;
  }
}
