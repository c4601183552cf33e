import { useEffect, useRef, type ReactNode } from 'react';
import { Store, useStore } from '../store/store.ts';
import { NARROW, useMedia } from '../ui/media.ts';
import './drawer.css';

/**
 * In a narrow window the navigation pane is a drawer: a button in the header opens it over the page, and choosing an
 * object, Esc or a tap beside it closes it. In a wide window it is the ordinary pane (the drawer element is
 * `display: contents` there, see drawer.css).
 */

const open = new Store<boolean>(false);
const DRAWER_ID = 'inventory-drawer';

export function DrawerButton() {
  const isOpen = useStore(open);
  return (
    <button
      type="button"
      className="drawer-button"
      aria-expanded={isOpen}
      aria-controls={DRAWER_ID}
      onClick={() => open.set(!isOpen)}
    >
      <span aria-hidden="true">☰</span> Inventory
    </button>
  );
}

/** `closeOn` changes when the user has chosen something (the route): the drawer then gets out of the way. */
export function NavDrawer({ closeOn, children }: { closeOn: string; children: ReactNode }) {
  const narrow = useMedia(NARROW);
  const isOpen = useStore(open) && narrow;
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => open.set(false), [closeOn]);

  useEffect(() => {
    if (!isOpen) return;
    // Into the drawer, at the selected row if there is one.
    const drawer = ref.current;
    drawer?.querySelector<HTMLElement>('[role="treeitem"][tabindex="0"], input, button')?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      open.set(false);
      document.querySelector<HTMLElement>('.drawer-button')?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [isOpen]);

  return (
    <>
      <div ref={ref} id={DRAWER_ID} className={`nav-drawer${isOpen ? ' open' : ''}`}>
        {children}
      </div>
      {isOpen ? <div className="drawer-backdrop" aria-hidden="true" onClick={() => open.set(false)} /> : null}
    </>
  );
}
