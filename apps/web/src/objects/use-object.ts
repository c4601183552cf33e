import type { WireClass } from '../api/wire.ts';
import { useReads, type Reads } from '../store/reads.ts';
import type { ObjectOf } from './registry.ts';

/**
 * One object of the cache with its class, typed, and the reader the component goes on with: the component re-renders
 * when the object or anything else it reads through `reads` changes.
 */
export function useObject<C extends WireClass>(
  cls: C,
  uuid: string,
): { object: ObjectOf<C> | undefined; reads: Reads } {
  const reads = useReads();
  const record = reads.get(cls, uuid);
  return { object: record === undefined ? undefined : ({ cls, uuid, record } as ObjectOf<C>), reads };
}
