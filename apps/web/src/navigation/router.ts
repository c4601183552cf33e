import { useSyncExternalStore, type MouseEvent } from 'react';
import { parseRoute, type Route } from './routes.ts';

/** A tiny History API router: one current location, `navigate`, and a hook. */

const listeners = new Set<() => void>();
let current = location.pathname;
let route: Route = parseRoute(current);

function update(): void {
  if (location.pathname === current) return;
  current = location.pathname;
  route = parseRoute(current);
  for (const listener of [...listeners]) listener();
}

window.addEventListener('popstate', update);

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname) return;
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  update();
}

export function useRoute(): Route {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => route,
  );
}

/** Follows a link inside the app unless the user asked for a new tab or window. */
export function followLink(event: MouseEvent<HTMLAnchorElement>, path: string): void {
  if (
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    event.altKey
  ) {
    return;
  }
  event.preventDefault();
  navigate(path);
}
