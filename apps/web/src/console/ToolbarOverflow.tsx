import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Glyph } from '../ui/Icon.tsx';
import { NARROW, useMedia } from '../ui/media.ts';

/**
 * The console toolbar's less used controls: inline in a wide window, behind a "More" button in a narrow one. The same
 * controls either way (nothing is written twice); they stay mounted while the panel is closed, so a dialog one of
 * them opened stays open.
 */
export function ToolbarOverflow({ children }: { children: ReactNode }) {
  const narrow = useMedia(NARROW);
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Element | null;
      // A dialog opened from the panel is not "outside".
      if (target && !ref.current?.contains(target) && !target.closest('dialog')) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || !ref.current?.contains(event.target as Node)) return;
      setOpen(false);
      ref.current.querySelector<HTMLElement>('.toolbar-more-button')?.focus();
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  if (!narrow) return <>{children}</>;
  return (
    <div className="toolbar-more" ref={ref}>
      <button
        type="button"
        className="toolbar-more-button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
      >
        More <Glyph name="down" />
      </button>
      <div id={panelId} className="toolbar-more-panel" role="group" aria-label="More console controls" hidden={!open}>
        {children}
      </div>
    </div>
  );
}
