import { lazy, Suspense, type ReactNode } from 'react';
import { PRODUCT_NAME } from '../product/product.ts';
import { followLink } from '../navigation/router.ts';
import { consolePath, objectPath, type DetailTab } from '../navigation/routes.ts';
import { NULL_REF, type WireClass } from '../api/wire.ts';
import { useBrowserLocale } from '../inventory/useInventory.ts';
import { flagsOfVm } from '../domain/visibility.ts';
import { classInfo, tabsOf } from '../objects/registry.ts';
import { useObject } from '../objects/use-object.ts';
import { roleAtLeast, type Role } from '../shared/catalogue.ts';
import { useCacheLoaded } from '../store/hooks.ts';
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

const TAB_LABELS: Record<DetailTab, string> = {
  general: 'General',
  extensions: 'Extensions',
  'other-config': 'Other config',
  console: 'Console',
  performance: 'Performance',
};

export function DetailsPanel({ cls, uuid, tab, role }: { cls: WireClass; uuid: string; tab: DetailTab; role: Role }) {
  const { object, reads } = useObject(cls, uuid);
  const record = object?.record;
  const info = classInfo(cls);
  const loaded = useCacheLoaded();
  const locale = useBrowserLocale();
  const title = object ? info.name(object.record, reads, locale) : undefined;
  // One marker per tab, for every object the tab edits (a VM's NICs are part of its Extensions tab).
  const extDirty = useDirtyForms(
    record ? pageObjects(cls, uuid, record, title ?? '').map((o) => formOf(o.cls, o.uuid)) : [],
  );
  const rawDirty = useDirtyForms([`raw:${cls}/${uuid}`]);
  useDocumentTitle(title === undefined ? undefined : `${title} — ${PRODUCT_NAME}`);

  if (!object || !record) {
    return loaded ? (
      <div className="empty-state">
        <h2>Object not found</h2>
        <p>This {info.label.toLowerCase()} does not exist any more, or you cannot see it.</p>
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
  const hidden = info.hidden(record);
  const tabs = tabsOf(cls, record);
  const current = tabs.includes(tab) ? tab : 'general';
  const vm = object.cls === 'vm' ? object.record : undefined;
  const canOpenHostConsole = cls === 'host' && roleAtLeast(role, 'pool-admin');

  let body: ReactNode;
  switch (current) {
    case 'general':
      body = <GeneralTab object={object} role={role} />;
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
        <ObjectIcon name={info.icon(record, reads)} className="details-icon" />
        <div className="details-heading">
          <h1 id="details-title" className={hidden ? 'hidden-object' : ''}>
            {name}
            {hidden ? ' (hidden)' : ''}
          </h1>
          <p className="details-kind">
            {info.label}
            {vm && !vm.is_a_template && !vm.is_a_snapshot ? (
              <span className={`state state-${vm.power_state.toLowerCase()}`}>{vm.power_state}</span>
            ) : null}
            {vm?.is_a_template ? (
              <span className="state">{flagsOfVm(vm).defaultTemplate ? 'Default template' : 'Template'}</span>
            ) : null}
            {vm && vm.resident_on !== NULL_REF ? (
              <span className="muted"> on {reads.byRef('host', vm.resident_on)?.name_label}</span>
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
