import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import type { SessionInfo } from '../api/endpoints.ts';
import { DetailsPanel } from '../details/DetailsPanel.tsx';
import { NavigationPane } from '../inventory/NavigationPane.tsx';
import { isRollingUpgradeInProgress, ROLE_LABELS } from '../shared/catalogue.ts';
import { cache } from '../store/cache.ts';
import { useClassVersion } from '../store/hooks.ts';
import { useStore } from '../store/store.ts';
import { isTypingTarget } from '../ui/dom.ts';
import { ErrorBoundary } from '../ui/ErrorBoundary.tsx';
import { MenuButton } from '../ui/Menu.tsx';
import { WallPage } from '../wall/WallPage.tsx';
import { preferences, setPreference } from '../preferences/preferences.ts';
import { followLink } from '../navigation/router.ts';
import type { Route } from '../navigation/routes.ts';
import { dismiss, DismissButton, isDismissed } from './dismissed.tsx';
import { DrawerButton, NavDrawer } from './Drawer.tsx';
import { link, logOut, session } from '../session/session.ts';
import { PRODUCT_NAME, usePoolBrand } from '../product/product.ts';
import { ShortcutsDialog } from './ShortcutsDialog.tsx';
import { navigate } from '../navigation/router.ts';
import { roleAtLeast } from '../shared/roles.ts';
import { Notifications } from '../notifications/Notifications.tsx';

const RecordingsPage = lazy(() => import('../recordings/RecordingsPage.tsx'));
const PlayerPage = lazy(() => import('../recordings/PlayerPage.tsx'));

function usePool() {
  useClassVersion('pool');
  const [pool] = cache.all('pool').values();
  return pool;
}

function Banners() {
  const pool = usePool();
  const status = useStore(link);
  // Once the session has ended the link is down on purpose: the session-ended dialog says what happens next.
  const current = useStore(session);
  const ended = current.status === 'logged-in' && current.ended !== undefined;
  const [upgradeSeen, setUpgradeSeen] = useState(() => isDismissed('rolling-upgrade'));
  if (ended) return null;
  return (
    <>
      {pool && isRollingUpgradeInProgress(pool) && !upgradeSeen ? (
        <div className="banner banner-warning" role="status">
          A rolling pool upgrade is in progress: hosts run different versions until it completes, and some operations
          are blocked.
          <DismissButton
            what="this notice for this session"
            onDismiss={() => {
              dismiss('rolling-upgrade');
              setUpgradeSeen(true);
            }}
          />
        </div>
      ) : null}
      {status.state === 'limited' ? (
        <div className="banner banner-warning" role="status">
          {status.message} The inventory is not kept up to date meanwhile.
        </div>
      ) : null}
      {status.state === 'reconnecting' ? (
        <div className="banner banner-info" role="status">
          {status.message ?? 'The link to the pool was interrupted; reconnecting…'} The inventory may be out of date.
        </div>
      ) : null}
    </>
  );
}

function Header({ info }: { info: SessionInfo }) {
  const prefs = useStore(preferences);
  const pool = usePool();
  const brand = usePoolBrand();
  const [shortcuts, setShortcuts] = useState(false);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '?' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTypingTarget(event.target)) return;
      event.preventDefault();
      setShortcuts(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const poolName = pool?.name_label || info.pool?.name || 'Pool';
  return (
    <header className="app-header">
      <DrawerButton />
      <div className="brand">
        <img src="/favicon.svg" alt="" width="22" height="22" />
        <span>{PRODUCT_NAME}</span>
      </div>
      <span className="pool-name" title="Pool">
        {poolName}
        {brand ? <span className="pool-brand"> · {brand}</span> : null}
      </span>
      <div className="header-menus">
        <a className="header-link" href="/wall" onClick={(event) => followLink(event, '/wall')}>
          Console wall
        </a>
        <Notifications role={info.role} />
        <MenuButton
          label="View"
          align="end"
          items={[
            {
              kind: 'check',
              id: 'hidden',
              label: 'Show hidden objects',
              checked: prefs.showHidden,
              onToggle: (checked) => setPreference('showHidden', checked),
            },
            {
              kind: 'check',
              id: 'templates',
              label: 'Show default templates',
              checked: prefs.showDefaultTemplates,
              onToggle: (checked) => setPreference('showDefaultTemplates', checked),
            },
            { kind: 'separator', id: 'sep' },
            {
              kind: 'check',
              id: 'cad',
              label: 'Confirm Ctrl+Alt+Del on VMs',
              checked: prefs.confirmCtrlAltDel,
              onToggle: (checked) => setPreference('confirmCtrlAltDel', checked),
            },
          ]}
        />
        <MenuButton
          label="Account"
          align="end"
          buttonContent={
            <span className="account">
              {info.user} <span className="role-badge">{ROLE_LABELS[info.role]}</span>
            </span>
          }
          items={[
            { id: 'shortcuts', label: 'Keyboard shortcuts (?)', onSelect: () => setShortcuts(true) },
            ...(roleAtLeast(info.role, 'pool-admin')
              ? [{ id: 'recordings', label: 'Console recordings', onSelect: () => navigate('/recordings') }]
              : []),
            { kind: 'separator', id: 'sep' },
            { id: 'logout', label: 'Log out', onSelect: () => void logOut() },
          ]}
        />
      </div>
      {shortcuts ? <ShortcutsDialog onClose={() => setShortcuts(false)} /> : null}
    </header>
  );
}

function Splitter() {
  const ref = useRef<HTMLDivElement>(null);
  const prefs = useStore(preferences);
  useEffect(() => {
    document.documentElement.style.setProperty('--nav-width', `${prefs.navWidth}px`);
  }, [prefs.navWidth]);
  return (
    <div
      ref={ref}
      className="splitter"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the inventory pane"
      aria-valuenow={prefs.navWidth}
      aria-valuemin={200}
      aria-valuemax={700}
      tabIndex={0}
      onKeyDown={(event) => {
        if (event.key === 'ArrowLeft') setPreference('navWidth', Math.max(200, prefs.navWidth - 20));
        if (event.key === 'ArrowRight') setPreference('navWidth', Math.min(700, prefs.navWidth + 20));
      }}
      onPointerDown={(event) => {
        const element = ref.current;
        if (!element) return;
        element.setPointerCapture(event.pointerId);
        const move = (e: PointerEvent) => setPreference('navWidth', Math.max(200, Math.min(700, e.clientX)));
        const up = () => {
          element.removeEventListener('pointermove', move);
          element.removeEventListener('pointerup', up);
        };
        element.addEventListener('pointermove', move);
        element.addEventListener('pointerup', up);
      }}
    />
  );
}

/** The inventory: header, banners, the navigation pane and the details of the selected object. */
export default function Shell({ info, route }: { info: SessionInfo; route: Route }) {
  const selectedId = route.name === 'inventory' && route.cls && route.uuid ? `${route.cls}/${route.uuid}` : undefined;
  return (
    <div className="shell">
      <Header info={info} />
      <Banners />
      <div className="workspace">
        <NavDrawer closeOn={location.pathname}>
          <ErrorBoundary what="the inventory">
            <NavigationPane selectedId={selectedId} role={info.role} />
          </ErrorBoundary>
        </NavDrawer>
        <Splitter />
        <main className="details-area" id="details">
          {route.name === 'inventory' && route.cls && route.uuid ? (
            <ErrorBoundary key={`${route.cls}/${route.uuid}/${route.tab}`} what="this object">
              <DetailsPanel cls={route.cls} uuid={route.uuid} tab={route.tab} role={info.role} />
            </ErrorBoundary>
          ) : route.name === 'recordings' || route.name === 'recording' ? (
            <ErrorBoundary key={route.name === 'recording' ? route.id : 'recordings'} what="the recordings">
              <Suspense fallback={<div className="page-loading">Loading…</div>}>
                {route.name === 'recording' ? <PlayerPage id={route.id} /> : <RecordingsPage />}
              </Suspense>
            </ErrorBoundary>
          ) : route.name === 'wall' ? (
            <ErrorBoundary key="wall" what="the console wall">
              <WallPage source={route.source} role={info.role} />
            </ErrorBoundary>
          ) : route.name === 'not-found' ? (
            <div className="empty-state">
              <h2>Page not found</h2>
              <p>Nothing lives at this address. Pick an object in the tree.</p>
            </div>
          ) : (
            <div className="empty-state">
              <h2>Select an object</h2>
              <p>
                Choose a pool, server, VM, storage repository or network in the tree to see its details, edit its
                extensions or open its console. Use the arrow keys to move in the tree and Enter to open.
              </p>
            </div>
          )}
        </main>
      </div>
    </div>
  );
}
