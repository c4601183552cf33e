import { useEffect, useReducer, type DispatchWithoutAction } from 'react';
import type { RecordOf, WireClass } from '../api/wire.ts';
import { cache } from './cache.ts';

/**
 * What a component reads of the cache during render, and the subscriptions that follow from it: a record read by uuid
 * or by a ref that exists re-renders the component when that record changes; a ref not found yet, or a whole class,
 * when anything of the class changes. Nothing is listed by hand, so a panel cannot go stale by forgetting a class.
 */
export interface Reads {
  get<C extends WireClass>(cls: C, uuid: string | undefined): RecordOf[C] | undefined;
  byRef<C extends WireClass>(cls: C, ref: string | undefined): RecordOf[C] | undefined;
  byRefs<C extends WireClass>(cls: C, refs: readonly string[]): RecordOf[C][];
  all<C extends WireClass>(cls: C): ReadonlyMap<string, RecordOf[C]>;
  count(cls: WireClass): number;
  /** The host an unshared SR lives on (through its PBD). */
  srHost(sr: RecordOf['sr']): RecordOf['host'] | undefined;
}

/** What one render read: objects (`cls/uuid`, with the record seen) and whole classes (with the version seen). */
class ReadLog implements Reads {
  private readonly objects = new Map<string, { cls: WireClass; uuid: string; seen: unknown }>();
  private readonly classes = new Map<WireClass, number>();

  get<C extends WireClass>(cls: C, uuid: string | undefined): RecordOf[C] | undefined {
    if (uuid === undefined) return undefined;
    const record = cache.get(cls, uuid);
    if (record) this.objects.set(`${cls}/${uuid}`, { cls, uuid, seen: record });
    else this.watchClass(cls);
    return record;
  }

  byRef<C extends WireClass>(cls: C, ref: string | undefined): RecordOf[C] | undefined {
    const found = ref === undefined ? undefined : cache.uuidOfRef(ref);
    if (found?.cls === cls) return this.get(cls, found.uuid);
    this.watchClass(cls);
    return undefined;
  }

  byRefs<C extends WireClass>(cls: C, refs: readonly string[]): RecordOf[C][] {
    const out: RecordOf[C][] = [];
    for (const ref of refs) {
      const record = this.byRef(cls, ref);
      if (record) out.push(record);
    }
    return out;
  }

  all<C extends WireClass>(cls: C): ReadonlyMap<string, RecordOf[C]> {
    this.watchClass(cls);
    return cache.all(cls);
  }

  count(cls: WireClass): number {
    this.watchClass(cls);
    return cache.count(cls);
  }

  srHost(sr: RecordOf['sr']): RecordOf['host'] | undefined {
    if (sr.shared) return undefined;
    for (const pbd of this.byRefs('pbd', sr.PBDs)) {
      const host = this.byRef('host', pbd.host);
      if (host) return host;
    }
    return undefined;
  }

  private watchClass(cls: WireClass): void {
    if (!this.classes.has(cls)) this.classes.set(cls, cache.classVersion(cls));
  }

  /** Subscribes to what was read; re-renders at once if something changed between render and now. */
  subscribe(rerender: DispatchWithoutAction): () => void {
    const objects = [...this.objects.values()];
    const offs = [
      ...objects.map(({ cls, uuid }) => cache.subscribeObject(cls, uuid, rerender)),
      ...[...this.classes.keys()].map((cls) => cache.subscribeClass(cls, rerender)),
    ];
    // Records are replaced, never changed in place: another object than the one read means a change.
    const stale =
      objects.some(({ cls, uuid, seen }) => cache.get(cls, uuid) !== seen) ||
      [...this.classes].some(([cls, version]) => cache.classVersion(cls) !== version);
    if (stale) rerender();
    return () => offs.forEach((off) => off());
  }
}

/** A reader for this render; the component re-renders when anything it read changes. */
export function useReads(): Reads {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const log = new ReadLog();
  // Runs after every render: the subscriptions are exactly this render's reads.
  useEffect(() => log.subscribe(rerender));
  return log;
}
