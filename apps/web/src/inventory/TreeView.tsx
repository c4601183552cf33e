import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { ObjectIcon } from '../ui/Icon.tsx';
import type { Row } from './tree.ts';

/**
 * A virtualised tree (WAI-ARIA tree pattern): only the rows in view (plus a margin) are in the DOM, so 10,000 VMs
 * cost the same as 50. Focus stays on the tree element and moves with aria-activedescendant; arrows move and open,
 * Enter selects, typing a name jumps to it.
 */

export const ROW_HEIGHT = 26;
const OVERSCAN = 12;

export interface TreeViewProps {
  readonly rows: readonly Row[];
  readonly selectedId: string | undefined;
  readonly label: string;
  onSelect(row: Row): void;
  onToggle(row: Row, expanded: boolean): void;
  /** Right-click, the context-menu key or Shift+F10 on a row, with where to show the menu. */
  onContextMenu?(row: Row, x: number, y: number): void;
}

const domId = (id: string): string => `tree-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export function TreeView({ rows, selectedId, label, onSelect, onToggle, onContextMenu }: TreeViewProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [activeId, setActiveId] = useState<string | undefined>(undefined);
  const typeahead = useRef({ text: '', at: 0 });

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewport(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const indexOf = useCallback(
    (id: string | undefined) => (id === undefined ? -1 : rows.findIndex((r) => r.node.id === id)),
    [rows],
  );
  const activeIndex = (() => {
    const i = indexOf(activeId);
    if (i >= 0) return i;
    const s = indexOf(selectedId);
    return s >= 0 ? s : rows.length > 0 ? 0 : -1;
  })();
  const active = activeIndex >= 0 ? rows[activeIndex] : undefined;

  const reveal = useCallback((index: number) => {
    const element = scrollRef.current;
    if (!element) return;
    const top = index * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) {
      element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
    }
  }, []);

  // Bring the selection into view when it changes from outside (a link, the URL).
  const selectedIndex = indexOf(selectedId);
  useEffect(() => {
    if (selectedIndex >= 0) reveal(selectedIndex);
  }, [selectedIndex, reveal]);

  const moveTo = (index: number) => {
    const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    if (!row) return;
    setActiveId(row.node.id);
    reveal(rows.indexOf(row));
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!active) return;
    const page = Math.max(1, Math.floor(viewport / ROW_HEIGHT) - 1);
    if (event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
      const rect = document.getElementById(domId(active.node.id))?.getBoundingClientRect();
      if (rect && onContextMenu) onContextMenu(active, rect.left + 24, rect.bottom);
      event.preventDefault();
      return;
    }
    switch (event.key) {
      case 'ArrowDown':
        moveTo(activeIndex + 1);
        break;
      case 'ArrowUp':
        moveTo(activeIndex - 1);
        break;
      case 'PageDown':
        moveTo(activeIndex + page);
        break;
      case 'PageUp':
        moveTo(activeIndex - page);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(rows.length - 1);
        break;
      case 'ArrowRight':
        if (active.expandable && !active.expanded) onToggle(active, true);
        else if (active.expanded) moveTo(activeIndex + 1);
        break;
      case 'ArrowLeft':
        if (active.expanded) onToggle(active, false);
        else if (active.parentId !== undefined) moveTo(indexOf(active.parentId));
        break;
      case 'Enter':
      case ' ':
        if (active.node.cls) onSelect(active);
        else if (active.expandable) onToggle(active, !active.expanded);
        break;
      default: {
        if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
        const now = performance.now();
        const state = typeahead.current;
        state.text = now - state.at > 700 ? event.key.toLowerCase() : state.text + event.key.toLowerCase();
        state.at = now;
        for (let step = 1; step <= rows.length; step++) {
          const i = (activeIndex + (state.text.length === 1 ? step : step - 1)) % rows.length;
          if (rows[i]!.node.label.toLowerCase().startsWith(state.text)) {
            moveTo(i);
            break;
          }
        }
        break;
      }
    }
    event.preventDefault();
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);
  const visible = rows.slice(first, last);

  return (
    <div
      ref={scrollRef}
      className="tree"
      role="tree"
      aria-label={label}
      tabIndex={0}
      aria-activedescendant={active ? domId(active.node.id) : undefined}
      onKeyDown={onKeyDown}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div className="tree-canvas" style={{ height: rows.length * ROW_HEIGHT }}>
        <div className="tree-window" style={{ transform: `translateY(${first * ROW_HEIGHT}px)` }}>
          {visible.map((row) => (
            <TreeRow
              key={row.node.id}
              row={row}
              selected={row.node.id === selectedId}
              active={row.node.id === active?.node.id}
              onSelect={onSelect}
              onToggle={onToggle}
              onActivate={setActiveId}
              onContextMenu={onContextMenu}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

interface TreeRowProps {
  readonly row: Row;
  readonly selected: boolean;
  readonly active: boolean;
  onSelect(row: Row): void;
  onToggle(row: Row, expanded: boolean): void;
  onActivate(id: string): void;
  onContextMenu: TreeViewProps['onContextMenu'];
}

const TreeRow = memo(
  function TreeRow({ row, selected, active, onSelect, onToggle, onActivate, onContextMenu }: TreeRowProps) {
    const { node } = row;
    return (
      <div
        id={domId(node.id)}
        role="treeitem"
        aria-level={row.depth + 1}
        aria-setsize={row.siblings}
        aria-posinset={row.position}
        aria-expanded={row.expandable ? row.expanded : undefined}
        aria-selected={selected}
        aria-busy={node.busy ? true : undefined}
        className={`tree-row${selected ? ' selected' : ''}${active ? ' active' : ''}${node.hidden ? ' hidden-object' : ''}${row.matched === false ? ' context' : ''}`}
        style={{ paddingLeft: 6 + row.depth * 16 }}
        data-kind={node.kind}
        onClick={() => {
          onActivate(node.id);
          if (node.cls) onSelect(row);
          else if (row.expandable) onToggle(row, !row.expanded);
        }}
        onDoubleClick={() => {
          if (row.expandable && node.cls) onToggle(row, !row.expanded);
        }}
        onContextMenu={(event) => {
          if (!onContextMenu || !node.cls) return;
          event.preventDefault();
          onActivate(node.id);
          onContextMenu(row, event.clientX, event.clientY);
        }}
      >
        <span
          className={`tree-twisty${row.expandable ? '' : ' leaf'}${row.expanded ? ' open' : ''}`}
          aria-hidden="true"
          onClick={(event) => {
            if (!row.expandable) return;
            event.stopPropagation();
            onToggle(row, !row.expanded);
          }}
        />
        <ObjectIcon name={node.icon} />
        <span className="tree-label">{node.label}</span>
        {node.note ? <span className="tree-note">{node.note}</span> : null}
        {/* Out of the row's accessible name (the object's label); the row says it is busy, the spinner says with what. */}
        {node.busy ? <span className="spinner tree-busy" aria-hidden="true" title={node.busy} /> : null}
      </div>
    );
  },
  (a, b) =>
    a.row.node === b.row.node &&
    a.row.expanded === b.row.expanded &&
    a.row.expandable === b.row.expandable &&
    a.row.depth === b.row.depth &&
    a.row.position === b.row.position &&
    a.row.siblings === b.row.siblings &&
    a.row.matched === b.row.matched &&
    a.selected === b.selected &&
    a.active === b.active &&
    a.onSelect === b.onSelect &&
    a.onToggle === b.onToggle &&
    a.onContextMenu === b.onContextMenu,
);
