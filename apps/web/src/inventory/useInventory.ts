import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { AnyRec, WireClass } from '../api/wire.ts';
import { cache } from '../store/cache.ts';
import { buildInfrastructure, buildObjects, type InventoryData, type TreeNode } from './tree.ts';

/** The classes the trees are built from; changes to other classes (tasks, VM metrics) never rebuild them. */
const TREE_CLASSES: readonly WireClass[] = [
  'pool',
  'host',
  'host_metrics',
  'vm',
  'vm_guest_metrics',
  'sr',
  'pbd',
  'network',
  'pif',
];

/**
 * A version of the tree classes that moves once per animation frame, however many event batches arrive: bursts of
 * changes cost one rebuild. Renders read the version of the last frame, not the cache's current one, so a keystroke
 * in the search box never rebuilds the tree for changes still streaming in (10,000 VMs: ~170 ms); the next frame
 * does. (Subscribing checks once more, for a change that landed between the first render and the subscription,
 * such as a snapshot arriving while the page's code loads.)
 */
function useFrameVersion(classes: readonly WireClass[]): string {
  const read = useCallback(() => classes.map((cls) => cache.classVersion(cls)).join('.'), [classes]);
  const shown = useRef<string | undefined>(undefined);
  shown.current ??= read();
  const subscribe = useCallback(
    (listener: () => void) => {
      let frame: number | undefined;
      const bump = () => {
        if (frame !== undefined) return;
        frame = requestAnimationFrame(() => {
          frame = undefined;
          shown.current = read();
          listener();
        });
      };
      const offs = classes.map((cls) => cache.subscribeClass(cls, bump));
      if (read() !== shown.current) bump();
      return () => {
        offs.forEach((off) => off());
        if (frame !== undefined) cancelAnimationFrame(frame);
      };
    },
    [classes, read],
  );
  return useSyncExternalStore(subscribe, () => shown.current!);
}

function cacheData(): InventoryData {
  return {
    pools: cache.all('pool').values(),
    hosts: cache.all('host').values(),
    vms: cache.all('vm').values(),
    srs: cache.all('sr').values(),
    networks: cache.all('network').values(),
    pifs: cache.all('pif').values(),
    byRef: (ref: string): AnyRec | undefined => {
      const hit = cache.uuidOfRef(ref);
      return hit ? cache.getAny(hit.cls, hit.uuid) : undefined;
    },
  };
}

export function useBrowserLocale(): string {
  const [locale, setLocale] = useState(() => navigator.language || 'en');
  useEffect(() => {
    const update = () => setLocale(navigator.language || 'en');
    window.addEventListener('languagechange', update);
    return () => window.removeEventListener('languagechange', update);
  }, []);
  return locale;
}

export function useInventoryTree(
  view: 'infrastructure' | 'objects',
  showHidden: boolean,
  showDefaultTemplates: boolean,
): readonly TreeNode[] {
  const version = useFrameVersion(TREE_CLASSES);
  const locale = useBrowserLocale();
  return useMemo(() => {
    void version;
    const options = { showHidden, showDefaultTemplates, locale };
    return view === 'infrastructure' ? buildInfrastructure(cacheData(), options) : buildObjects(cacheData(), options);
  }, [version, view, showHidden, showDefaultTemplates, locale]);
}
