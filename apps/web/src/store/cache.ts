import type { AnyRec, Change, RecordOf, Snapshot, WireClass } from '../api/wire.ts';
import { WIRE_CLASSES } from '../api/wire.ts';

/**
 * The live object cache: class → uuid → record, plus a ref index. Records are replaced, never mutated, so a record's
 * identity doubles as its version. Subscribers are told which classes and objects a batch touched, once per batch,
 * so a power change re-renders its own row, not the whole inventory.
 */

type Listener = () => void;

export interface BatchInfo {
  readonly classes: ReadonlySet<WireClass>;
  /** `cls/uuid` of every object the batch added, changed or removed; undefined after a full replace. */
  readonly objects: ReadonlySet<string> | undefined;
  readonly changes: readonly Change[];
}

type BatchListener = (batch: BatchInfo) => void;

export const objectKey = (cls: WireClass, uuid: string): string => `${cls}/${uuid}`;

export class ObjectCache {
  private tables = new Map<WireClass, Map<string, AnyRec>>();
  private refs = new Map<string, { cls: WireClass; uuid: string }>();
  private classVersions = new Map<WireClass, number>();
  private objectListeners = new Map<string, Set<Listener>>();
  private classListeners = new Map<WireClass, Set<Listener>>();
  private batchListeners = new Set<BatchListener>();
  private loadedFlag = false;
  private loadListeners = new Set<Listener>();

  constructor() {
    for (const cls of WIRE_CLASSES) this.tables.set(cls, new Map());
  }

  get loaded(): boolean {
    return this.loadedFlag;
  }

  get<C extends WireClass>(cls: C, uuid: string): RecordOf[C] | undefined {
    return this.tables.get(cls)?.get(uuid) as RecordOf[C] | undefined;
  }

  getAny(cls: WireClass, uuid: string): AnyRec | undefined {
    return this.tables.get(cls)?.get(uuid);
  }

  /** Resolves a ref to its record, when it is of the expected class. */
  byRef<C extends WireClass>(cls: C, ref: string | undefined): RecordOf[C] | undefined {
    if (ref === undefined) return undefined;
    const hit = this.refs.get(ref);
    return hit && hit.cls === cls ? this.get(cls, hit.uuid) : undefined;
  }

  /** The records behind a set of refs (a VM's VIFs, a host's PIFs…) that are in the cache, in order. */
  byRefs<C extends WireClass>(cls: C, refs: readonly string[]): RecordOf[C][] {
    const out: RecordOf[C][] = [];
    for (const ref of refs) {
      const record = this.byRef(cls, ref);
      if (record) out.push(record);
    }
    return out;
  }

  uuidOfRef(ref: string): { cls: WireClass; uuid: string } | undefined {
    return this.refs.get(ref);
  }

  all<C extends WireClass>(cls: C): ReadonlyMap<string, RecordOf[C]> {
    return this.tables.get(cls) as unknown as ReadonlyMap<string, RecordOf[C]>;
  }

  count(cls: WireClass): number {
    return this.tables.get(cls)?.size ?? 0;
  }

  classVersion(cls: WireClass): number {
    return this.classVersions.get(cls) ?? 0;
  }

  /** Replaces everything (an `event: snapshot`). */
  replace(snapshot: Snapshot): void {
    this.refs.clear();
    const classes = new Set<WireClass>();
    for (const cls of WIRE_CLASSES) {
      const table = new Map<string, AnyRec>();
      const records = snapshot[cls] ?? {};
      for (const uuid in records) {
        const record = records[uuid]!;
        table.set(uuid, record);
        this.refs.set(record.$ref, { cls, uuid });
      }
      this.tables.set(cls, table);
      classes.add(cls);
      this.bump(cls);
    }
    this.notify({ classes, objects: undefined, changes: [] });
    this.setLoaded(true);
  }

  /** Applies an `event: changes` batch (or a PATCH answer). */
  apply(changes: readonly Change[]): void {
    if (changes.length === 0) return;
    const classes = new Set<WireClass>();
    const objects = new Set<string>();
    for (const change of changes) {
      const table = this.tables.get(change.cls)!;
      if (change.op === 'del') {
        const old = table.get(change.uuid);
        table.delete(change.uuid);
        if (old) this.refs.delete(old.$ref);
        if (change.ref) this.refs.delete(change.ref);
      } else if (change.record) {
        table.set(change.uuid, change.record);
        this.refs.set(change.record.$ref, { cls: change.cls, uuid: change.uuid });
      }
      classes.add(change.cls);
      objects.add(objectKey(change.cls, change.uuid));
    }
    for (const cls of classes) this.bump(cls);
    this.notify({ classes, objects, changes });
  }

  /** Forgets everything (logout). */
  clear(): void {
    this.replace({});
    this.setLoaded(false);
  }

  private setLoaded(loaded: boolean): void {
    if (this.loadedFlag === loaded) return;
    this.loadedFlag = loaded;
    for (const listener of [...this.loadListeners]) listener();
  }

  subscribeObject(cls: WireClass, uuid: string, listener: Listener): () => void {
    return addTo(this.objectListeners, objectKey(cls, uuid), listener);
  }

  subscribeClass(cls: WireClass, listener: Listener): () => void {
    return addTo(this.classListeners, cls, listener);
  }

  subscribeBatches(listener: BatchListener): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  subscribeLoaded(listener: Listener): () => void {
    this.loadListeners.add(listener);
    return () => this.loadListeners.delete(listener);
  }

  private bump(cls: WireClass): void {
    this.classVersions.set(cls, (this.classVersions.get(cls) ?? 0) + 1);
  }

  private notify(batch: BatchInfo): void {
    for (const listener of [...this.batchListeners]) listener(batch);
    for (const cls of batch.classes) for (const listener of [...(this.classListeners.get(cls) ?? [])]) listener();
    if (batch.objects) {
      for (const key of batch.objects) for (const listener of [...(this.objectListeners.get(key) ?? [])]) listener();
    } else {
      for (const set of this.objectListeners.values()) for (const listener of [...set]) listener();
    }
  }
}

function addTo<K>(map: Map<K, Set<Listener>>, key: K, listener: Listener): () => void {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(listener);
  return () => {
    set.delete(listener);
    if (set.size === 0) map.delete(key);
  };
}

/** The one cache of this page. */
export const cache = new ObjectCache();
