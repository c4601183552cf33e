import { useEffect, useId, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react';

/** A menu button (WAI-ARIA menu pattern): arrow keys move, Enter/Space choose, Esc or a click outside closes. */

export type MenuItem =
  | {
      readonly kind?: 'action';
      readonly id: string;
      readonly label: string;
      readonly onSelect: () => void;
      readonly disabled?: boolean;
      readonly hint?: string;
    }
  | {
      readonly kind: 'check';
      readonly id: string;
      readonly label: string;
      readonly checked: boolean;
      readonly onToggle: (checked: boolean) => void;
    }
  | { readonly kind: 'separator'; readonly id: string };

export function MenuButton({
  label,
  items,
  buttonContent,
  className,
  align = 'start',
  disabled,
  title,
}: {
  label: string;
  items: readonly MenuItem[];
  buttonContent?: ReactNode;
  className?: string;
  align?: 'start' | 'end';
  disabled?: boolean;
  title?: string;
}) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuId = useId();

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  };

  return (
    <div className={`menu${className ? ` ${className}` : ''}`} ref={rootRef}>
      <button
        ref={buttonRef}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={disabled}
        title={title}
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && !open) {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        {buttonContent ?? label}
      </button>
      {open ? (
        <MenuList
          id={menuId}
          label={label}
          items={items}
          className={`menu-${align}`}
          inside={rootRef}
          onClose={close}
        />
      ) : null}
    </div>
  );
}

/**
 * An open menu: focuses its first item, moves with the arrow keys, chooses with Enter or Space, and closes on Esc,
 * Tab or a pointer press outside `inside` (its own element when absent).
 */
export function MenuList({
  id,
  label,
  items,
  className,
  style,
  inside,
  onClose,
}: {
  id?: string;
  label: string;
  items: readonly MenuItem[];
  className?: string;
  style?: CSSProperties;
  inside?: { readonly current: HTMLElement | null };
  /** `refocus`: give the focus back to what opened the menu. */
  onClose: (refocus: boolean) => void;
}) {
  const listRef = useRef<HTMLUListElement>(null);
  const closeRef = useRef(onClose);
  useEffect(() => {
    closeRef.current = onClose;
  });

  useEffect(() => {
    const first = listRef.current?.querySelector<HTMLElement>('[role^="menuitem"]:not([aria-disabled="true"])');
    first?.focus();
    const onPointer = (event: PointerEvent) => {
      const root = inside?.current ?? listRef.current;
      if (!root?.contains(event.target as Node)) closeRef.current(false);
    };
    document.addEventListener('pointerdown', onPointer, true);
    return () => document.removeEventListener('pointerdown', onPointer, true);
  }, [inside]);

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const entries = [...(listRef.current?.querySelectorAll<HTMLElement>('[role^="menuitem"]') ?? [])];
    const index = entries.indexOf(document.activeElement as HTMLElement);
    const move = (to: number) => {
      event.preventDefault();
      entries[(to + entries.length) % entries.length]?.focus();
    };
    switch (event.key) {
      case 'ArrowDown':
        return move(index + 1);
      case 'ArrowUp':
        return move(index - 1);
      case 'Home':
        return move(0);
      case 'End':
        return move(entries.length - 1);
      case 'Escape':
        event.preventDefault();
        event.stopPropagation();
        return onClose(true);
      case 'Tab':
        return onClose(false);
    }
  };

  return (
    <ul
      id={id}
      ref={listRef}
      role="menu"
      aria-label={label}
      className={`menu-list${className ? ` ${className}` : ''}`}
      style={style}
      onKeyDown={onKeyDown}
    >
      {items.map((item) => {
        if (item.kind === 'separator') return <li key={item.id} role="separator" className="menu-separator" />;
        if (item.kind === 'check') {
          const toggle = () => {
            item.onToggle(!item.checked);
            onClose(true);
          };
          return (
            <li
              key={item.id}
              role="menuitemcheckbox"
              aria-checked={item.checked}
              tabIndex={-1}
              className="menu-item"
              onClick={toggle}
              onKeyDown={(event) => {
                if (event.key === 'Enter' || event.key === ' ') {
                  event.preventDefault();
                  toggle();
                }
              }}
            >
              <span className="menu-check" aria-hidden="true">
                {item.checked ? '✓' : ''}
              </span>
              {item.label}
            </li>
          );
        }
        const choose = () => {
          if (item.disabled) return;
          onClose(true);
          item.onSelect();
        };
        return (
          <li
            key={item.id}
            role="menuitem"
            tabIndex={-1}
            aria-disabled={item.disabled || undefined}
            className="menu-item"
            title={item.hint}
            onClick={choose}
            onKeyDown={(event) => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                choose();
              }
            }}
          >
            <span className="menu-check" aria-hidden="true" />
            {item.label}
          </li>
        );
      })}
    </ul>
  );
}
