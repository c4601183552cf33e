import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { setPreference, preferences } from '../preferences/preferences.ts';
import { link } from '../session/session.ts';
import type { Role } from '../shared/roles.ts';
import { navigate } from '../navigation/router.ts';
import { objectPath } from '../navigation/routes.ts';
import { ConfirmPowerAction, runPowerAction } from '../details/PowerActions.tsx';
import { useCacheLoaded } from '../store/hooks.ts';
import { useStore } from '../store/store.ts';
import { isTypingTarget } from '../ui/dom.ts';
import { Glyph } from '../ui/Icon.tsx';
import { parseQuery } from '../domain/search.ts';
import { ancestorsOf, countMatches, flatten, type Row } from './tree.ts';
import { TreeContextMenu, type ContextMenuAt, type PendingAction } from './TreeContextMenu.tsx';
import { TreeView } from './TreeView.tsx';
import { useInventoryTree } from './useInventory.ts';

/** The left pane: view switch (Infrastructure / Objects), the search box and the tree. */
export function NavigationPane({ selectedId, role }: { selectedId: string | undefined; role: Role }) {
  const [menu, setMenu] = useState<ContextMenuAt | undefined>(undefined);
  const [pending, setPending] = useState<PendingAction | undefined>(undefined);
  const prefs = useStore(preferences);
  const loaded = useCacheLoaded();
  const status = useStore(link);
  const [search, setSearch] = useState('');
  const [toggled, setToggled] = useState<ReadonlyMap<string, boolean>>(() => new Map());
  const searchRef = useRef<HTMLInputElement>(null);

  const roots = useInventoryTree(prefs.view, prefs.showHidden, prefs.showDefaultTemplates);

  // When the selection changes from outside the tree (a link, the address bar), open the way to it.
  const [revealed, setRevealed] = useState<string | undefined>(undefined);
  const revealKey = `${prefs.view}|${selectedId ?? ''}`;
  if (selectedId !== undefined && revealed !== revealKey) {
    const path = ancestorsOf(roots, selectedId);
    if (path.length > 0 || roots.length > 0) {
      setRevealed(revealKey);
      if (path.some((id) => toggled.get(id) === false || !toggled.has(id))) {
        setToggled((previous) => {
          const next = new Map(previous);
          for (const id of path) next.set(id, true);
          return next;
        });
      }
    }
  }
  const query = useMemo(() => parseQuery(search), [search]);
  const rows = useMemo(() => flatten(roots, toggled, query), [roots, toggled, query]);
  const matches = useMemo(() => countMatches(rows, query), [rows, query]);

  const onSelect = useCallback((row: Row) => {
    if (row.node.cls && row.node.uuid) navigate(objectPath(row.node.cls, row.node.uuid));
  }, []);
  const onToggle = useCallback((row: Row, expanded: boolean) => {
    setToggled((previous) => new Map(previous).set(row.node.id, expanded));
  }, []);
  const onContextMenu = useCallback((row: Row, x: number, y: number) => setMenu({ row, x, y }), []);
  const treeRef = useRef<HTMLDivElement>(null);

  const hasRows = rows.length > 0;
  useEffect(() => {
    if (hasRows) performance.mark('xwc:tree-rendered');
  }, [hasRows]);

  // "/" focuses the search box from anywhere outside a text field, as in many web consoles.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTypingTarget(event.target)) return;
      event.preventDefault();
      searchRef.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <nav className="nav-pane" aria-label="Inventory" ref={treeRef}>
      <div className="view-switch" role="tablist" aria-label="View">
        {(['infrastructure', 'objects'] as const).map((view) => (
          <button
            key={view}
            type="button"
            role="tab"
            aria-selected={prefs.view === view}
            className={prefs.view === view ? 'active' : ''}
            onClick={() => setPreference('view', view)}
          >
            {view === 'infrastructure' ? 'Infrastructure' : 'Objects'}
          </button>
        ))}
      </div>
      <div className="search-box">
        <Glyph name="search" />
        <input
          ref={searchRef}
          type="search"
          placeholder="Name, description or IP"
          aria-label="Search the inventory"
          title="Search the inventory by name, description or IP address (shortcut: /)"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') setSearch('');
          }}
          spellCheck={false}
        />
      </div>
      {query.length > 0 ? (
        <p className="search-summary" role="status">
          {matches === 0 ? 'No objects match.' : `${matches} ${matches === 1 ? 'object matches' : 'objects match'}.`}
        </p>
      ) : null}
      {!loaded ? (
        <div className="tree-skeleton" aria-busy="true" aria-label="Loading the inventory">
          <p className="loading-note" role="status">
            Loading the inventory
            {status.received && status.received > 100_000
              ? ` — ${(status.received / 1_000_000).toFixed(1)} MB received`
              : ': waiting for the pool…'}
          </p>
          {Array.from({ length: 12 }, (_, i) => (
            <div key={i} className="skeleton-row" style={{ marginLeft: (i % 3) * 16, width: `${60 - (i % 4) * 8}%` }} />
          ))}
        </div>
      ) : rows.length === 0 && query.length === 0 ? (
        <p className="empty-state">The pool has no objects you can see.</p>
      ) : (
        <TreeView
          rows={rows}
          selectedId={selectedId}
          label={prefs.view === 'infrastructure' ? 'Infrastructure' : 'Objects by type'}
          onSelect={onSelect}
          onToggle={onToggle}
          onContextMenu={onContextMenu}
        />
      )}
      {menu ? (
        <TreeContextMenu
          at={menu}
          role={role}
          onClose={(refocus) => {
            setMenu(undefined);
            if (refocus) treeRef.current?.querySelector<HTMLElement>('[role="tree"]')?.focus();
          }}
          onConfirm={setPending}
        />
      ) : null}
      {pending ? (
        <ConfirmPowerAction
          vm={pending.vm}
          spec={pending.spec}
          onConfirm={() => {
            setPending(undefined);
            void runPowerAction(pending.vm, pending.spec);
          }}
          onCancel={() => setPending(undefined)}
        />
      ) : null}
    </nav>
  );
}
