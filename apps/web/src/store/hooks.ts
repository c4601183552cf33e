import { useCallback, useSyncExternalStore } from 'react';
import type { RecordOf, WireClass } from '../api/wire.ts';
import { cache } from './cache.ts';

/** React bindings of the cache: each hook re-renders only for what it reads. */

export function useRecord<C extends WireClass>(cls: C, uuid: string | undefined): RecordOf[C] | undefined {
  const subscribe = useCallback(
    (listener: () => void) => (uuid === undefined ? () => {} : cache.subscribeObject(cls, uuid, listener)),
    [cls, uuid],
  );
  return useSyncExternalStore(subscribe, () => (uuid === undefined ? undefined : cache.get(cls, uuid)));
}

/** A record by ref; re-renders when any record of the class changes (use for small classes or rarely). */
export function useRecordByRef<C extends WireClass>(cls: C, ref: string | undefined): RecordOf[C] | undefined {
  useClassVersion(cls);
  return cache.byRef(cls, ref);
}

/** A counter that moves whenever any record of the class changes. */
export function useClassVersion(cls: WireClass): number {
  const subscribe = useCallback((listener: () => void) => cache.subscribeClass(cls, listener), [cls]);
  return useSyncExternalStore(subscribe, () => cache.classVersion(cls));
}

/** Several class versions folded into one number-string key. */
export function useClassesVersion(classes: readonly WireClass[]): string {
  const key = classes.join(',');
  const subscribe = useCallback(
    (listener: () => void) => {
      const offs = key.split(',').map((cls) => cache.subscribeClass(cls as WireClass, listener));
      return () => offs.forEach((off) => off());
    },
    [key],
  );
  return useSyncExternalStore(subscribe, () =>
    key
      .split(',')
      .map((cls) => cache.classVersion(cls as WireClass))
      .join('.'),
  );
}

export function useCacheLoaded(): boolean {
  return useSyncExternalStore(
    (listener) => cache.subscribeLoaded(listener),
    () => cache.loaded,
  );
}
