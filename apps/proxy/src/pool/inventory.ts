import {
  CLASS_NAMES,
  watchEvents,
  XapiError,
  type AnyXapiRecord,
  type KnownClass,
  type RecordsByClass,
  type XapiChange,
  type XapiRef,
} from '@xwc/api-client';
import type { UserSession } from '../auth/sessions.ts';
import type { Logger } from '../log.ts';

/** What a console window follows: one VM, or one host's control domain. */
export type ConsoleScope = { vm: string; host?: undefined } | { host: string; vm?: undefined };

/** A record as the browser sees it: XAPI's fields by wire name plus its own ref. */
export type BrowserRecord = AnyXapiRecord & { $ref: XapiRef };

export interface BrowserChange {
  op: 'add' | 'mod' | 'del';
  class: string;
  uuid: string;
  ref: XapiRef;
  record?: BrowserRecord;
}

/**
 * What subscribers receive, serialised once for all of them: `parts` concatenated are the JSON of the
 * event's data (a snapshot is written in pieces, never as one huge string).
 */
export type InventoryMessage =
  | { type: 'snapshot'; parts: string[] }
  | { type: 'changes'; parts: string[]; changes: readonly BrowserChange[] }
  | { type: 'status'; state: 'live' | 'reconnecting'; message?: string };

/**
 * What the tree, search and badges need: sent first, so the inventory shows quickly even on a pool of
 * thousands of VMs. The device classes follow as additions once this snapshot is out.
 */
export const CORE_CLASSES: readonly KnownClass[] = [
  'pool',
  'host',
  'host_metrics',
  'VM',
  'VM_guest_metrics',
  'console',
  'network',
  'PIF',
  'SR',
  'PBD',
  'task',
];
export const DETAIL_CLASSES: readonly KnownClass[] = CLASS_NAMES.filter((cls) => !CORE_CLASSES.includes(cls));

const lower = (cls: KnownClass): string => cls.toLowerCase();

/** The record parsed for this inventory is ours alone: tag it with its ref in place rather than copying it. */
function toBrowser(ref: XapiRef, record: AnyXapiRecord): BrowserRecord {
  const tagged = record as BrowserRecord;
  tagged.$ref = ref;
  return tagged;
}

/** Device-class records sent per change message after the core snapshot (about 1 MB of JSON). */
const MERGE_SLICE = 1000;

/** Snapshot JSON is built per class in pieces of about this size. */
const PART_BYTES = 1 << 20;

/**
 * One user session's live view of the pool: `event.from` watchers with that user's own session (the
 * core classes first, then the device classes), a cache keyed by class and uuid, and the subscribers
 * (event streams) it feeds. Shared by every tab of the same login; stopped when nobody has listened
 * for a while.
 */
export class Inventory {
  private readonly byClass = new Map<string, Map<string, BrowserRecord>>();
  private readonly uuidOfRef = new Map<XapiRef, string>();
  private readonly listeners = new Set<(message: InventoryMessage) => void>();
  private readonly stop = new AbortController();
  private readonly snapshotReady: Promise<void>;
  private markReady!: () => void;
  private markFailed!: (error: unknown) => void;
  private hasSnapshot = false;
  private detailsStarted = false;
  private readonly detailsReady: Promise<void>;
  private markDetailsReady!: () => void;
  /** The current snapshot, serialised; dropped on every change. */
  private snapshotParts: string[] | undefined;

  constructor(
    private readonly session: UserSession,
    private readonly onSessionInvalid: () => void,
    private readonly log: Logger,
  ) {
    this.snapshotReady = new Promise((resolve, reject) => {
      this.markReady = resolve;
      this.markFailed = reject;
    });
    // Callers that never wait must not see an unhandled rejection.
    this.snapshotReady.catch(() => undefined);
    this.detailsReady = new Promise((resolve) => (this.markDetailsReady = resolve));
    void this.run(CORE_CLASSES, (records) => this.replace(records));
  }

  /** Resolves once `cls` is in the cache (all classes without one); rejects if the pool ends the session first. */
  async ready(cls?: KnownClass): Promise<void> {
    await this.snapshotReady;
    if (cls === undefined || DETAIL_CLASSES.includes(cls)) await this.detailsReady;
  }

  records(cls: string): Record<string, BrowserRecord> {
    return Object.fromEntries(this.byClass.get(cls) ?? []);
  }

  record(cls: string, uuid: string): BrowserRecord | undefined {
    return this.byClass.get(cls)?.get(uuid);
  }

  /** Adds a listener; it first receives the current snapshot if one is in. */
  subscribe(listener: (message: InventoryMessage) => void): () => void {
    this.listeners.add(listener);
    if (this.hasSnapshot) listener({ type: 'snapshot', parts: this.snapshot() });
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  close(): void {
    this.stop.abort();
    this.listeners.clear();
  }

  /** The part of the cache one console window needs: the pool, its hosts, and the VM (or host's control domain). */
  scopedRecords(scope: ConsoleScope): Record<string, Record<string, BrowserRecord>> {
    const out: Record<string, Record<string, BrowserRecord>> = {
      pool: this.records('pool'),
      host: this.records('host'),
    };
    const vms = this.scopedVms(scope);
    for (const cls of ['vm', 'vm_guest_metrics', 'console']) {
      out[cls] = Object.fromEntries(
        [...(this.byClass.get(cls) ?? [])].filter(([, record]) => this.inScope(scope, cls, record, vms)),
      );
    }
    return out;
  }

  /** Whether a change concerns one console window. */
  changeInScope(scope: ConsoleScope, change: BrowserChange): boolean {
    if (change.class === 'pool' || change.class === 'host') return true;
    if (change.class !== 'vm' && change.class !== 'vm_guest_metrics' && change.class !== 'console') return false;
    return change.record === undefined || this.inScope(scope, change.class, change.record, this.scopedVms(scope));
  }

  private isScopedVm(scope: ConsoleScope, vm: BrowserRecord): boolean {
    const fields = vm as unknown as { uuid: string; is_control_domain: boolean; resident_on: string };
    if (scope.vm !== undefined) return fields.uuid === scope.vm;
    return fields.is_control_domain && fields.resident_on === this.byClass.get('host')?.get(scope.host)?.$ref;
  }

  /** The VMs in the cache a scope follows: found once per snapshot or change, not once per record. */
  private scopedVms(scope: ConsoleScope): BrowserRecord[] {
    const vms = this.byClass.get('vm');
    if (scope.vm !== undefined) {
      const vm = vms?.get(scope.vm);
      return vm ? [vm] : [];
    }
    return [...(vms?.values() ?? [])].filter((vm) => this.isScopedVm(scope, vm));
  }

  private inScope(scope: ConsoleScope, cls: string, record: BrowserRecord, vms: readonly BrowserRecord[]): boolean {
    if (cls === 'vm') return this.isScopedVm(scope, record);
    if (cls === 'console') return vms.some((vm) => vm.$ref === (record as unknown as { VM: string }).VM);
    if (cls === 'vm_guest_metrics') {
      return vms.some((vm) => (vm as unknown as { guest_metrics: string }).guest_metrics === record.$ref);
    }
    return false;
  }

  private snapshot(): string[] {
    if (this.snapshotParts) return this.snapshotParts;
    const parts: string[] = ['{"records":{'];
    let firstClass = true;
    for (const [cls, map] of this.byClass) {
      let part = `${firstClass ? '' : ','}${JSON.stringify(cls)}:{`;
      firstClass = false;
      let first = true;
      for (const [uuid, record] of map) {
        part += `${first ? '' : ','}${JSON.stringify(uuid)}:${JSON.stringify(record)}`;
        first = false;
        if (part.length >= PART_BYTES) {
          parts.push(part);
          part = '';
        }
      }
      parts.push(`${part}}`);
    }
    parts.push('}}');
    this.snapshotParts = parts;
    return parts;
  }

  private publish(message: InventoryMessage): void {
    for (const listener of this.listeners) listener(message);
  }

  private publishChanges(changes: BrowserChange[]): void {
    if (changes.length === 0) return;
    this.snapshotParts = undefined;
    this.publish({ type: 'changes', parts: [JSON.stringify(changes)], changes });
  }

  private async run(classes: readonly KnownClass[], onSnapshot: (records: RecordsByClass) => void): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        let watching = this.session.xapi;
        const batches = watchEvents(watching, {
          classes,
          signal: this.stop.signal,
          relogin: async () => {
            const renewed = await this.session.renew(watching);
            if (!renewed) throw new XapiError('SESSION_INVALID', []);
            watching = renewed;
            return renewed;
          },
          onRetry: (error) => {
            this.log.debug('event stream retrying', { error });
            this.publish({ type: 'status', state: 'reconnecting', message: 'Reconnecting to the pool…' });
          },
        });
        for await (const batch of batches) {
          if (batch.kind === 'snapshot') onSnapshot(batch.records);
          else this.apply(batch.changes);
        }
      } catch (error) {
        if (this.stop.signal.aborted) return;
        if (error instanceof XapiError && error.code === 'SESSION_INVALID') {
          this.markFailed(error);
          this.onSessionInvalid();
          return;
        }
        this.log.warn('event stream failed; retrying', { error });
        this.publish({ type: 'status', state: 'reconnecting', message: 'The pool cannot be reached; retrying…' });
        await new Promise((resolve) => setTimeout(resolve, 5000).unref());
      }
    }
  }

  /** The core snapshot (first, or after a resync): replaces the core classes; the device classes keep theirs. */
  private replace(records: RecordsByClass): void {
    for (const cls of CORE_CLASSES) this.fill(cls, records);
    this.hasSnapshot = true;
    this.snapshotParts = undefined;
    this.markReady();
    this.publish({ type: 'snapshot', parts: this.snapshot() });
    this.publish({ type: 'status', state: 'live' });
    if (!this.detailsStarted) {
      this.detailsStarted = true;
      void this.run(DETAIL_CLASSES, (details) => this.merge(details));
    }
  }

  private fill(cls: KnownClass, records: RecordsByClass): void {
    const old = this.byClass.get(lower(cls));
    for (const ref of old?.values() ?? []) this.uuidOfRef.delete(ref.$ref);
    const map = new Map<string, BrowserRecord>();
    for (const [ref, record] of records.of(cls)) {
      map.set(record.uuid, toBrowser(ref, record as AnyXapiRecord));
      this.uuidOfRef.set(ref, record.uuid);
    }
    this.byClass.set(lower(cls), map);
  }

  /** A device-class snapshot (first, or after a resync): sent on as the changes it makes to the cache. */
  private merge(records: RecordsByClass): void {
    const changes: BrowserChange[] = [];
    for (const cls of DETAIL_CLASSES) {
      const name = lower(cls);
      const old = this.byClass.get(name) ?? new Map<string, BrowserRecord>();
      const fresh = records.of(cls);
      const kept = new Set<XapiRef>();
      for (const [ref, record] of fresh) {
        kept.add(ref);
        changes.push({
          op: old.has(record.uuid) ? 'mod' : 'add',
          class: name,
          uuid: record.uuid,
          ref,
          record: toBrowser(ref, record as AnyXapiRecord),
        });
      }
      for (const [uuid, record] of old) {
        if (!kept.has(record.$ref)) changes.push({ op: 'del', class: name, uuid, ref: record.$ref });
      }
      this.fill(cls, records);
    }
    this.markDetailsReady();
    // In slices: on a large pool one message would be tens of MB, parsed by the browser in one long task while
    // the user is already typing in the freshly shown tree.
    for (let i = 0; i < changes.length; i += MERGE_SLICE) this.publishChanges(changes.slice(i, i + MERGE_SLICE));
  }

  private apply(changes: XapiChange[]): void {
    const out: BrowserChange[] = [];
    for (const change of changes) {
      const cls = lower(change.cls);
      let map = this.byClass.get(cls);
      if (!map) this.byClass.set(cls, (map = new Map()));
      if (change.operation === 'del') {
        const uuid = this.uuidOfRef.get(change.ref);
        if (uuid === undefined) continue;
        map.delete(uuid);
        this.uuidOfRef.delete(change.ref);
        out.push({ op: 'del', class: cls, uuid, ref: change.ref });
      } else {
        const record = toBrowser(change.ref, change.record);
        map.set(record.uuid, record);
        this.uuidOfRef.set(change.ref, record.uuid);
        out.push({ op: change.operation, class: cls, uuid: record.uuid, ref: change.ref, record });
      }
    }
    this.publishChanges(out);
  }
}

/** How long an inventory nobody listens to is kept warm (a page reload reattaches to it). */
const IDLE_KEEP_MS = 60_000;

/** The inventories of this instance's sessions. */
export class Inventories {
  private readonly inventories = new Map<string, { inventory: Inventory; idleTimer?: NodeJS.Timeout }>();

  constructor(
    private readonly onSessionInvalid: (session: UserSession) => void,
    private readonly log: Logger,
  ) {}

  of(session: UserSession): Inventory {
    let entry = this.inventories.get(session.id);
    if (!entry) {
      entry = { inventory: new Inventory(session, () => this.onSessionInvalid(session), this.log) };
      this.inventories.set(session.id, entry);
    }
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    return entry.inventory;
  }

  /** Called when a subscriber leaves; the inventory stops after a while without any. */
  released(session: UserSession): void {
    const entry = this.inventories.get(session.id);
    if (!entry || entry.inventory.subscribers > 0) return;
    entry.idleTimer = setTimeout(() => this.drop(session.id), IDLE_KEEP_MS);
    entry.idleTimer.unref();
  }

  drop(sessionId: string): void {
    const entry = this.inventories.get(sessionId);
    if (!entry) return;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.inventory.close();
    this.inventories.delete(sessionId);
  }

  closeAll(): void {
    for (const id of [...this.inventories.keys()]) this.drop(id);
  }
}
