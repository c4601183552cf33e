import { lazy, Suspense, type ReactNode } from 'react';
import { PRODUCT_NAME } from '../app/product.ts';
import { followLink } from '../app/router.ts';
import { consolePath, objectPath, type DetailTab } from '../app/routes.ts';
import {
  NULL_REF,
  XAPI_CLASS,
  type AnyRec,
  type HostRec,
  type SrRec,
  type VmRec,
  type WireClass,
} from '../api/wire.ts';
import { useBrowserLocale } from '../inventory/useInventory.ts';
import { vmIcon, type IconName } from '../inventory/tree.ts';
import { flagsOfVm, isHidden } from '../inventory/visibility.ts';
import { entriesOf, roleAtLeast, srDisplayName, type Role } from '../shared/catalogue.ts';
import { cache } from '../store/cache.ts';
import { useCacheLoaded, useRecord } from '../store/hooks.ts';
import { useDocumentTitle } from '../ui/dom.ts';
import { Glyph, ObjectIcon } from '../ui/Icon.tsx';
import { useDirtyForms } from './drafts.ts';
import { ExtensionsTab, formOf, pageObjects } from './ExtensionsTab.tsx';
import { GeneralTab } from './GeneralTab.tsx';
import { OtherConfigTab } from './OtherConfigTab.tsx';

const ConsoleView = lazy(() => import('../console/ConsoleView.tsx'));
const DvdDrive = lazy(() => import('../console/dvd/DvdDrive.tsx').then((m) => ({ default: m.DvdDrive })));
// The graphs and their chart library load only when the tab opens.
const PerformanceTab = lazy(() => import('../performance/PerformanceTab.tsx'));

const CLASS_LABELS: Record<WireClass, string> = {
  pool: 'Pool',
  host: 'Server',
  host_metrics: 'Server metrics',
  vm: 'Virtual machine',
  vm_metrics: 'VM metrics',
  vm_guest_metrics: 'Guest metrics',
  console: 'Console',
  network: 'Network',
  pif: 'Physical NIC',
  vif: 'Virtual NIC',
  sr: 'Storage repository',
  pbd: 'Storage connection',
  vdi: 'Virtual disk',
  vbd: 'Virtual drive',
  task: 'Task',
  message: 'Alert',
};

export function displayName(cls: WireClass, record: AnyRec, locale: string): string {
  switch (cls) {
    case 'sr': {
      const sr = record as unknown as SrRec;
      return srDisplayName(sr, locale, cache.srHost(sr)?.name_label);
    }
    case 'pif': {
      const vlan = typeof record.VLAN === 'number' && record.VLAN >= 0 ? ` VLAN ${record.VLAN}` : '';
      const host = cache.byRef('host', String(record.host))?.name_label;
      return `${String(record.device) || 'NIC'}${vlan}${host ? ` on ${host}` : ''}`;
    }
    case 'vif':
      return `NIC ${String(record.device)} of ${cache.byRef('vm', String(record.VM))?.name_label ?? 'a VM'}`;
    default: {
      const name = typeof record.name_label === 'string' ? record.name_label : '';
      return name || (typeof record.uuid === 'string' ? record.uuid : '(no name)');
    }
  }
}

function iconFor(cls: WireClass, record: AnyRec): IconName {
  switch (cls) {
    case 'vm': {
      const vm = record as unknown as VmRec;
      if (vm.is_a_snapshot) return 'snapshot';
      if (vm.is_a_template) return flagsOfVm(vm).defaultTemplate ? 'template-default' : 'template';
      return vmIcon(vm);
    }
    case 'host':
      return (record as unknown as HostRec).enabled ? 'host' : 'host-disabled';
    case 'pool':
      return 'pool';
    case 'sr':
      return (record as unknown as SrRec).shared ? 'sr-shared' : 'sr';
    case 'network':
      return 'network';
    case 'pif':
    case 'vif':
      return 'nic';
    default:
      return 'folder';
  }
}

function hiddenFlag(cls: WireClass, record: AnyRec): boolean {
  if (cls === 'vm') return flagsOfVm(record).hidden;
  return cls === 'network' || cls === 'pif' || cls === 'sr' ? isHidden(record) : false;
}

/** Which tabs an object has; the console tab says why it is unavailable rather than vanishing. */
function tabsFor(cls: WireClass, record: AnyRec): DetailTab[] {
  const tabs: DetailTab[] = ['general'];
  if (entriesOf(XAPI_CLASS[cls]).length > 0) tabs.push('extensions');
  if (record.other_config !== undefined) tabs.push('other-config');
  if (cls === 'vm') {
    const vm = record as unknown as VmRec;
    if (!vm.is_a_template && !vm.is_a_snapshot) tabs.push('console', 'performance');
  }
  if (cls === 'host') tabs.push('console', 'performance');
  return tabs;
}

const TAB_LABELS: Record<DetailTab, string> = {
  general: 'General',
  extensions: 'Extensions',
  'other-config': 'Other config',
  console: 'Console',
  performance: 'Performance',
};

export function DetailsPanel({ cls, uuid, tab, role }: { cls: WireClass; uuid: string; tab: DetailTab; role: Role }) {
  const record = useRecord(cls, uuid);
  const loaded = useCacheLoaded();
  const locale = useBrowserLocale();
  const title = record ? displayName(cls, record, locale) : undefined;
  // One marker per tab, for every object the tab edits (a VM's NICs are part of its Extensions tab).
  const extDirty = useDirtyForms(
    record ? pageObjects(cls, uuid, record, title ?? '').map((o) => formOf(o.cls, o.uuid)) : [],
  );
  const rawDirty = useDirtyForms([`raw:${cls}/${uuid}`]);
  useDocumentTitle(title === undefined ? undefined : `${title} — ${PRODUCT_NAME}`);

  if (!record) {
    return loaded ? (
      <div className="empty-state">
        <h2>Object not found</h2>
        <p>This {CLASS_LABELS[cls].toLowerCase()} does not exist any more, or you cannot see it.</p>
      </div>
    ) : (
      <div className="details-skeleton" aria-busy="true" aria-label="Loading">
        <div className="skeleton-title" />
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i} className="skeleton-row" />
        ))}
      </div>
    );
  }

  const name = title ?? '';
  const hidden = hiddenFlag(cls, record);
  const tabs = tabsFor(cls, record);
  const current = tabs.includes(tab) ? tab : 'general';
  const vm = cls === 'vm' ? (record as unknown as VmRec) : undefined;
  const canOpenHostConsole = cls === 'host' && roleAtLeast(role, 'pool-admin');

  let body: ReactNode;
  switch (current) {
    case 'general':
      body = <GeneralTab cls={cls} record={record} role={role} />;
      break;
    case 'extensions':
      body = <ExtensionsTab cls={cls} uuid={uuid} record={record} role={role} name={name} />;
      break;
    case 'other-config':
      body = <OtherConfigTab cls={cls} uuid={uuid} record={record} role={role} name={name} />;
      break;
    case 'console':
      body = (
        <Suspense fallback={<div className="console-loading">Loading the console…</div>}>
          {cls === 'vm' ? <DvdDrive uuid={uuid} role={role} /> : null}
          <ConsoleView kind={cls === 'host' ? 'host' : 'vm'} uuid={uuid} role={role} embedded />
        </Suspense>
      );
      break;
    case 'performance':
      body = (
        <Suspense fallback={<div className="muted">Loading the graphs…</div>}>
          <PerformanceTab kind={cls === 'host' ? 'host' : 'vm'} uuid={uuid} powerState={vm?.power_state} />
        </Suspense>
      );
      break;
  }

  return (
    <article className="details" aria-labelledby="details-title">
      <header className="details-header">
        <ObjectIcon name={iconFor(cls, record)} className="details-icon" />
        <div className="details-heading">
          <h1 id="details-title" className={hidden ? 'hidden-object' : ''}>
            {name}
            {hidden ? ' (hidden)' : ''}
          </h1>
          <p className="details-kind">
            {CLASS_LABELS[cls]}
            {vm && !vm.is_a_template && !vm.is_a_snapshot ? (
              <span className={`state state-${vm.power_state.toLowerCase()}`}>{vm.power_state}</span>
            ) : null}
            {vm?.is_a_template ? (
              <span className="state">{flagsOfVm(vm).defaultTemplate ? 'Default template' : 'Template'}</span>
            ) : null}
            {vm && vm.resident_on !== NULL_REF ? (
              <span className="muted"> on {cache.byRef('host', vm.resident_on)?.name_label}</span>
            ) : null}
          </p>
        </div>
        {(vm && !vm.is_a_template && !vm.is_a_snapshot) || canOpenHostConsole ? (
          <a
            className="button"
            href={consolePath(cls === 'host' ? 'host' : 'vm', uuid)}
            target="_blank"
            rel="noopener"
            title="Open the console in a new window"
          >
            <Glyph name="external" /> Console in new window
          </a>
        ) : null}
      </header>
      <nav className="tabs" aria-label="Details">
        {tabs.map((t) => {
          const path = objectPath(cls, uuid, t);
          const dirty = (t === 'extensions' && extDirty) || (t === 'other-config' && rawDirty);
          return (
            <a
              key={t}
              href={path}
              className={`tab${t === current ? ' active' : ''}`}
              aria-current={t === current ? 'page' : undefined}
              onClick={(e) => followLink(e, path)}
              // Start loading the console's code (and noVNC) as soon as the pointer heads for its tab.
              onPointerEnter={t === 'console' ? () => void import('../console/ConsoleView.tsx') : undefined}
              onFocus={t === 'console' ? () => void import('../console/ConsoleView.tsx') : undefined}
            >
              {TAB_LABELS[t]}
              {dirty ? <span className="dirty-dot" aria-label="(unsaved changes)" /> : null}
            </a>
          );
        })}
      </nav>
      <div className={`tab-body tab-${current}`}>{body}</div>
    </article>
  );
}
