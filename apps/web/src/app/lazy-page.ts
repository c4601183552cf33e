import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

type PageModule<P> = { readonly default: ComponentType<P> };

export type LazyPage<P> = LazyExoticComponent<ComponentType<P>> & {
  /** Loads the page's code (once it is in, the page renders without suspending). */
  readonly load: () => Promise<unknown>;
};

/**
 * React.lazy for a page whose code may already be in when it first renders (main.tsx starts loading it before
 * React): then it renders at once. Plain lazy suspends for a tick even then, shows the fallback, and React holds the
 * content back for up to 300 ms after showing a fallback (its reveal throttle) — a new console tab's console waited
 * for that, or for the next update (the session check).
 */
export function lazyPage<P>(load: () => Promise<PageModule<P>>): LazyPage<P> {
  let loaded: PageModule<P> | undefined;
  const loadOnce = (): Promise<PageModule<P>> =>
    load().then((module) => {
      loaded = module;
      return module;
    });
  // React reads a thenable that calls back at once as already resolved (react's lazyInitializer checks its status
  // right after calling `then`).
  const now = (module: PageModule<P>): Promise<PageModule<P>> =>
    ({ then: (resolve: (value: PageModule<P>) => void) => resolve(module) }) as unknown as Promise<PageModule<P>>;
  return Object.assign(
    lazy(() => (loaded ? now(loaded) : loadOnce())),
    { load: loadOnce },
  );
}
