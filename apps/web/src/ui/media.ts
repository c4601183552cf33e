import { useSyncExternalStore } from 'react';

/**
 * Narrow windows and phones: the inventory becomes a drawer and the console toolbar a menu. The same width is used
 * in styles/responsive.css (CSS cannot read this constant).
 */
export const NARROW = '(max-width: 700px)';

/** A phone or tablet: the primary pointer is a finger. */
export const TOUCH = '(pointer: coarse)';

/** Whether a media query matches now, re-rendering when that changes. */
export function useMedia(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => window.matchMedia(query).matches,
  );
}
