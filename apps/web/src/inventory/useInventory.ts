import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
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
 * A version of the tree classes whose change notifications are coalesced to one per animation frame, however many
 * event batches arrive: bursts of changes cost one rebuild. (useSyncExternalStore also catches a change that lands
 * between the first render and the subscription, such as a snapshot arriving while the page's code loads.)
 */
function useFrameVersion(classes: readonly WireClass[]): string {
  const subscribe = useCallback(
    (listener: () => void) => {
      let frame: number | undefined;
      const bump = () => {
        if (frame !== undefined) return;
        frame = requestAnimationFrame(() => {
          frame = undefined;
          listener();
        });
      };
      const offs = classes.map((cls) => cache.subscribeClass(cls, bump));
      return () => {
        offs.forEach((off) => off());
        if (frame !== undefined) cancelAnimationFrame(frame);
      };
    },
    [classes],
  );
  return useSyncExternalStore(subscribe, () => classes.map((cls) => cache.classVersion(cls)).join('.'));
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
