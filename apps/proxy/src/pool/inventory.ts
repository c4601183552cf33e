import {
  CLASS_NAMES,
  watchEvents,
  XapiError,
  type AnyXapiRecord,
  type KnownClass,
  type RecordsByClass,
  type XapiChange,
  type XapiRef,
  type XapiSession,
} from '@xwc/api-client';
import type { UserSession } from '../auth/sessions.ts';
import type { Logger } from '../log.ts';

/** What a console window follows: one VM, or one host's control domain. */
export type ConsoleScope = { vm: string; host?: undefined } | { host: string; vm?: undefined };

/**
 * A record as the inventory keeps it: the JSON the browser reads (XAPI's fields by wire name plus `$ref`), made once
 * when the record arrives. On a pool of thousands of VMs the parsed records were most of the gateway's memory, and
 * all the gateway does with them is send them on and compare them; the few fields it reads itself (which records a
 * console window follows) are kept beside the JSON.
 */
export interface StoredRecord {
  ref: XapiRef;
  json: string;
  /** The record's fields named in READ_FIELDS for its class. */
  read: Readonly<Record<string, unknown>>;
}

export interface BrowserChange {
  op: 'add' | 'mod' | 'del';
  class: string;
  uuid: string;
  ref: XapiRef;
  record?: StoredRecord;
}

/**
 * What subscribers receive, serialised once for all of them: `parts` concatenated are the JSON of the
 * event's data (a snapshot is written in pieces, never as one huge string).
 */
export type InventoryMessage =
  | { type: 'snapshot'; parts: string[] }
  | { type: 'changes'; parts: string[]; changes: readonly BrowserChange[]; load?: true }
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

/** The classes a console window's stream carries. */
const WINDOW_CLASSES: readonly string[] = ['pool', 'host', 'vm', 'vm_guest_metrics', 'console'];

/** The fields the gateway reads itself: which records a console window follows, and the consoles' idle timeouts. */
const READ_FIELDS: Readonly<Record<string, readonly string[]>> = {
  pool: ['vm_console_idle_timeout'],
  host: ['console_idle_timeout'],
  vm: ['is_control_domain', 'resident_on', 'guest_metrics'],
  console: ['VM'],
};
const NO_FIELDS: Readonly<Record<string, unknown>> = Object.freeze({});

const lower = (cls: KnownClass): string => cls.toLowerCase();

/** The record parsed for this inventory is ours alone: it is tagged with its ref in place, serialised, and let go. */
function stored(cls: string, ref: XapiRef, record: AnyXapiRecord): StoredRecord {
  const fields = record as unknown as Record<string, unknown>;
  fields.$ref = ref;
  const names = READ_FIELDS[cls];
  const read = names ? Object.fromEntries(names.map((name) => [name, fields[name]])) : NO_FIELDS;
  return { ref, json: JSON.stringify(record), read };
}

/** `{"<uuid>":<record>,…}` of a class's records (or some of them). */
function recordsJson(entries: Iterable<[string, StoredRecord]>): string {
  const members: string[] = [];
  for (const [uuid, record] of entries) members.push(`${JSON.stringify(uuid)}:${record.json}`);
  return `{${members.join(',')}}`;
}

/** The JSON of a list of changes, each record as the JSON it is kept as. */
export function changesJson(changes: readonly BrowserChange[]): string {
  const items = changes.map(({ op, class: cls, uuid, ref, record }) => {
    const head = JSON.stringify({ op, class: cls, uuid, ref });
    return record ? `${head.slice(0, -1)},"record":${record.json}}` : head;
  });
  return `[${items.join(',')}]`;
}

/** `watchEvents`' relogin for a login: its session renewed after a pool restart, else SESSION_INVALID. */
function renewing(session: UserSession): () => Promise<XapiSession> {
  let watching = session.xapi;
  return async () => {
    const renewed = await session.renew(watching);
    if (!renewed) throw new XapiError('SESSION_INVALID', []);
    watching = renewed;
    return renewed;
  };
}

/**
 * How long the serialised snapshot and device slices are kept after their last use: they let a crowd of streams
 * opening together share one serialisation, and are tens of MB on a large pool that nobody needs in between.
 */
const SERIALISED_KEEP_MS = 30_000;

/** Device-class records sent per change message after the core snapshot (about 1 MB of JSON). */
const MERGE_SLICE = 1000;

function slices<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MERGE_SLICE) out.push(items.slice(i, i + MERGE_SLICE));
  return out;
}

/** Snapshot JSON is built per class in pieces of about this size. */
const PART_BYTES = 1 << 20;

/**
 * Whom the pool-wide inventory watches the pool as. Any login will do: xapi lets every role read every record
 * (`event.from` is read-only and up), so the records are the same for every user; each user's own stream is still
 * opened, and closed, on that user's own session.
 */
export interface Watchers {
  /** A login to watch with, or undefined when none is left. */
  pick(): UserSession | undefined;
  /** The pool refused `session` for good (it ended it): not to be picked again. */
  invalid(session: UserSession): void;
}

/**
 * The pool's live inventory, one per gateway instance however many users watch it: `event.from` watchers (the
 * core classes first, then the device classes) run with some logged-in user's session and move to another login's
 * when that one ends, a cache keyed by class and uuid, and the subscribers (event streams) it feeds, which share
 * one serialisation of each message. Stopped when nobody has listened for a while.
 */
export class Inventory {
  private readonly byClass = new Map<string, Map<string, StoredRecord>>();
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
  private detailParts: InventoryMessage[] | undefined;
  private serialisedTimer: NodeJS.Timeout | undefined;
  /** The watches running now, by the login they run with. */
  private readonly watches = new Set<{ session: UserSession; abort: AbortController }>();

  constructor(
    private readonly watchers: Watchers,
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

  /** Whether the core classes are in. */
  get live(): boolean {
    return this.hasSnapshot;
  }

  /** The pool's idle timeout for a VM's consoles (the pool's setting) or a host's (that host's), in seconds. */
  idleTimeout(owner: 'vm' | 'host', uuid: string): number | undefined {
    const value =
      owner === 'vm'
        ? this.byClass.get('pool')?.values().next().value?.read.vm_console_idle_timeout
        : this.byClass.get('host')?.get(uuid)?.read.console_idle_timeout;
    return typeof value === 'number' ? value : undefined;
  }

  /** The JSON of a class's records by uuid. */
  recordsJson(cls: string): string {
    return recordsJson(this.byClass.get(cls) ?? []);
  }

  /**
   * Adds a listener. It first receives what is in, as a login's first stream does: the core classes as a snapshot,
   * then the device classes as additions in slices.
   */
  subscribe(listener: (message: InventoryMessage) => void): () => void {
    this.listeners.add(listener);
    if (this.hasSnapshot) {
      listener({ type: 'snapshot', parts: this.snapshot() });
      for (const slice of this.detailSlices()) listener(slice);
    }
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  close(): void {
    this.stop.abort();
    this.listeners.clear();
    clearTimeout(this.serialisedTimer);
  }

  /** A serialisation was used: it (and the other) is dropped once none has been for SERIALISED_KEEP_MS. */
  private serialisedUsed(): void {
    if (this.serialisedTimer) {
      this.serialisedTimer.refresh();
      return;
    }
    this.serialisedTimer = setTimeout(() => {
      this.serialisedTimer = undefined;
      this.snapshotParts = undefined;
      this.detailParts = undefined;
    }, SERIALISED_KEEP_MS);
    this.serialisedTimer.unref();
  }

  /**
   * The snapshot one console window needs, as the JSON of its data: the pool, its hosts, and the VM (or host's
   * control domain) with its guest metrics and consoles.
   */
  scopedSnapshotJson(scope: ConsoleScope): string {
    const vms = this.scopedVms(scope);
    const classes = WINDOW_CLASSES.map((cls) => {
      const all = this.byClass.get(cls) ?? new Map<string, StoredRecord>();
      const kept = cls === 'pool' || cls === 'host' ? all : [...all].filter(([, r]) => this.inScope(cls, r, vms));
      return `${JSON.stringify(cls)}:${recordsJson(kept)}`;
    });
    return `{"records":{${classes.join(',')}}}`;
  }

  /** Whether a change concerns one console window. */
  changeInScope(scope: ConsoleScope, change: BrowserChange): boolean {
    if (change.class === 'pool' || change.class === 'host') return true;
    if (!WINDOW_CLASSES.includes(change.class)) return false;
    return change.record === undefined || this.inScope(change.class, change.record, this.scopedVms(scope));
  }

  /** The VMs in the cache a scope follows: found once per snapshot or change, not once per record. */
  private scopedVms(scope: ConsoleScope): StoredRecord[] {
    const vms = this.byClass.get('vm');
    if (scope.vm !== undefined) {
      const vm = vms?.get(scope.vm);
      return vm ? [vm] : [];
    }
    const host = this.byClass.get('host')?.get(scope.host)?.ref;
    return [...(vms?.values() ?? [])].filter((vm) => vm.read.is_control_domain && vm.read.resident_on === host);
  }

  private inScope(cls: string, record: StoredRecord, vms: readonly StoredRecord[]): boolean {
    if (cls === 'vm') return vms.some((vm) => vm.ref === record.ref);
    if (cls === 'console') return vms.some((vm) => vm.ref === record.read.VM);
    if (cls === 'vm_guest_metrics') return vms.some((vm) => vm.read.guest_metrics === record.ref);
    return false;
  }

  /** The device-class records in, as additions in slices (serialised once for every subscriber; dropped on change). */
  private detailSlices(): InventoryMessage[] {
    this.serialisedUsed();
    if (this.detailParts) return this.detailParts;
    const adds: BrowserChange[] = [];
    for (const cls of DETAIL_CLASSES) {
      const name = lower(cls);
      for (const [uuid, record] of this.byClass.get(name) ?? []) {
        adds.push({ op: 'add', class: name, uuid, ref: record.ref, record });
      }
    }
    this.detailParts = slices(adds).map((changes) => ({
      type: 'changes',
      parts: [changesJson(changes)],
      changes,
      load: true,
    }));
    return this.detailParts;
  }

  /** The core classes, serialised in parts (a snapshot is never one huge string). */
  private snapshot(): string[] {
    this.serialisedUsed();
    if (this.snapshotParts) return this.snapshotParts;
    const parts: string[] = ['{"records":{'];
    let firstClass = true;
    for (const cls of CORE_CLASSES) {
      const map = this.byClass.get(lower(cls)) ?? new Map<string, StoredRecord>();
      let part = `${firstClass ? '' : ','}${JSON.stringify(lower(cls))}:{`;
      firstClass = false;
      let first = true;
      for (const [uuid, record] of map) {
        part += `${first ? '' : ','}${JSON.stringify(uuid)}:${record.json}`;
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

  /** `load`: a bulk of records (the device classes, a resync), sent on without counting as a stream's backlog. */
  private publishChanges(changes: BrowserChange[], load = false): void {
    if (changes.length === 0) return;
    this.snapshotParts = undefined;
    this.detailParts = undefined;
    // Nobody to tell (a login's warm-up): nothing is serialised.
    if (this.listeners.size === 0) return;
    this.publish({ type: 'changes', parts: [changesJson(changes)], changes, ...(load ? { load } : {}) });
  }

  private async run(classes: readonly KnownClass[], onSnapshot: (records: RecordsByClass) => void): Promise<void> {
    while (!this.stop.signal.aborted) {
      const session = this.watchers.pick();
      if (!session) {
        this.markFailed(new XapiError('SESSION_INVALID', []));
        return;
      }
      const watch = { session, abort: new AbortController() };
      this.watches.add(watch);
      try {
        const batches = watchEvents(session.xapi, {
          classes,
          signal: AbortSignal.any([this.stop.signal, watch.abort.signal]),
          relogin: renewing(session),
          onRetry: (error) => {
            this.log.debug('event stream retrying', { error });
            this.publish({ type: 'status', state: 'reconnecting', message: 'Reconnecting to the pool…' });
          },
        });
        for await (const batch of batches) {
          if (batch.kind === 'snapshot') {
            onSnapshot(batch.records);
            // Now in the cache as JSON: the parsed records go, though the suspended watch still holds its batch.
            batch.records.clear();
          } else this.apply(batch.changes);
        }
      } catch (error) {
        if (this.stop.signal.aborted) return;
        // Its login ended: carry on with another one.
        if (watch.abort.signal.aborted) continue;
        if (error instanceof XapiError && error.code === 'SESSION_INVALID') {
          // That login is over; the next one resyncs (as changes, so nobody's browser reloads everything).
          this.watchers.invalid(session);
          continue;
        }
        this.log.warn('event stream failed; retrying', { error });
        this.publish({ type: 'status', state: 'reconnecting', message: 'The pool cannot be reached; retrying…' });
        await new Promise((resolve) => setTimeout(resolve, 5000).unref());
      } finally {
        this.watches.delete(watch);
      }
    }
  }

  /** `session` ended: the watches running with it move to another login at once (its XAPI session is going away). */
  leave(sessionId: string): void {
    for (const watch of this.watches) if (watch.session.id === sessionId) watch.abort.abort();
  }

  /**
   * The core snapshot. The first is sent whole; a later one (a resync: another login's watcher, a pool restart) is
   * sent as the changes it makes, so every browser keeps its state and only what differs travels.
   */
  private replace(records: RecordsByClass): void {
    if (this.hasSnapshot) {
      this.publishSlices(this.resync(CORE_CLASSES, records));
      // Browsers told "reconnecting" while the pool was away are told it is back, even when nothing differs.
      this.publish({ type: 'status', state: 'live' });
      return;
    }
    for (const cls of CORE_CLASSES) this.replaceClass(cls, records);
    this.hasSnapshot = true;
    this.snapshotParts = undefined;
    this.markReady();
    if (this.listeners.size > 0) this.publish({ type: 'snapshot', parts: this.snapshot() });
    this.publish({ type: 'status', state: 'live' });
    if (!this.detailsStarted) {
      this.detailsStarted = true;
      void this.run(DETAIL_CLASSES, (details) => this.merge(details));
    }
  }

  /** A device-class snapshot (first, or after a resync): sent on as the changes it makes to the cache. */
  private merge(records: RecordsByClass): void {
    const changes = this.resync(DETAIL_CLASSES, records);
    this.markDetailsReady();
    this.publishSlices(changes);
  }

  /** Replaces `classes` in the cache with a snapshot of them; returns what differs (unchanged records are left out). */
  private resync(classes: readonly KnownClass[], records: RecordsByClass): BrowserChange[] {
    const changes: BrowserChange[] = [];
    for (const cls of classes) this.replaceClass(cls, records, changes);
    return changes;
  }

  /** Replaces one class in the cache with a snapshot of it, adding to `changes` (when given) what differs. */
  private replaceClass(cls: KnownClass, records: RecordsByClass, changes?: BrowserChange[]): void {
    const name = lower(cls);
    const old = this.byClass.get(name) ?? new Map<string, StoredRecord>();
    const map = new Map<string, StoredRecord>();
    const kept = new Set<XapiRef>();
    for (const [ref, record] of records.of(cls)) {
      kept.add(ref);
      const now = stored(name, ref, record as AnyXapiRecord);
      map.set(record.uuid, now);
      const before = old.get(record.uuid);
      if (changes && before?.json !== now.json) {
        changes.push({ op: before ? 'mod' : 'add', class: name, uuid: record.uuid, ref, record: now });
      }
    }
    for (const [uuid, record] of old) {
      this.uuidOfRef.delete(record.ref);
      if (changes && !kept.has(record.ref)) changes.push({ op: 'del', class: name, uuid, ref: record.ref });
    }
    for (const [uuid, record] of map) this.uuidOfRef.set(record.ref, uuid);
    this.byClass.set(name, map);
  }

  /**
   * In slices: on a large pool one message would be tens of MB, parsed by the browser in one long task while the
   * user is already typing in the freshly shown tree.
   */
  private publishSlices(changes: BrowserChange[]): void {
    for (const slice of slices(changes)) this.publishChanges(slice, true);
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
        const { uuid } = change.record;
        const record = stored(cls, change.ref, change.record);
        map.set(uuid, record);
        this.uuidOfRef.set(change.ref, uuid);
        out.push({ op: change.operation, class: cls, uuid, ref: change.ref, record });
      }
    }
    this.publishChanges(out);
  }
}

/** How long a login nobody listens with is kept (a page reload reattaches to it). */
const IDLE_KEEP_MS = 60_000;

interface Login {
  session: UserSession;
  /** Streams and requests of this login using the inventory now. */
  users: number;
  /** Follows this login's own XAPI session, so that the pool ending it ends the login here too. */
  liveness: AbortController;
  idleTimer?: NodeJS.Timeout;
}

/**
 * The logins using this instance's one inventory. Each login keeps a cheap watch of its own (the pool record only),
 * so that a session the pool ends is noticed even when the inventory is watched with another login's.
 */
export class Inventories implements Watchers {
  private inventory: Inventory | undefined;
  private readonly logins = new Map<string, Login>();

  constructor(
    private readonly onSessionInvalid: (session: UserSession) => void,
    private readonly log: Logger,
  ) {}

  of(session: UserSession): Inventory {
    let login = this.logins.get(session.id);
    if (!login) {
      login = { session, users: 0, liveness: new AbortController() };
      this.logins.set(session.id, login);
      void this.watchLiveness(login);
    }
    login.users += 1;
    clearTimeout(login.idleTimer);
    login.idleTimer = undefined;
    this.inventory ??= new Inventory(this, this.log);
    return this.inventory;
  }

  /**
   * At login, before the browser asks: the first login after a start reads the pool's inventory (seconds on a large
   * pool) while the page loads, rather than after its stream opens. A login that never opens one leaves after a while.
   */
  warm(session: UserSession): void {
    this.of(session);
    this.released(session);
  }

  /** Called when a stream or request of `session` is done with the inventory; an unused login leaves after a while. */
  released(session: UserSession): void {
    const login = this.logins.get(session.id);
    if (!login) return;
    login.users = Math.max(0, login.users - 1);
    if (login.users > 0) return;
    login.idleTimer = setTimeout(() => this.forget(login), IDLE_KEEP_MS);
    login.idleTimer.unref();
  }

  /** The login ended: the inventory no longer watches with it. */
  drop(sessionId: string): void {
    this.inventory?.leave(sessionId);
    const login = this.logins.get(sessionId);
    if (login) this.forget(login);
  }

  /** The login ended or went unused: it is no longer picked; the inventory stops with the last login. */
  private forget(login: Login): void {
    const sessionId = login.session.id;
    clearTimeout(login.idleTimer);
    login.liveness.abort();
    this.logins.delete(sessionId);
    if (this.logins.size === 0) {
      this.inventory?.close();
      this.inventory = undefined;
    }
  }

  closeAll(): void {
    for (const id of [...this.logins.keys()]) this.drop(id);
  }

  /** The inventory, while it runs and has the core classes in. */
  live(): Inventory | undefined {
    return this.inventory?.live ? this.inventory : undefined;
  }

  pick(): UserSession | undefined {
    return this.logins.values().next().value?.session;
  }

  invalid(session: UserSession): void {
    this.drop(session.id);
    this.onSessionInvalid(session);
  }

  private async watchLiveness(login: Login): Promise<void> {
    const { session, liveness } = login;
    try {
      const batches = watchEvents(session.xapi, {
        classes: ['pool'],
        signal: liveness.signal,
        relogin: renewing(session),
      })[Symbol.asyncIterator]();
      while (!(await batches.next()).done);
    } catch (error) {
      if (liveness.signal.aborted) return;
      if (error instanceof XapiError && error.code === 'SESSION_INVALID') this.invalid(session);
      else this.log.warn('login watch failed', { error });
    }
  }
}
