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

/** A record as the browser sees it: XAPI's fields by wire name plus its own ref. */
export type BrowserRecord = AnyXapiRecord & { $ref: XapiRef };

export interface BrowserChange {
  op: 'add' | 'mod' | 'del';
  class: string;
  uuid: string;
  ref: XapiRef;
  record?: BrowserRecord;
}

export type InventoryMessage =
  | { type: 'snapshot'; records: Record<string, Record<string, BrowserRecord>> }
  | { type: 'changes'; changes: BrowserChange[] }
  | { type: 'status'; state: 'live' | 'reconnecting'; message?: string };

const lower = (cls: KnownClass): string => cls.toLowerCase();
const toBrowser = (ref: XapiRef, record: AnyXapiRecord): BrowserRecord => ({ ...record, $ref: ref });

/**
 * One user session's live view of the pool: an `event.from` watcher with that user's own session,
 * a cache keyed by class and uuid, and the subscribers (event streams) it feeds. Shared by every
 * tab of the same login; stopped when nobody has listened for a while.
 */
export class Inventory {
  private readonly byClass = new Map<string, Map<string, BrowserRecord>>();
  private readonly uuidOfRef = new Map<XapiRef, string>();
  private readonly listeners = new Set<(message: InventoryMessage) => void>();
  private readonly stop = new AbortController();
  private snapshotReady: Promise<void>;
  private markReady!: () => void;
  private markFailed!: (error: unknown) => void;
  private hasSnapshot = false;

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
    void this.run();
  }

  /** Resolves once the first snapshot is in; rejects if the pool ends the session first. */
  ready(): Promise<void> {
    return this.snapshotReady;
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
    if (this.hasSnapshot) listener(this.snapshotMessage());
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  close(): void {
    this.stop.abort();
    this.listeners.clear();
  }

  private snapshotMessage(): InventoryMessage {
    const records: Record<string, Record<string, BrowserRecord>> = {};
    for (const [cls, map] of this.byClass) records[cls] = Object.fromEntries(map);
    return { type: 'snapshot', records };
  }

  private publish(message: InventoryMessage): void {
    for (const listener of this.listeners) listener(message);
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      try {
        const batches = watchEvents(this.session.xapi, {
          classes: CLASS_NAMES,
          signal: this.stop.signal,
          relogin: async () => {
            const renewed = await this.session.renew();
            if (!renewed) throw new XapiError('SESSION_INVALID', []);
            return renewed;
          },
          onRetry: (error) => {
            this.log.debug('event stream retrying', { error });
            this.publish({ type: 'status', state: 'reconnecting', message: 'Reconnecting to the pool…' });
          },
        });
        for await (const batch of batches) {
          if (batch.kind === 'snapshot') this.replace(batch.records);
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

  private replace(records: RecordsByClass): void {
    this.byClass.clear();
    this.uuidOfRef.clear();
    for (const cls of CLASS_NAMES) {
      const map = new Map<string, BrowserRecord>();
      for (const [ref, record] of records.of(cls)) {
        map.set(record.uuid, toBrowser(ref, record as AnyXapiRecord));
        this.uuidOfRef.set(ref, record.uuid);
      }
      this.byClass.set(lower(cls), map);
    }
    this.hasSnapshot = true;
    this.markReady();
    this.publish(this.snapshotMessage());
    this.publish({ type: 'status', state: 'live' });
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
    if (out.length) this.publish({ type: 'changes', changes: out });
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
