import { randomUUID } from 'node:crypto';
import { XapiError } from '@xwc/api-client';
import type { Database } from '../db/database.ts';
import { refOf } from '../db/ids.ts';
import type { TableName } from '../db/tables.ts';

/** A message (alert) as `message.get_record` gives it. */
export interface MessageRecord {
  readonly uuid: string;
  readonly name: string;
  readonly priority: number;
  readonly cls: string;
  readonly obj_uuid: string;
  readonly timestamp: Date;
  readonly body: string;
}

export type MessageEvent =
  | { readonly operation: 'add'; readonly ref: string; readonly record: MessageRecord }
  | { readonly operation: 'del'; readonly ref: string };

/** The class a message is about (`enum cls`) and the table its object lives in. */
const CLASS_TABLES: Readonly<Record<string, TableName>> = {
  VM: 'VM',
  Host: 'host',
  SR: 'SR',
  Pool: 'pool',
  VMPP: 'VMPP',
  VMSS: 'VMSS',
  PVS_proxy: 'PVS_proxy',
  VDI: 'VDI',
  Certificate: 'Certificate',
};

/** xapi remembers this many deletions for `event.from`, then keeps the newer half (`Xapi_message.destroy_real`). */
const DELETED_MAX = 1024;

/**
 * Messages live outside xapi's database (`in_db:false`, files under `/var/lib/xcp/blobs/messages`), but each write
 * and deletion advances the database generation, which is the message's generation: `event.from` reports messages
 * written and deleted after the token's second number (`Xapi_message.get_since_for_events`).
 */
export class Messages {
  readonly #live = new Map<string, { generation: number; record: MessageRecord }>();
  #deleted: { generation: number; ref: string }[] = [];

  constructor(private readonly db: Database) {}

  /** `message.create`: the object must exist (`UUID_INVALID [cls; uuid]` otherwise). */
  create(name: string, priority: number, cls: string, objUuid: string, body: string, timestamp = new Date()): string {
    if (!this.#objectExists(cls, objUuid)) throw new XapiError('UUID_INVALID', [cls, objUuid]);
    const ref = refOf(randomUUID());
    const record: MessageRecord = { uuid: randomUUID(), name, priority, cls, obj_uuid: objUuid, timestamp, body };
    this.#live.set(ref, { generation: this.db.advance(), record });
    return ref;
  }

  destroy(ref: string): void {
    if (!this.#live.delete(ref)) throw new XapiError('HANDLE_INVALID', ['message', ref]);
    this.#deleted.unshift({ generation: this.db.advance(), ref });
    if (this.#deleted.length > DELETED_MAX) this.#deleted = this.#deleted.slice(0, DELETED_MAX / 2);
  }

  record(ref: string): MessageRecord {
    const entry = this.#live.get(ref);
    if (!entry) throw new XapiError('HANDLE_INVALID', ['message', ref]);
    return entry.record;
  }

  byUuid(uuid: string): string {
    for (const [ref, { record }] of this.#live) if (record.uuid === uuid) return ref;
    throw new XapiError('UUID_INVALID', ['message', uuid]);
  }

  /** Every live message, newest first (xapi sorts by generation, descending). */
  all(matches: (record: MessageRecord) => boolean = () => true): [string, MessageRecord][] {
    return [...this.#live]
      .sort(([, a], [, b]) => b.generation - a.generation)
      .filter(([, { record }]) => matches(record))
      .map(([ref, { record }]) => [ref, record]);
  }

  /** `message.get`: an object's messages after `since`; an unknown object is `UUID_INVALID` without parameters. */
  of(cls: string, objUuid: string, since: Date): [string, MessageRecord][] {
    if (!this.#objectExists(cls, objUuid)) throw new XapiError('UUID_INVALID', []);
    return this.all((m) => m.cls === cls && m.obj_uuid === objUuid && m.timestamp > since);
  }

  /** What `event.from` reports after message generation `since`, and the generation to resume from. */
  eventsSince(since: number): { generation: number; events: MessageEvent[] } {
    let generation = since;
    const events: MessageEvent[] = [];
    for (const [ref, entry] of [...this.#live].sort(([, a], [, b]) => a.generation - b.generation)) {
      if (entry.generation <= since) continue;
      events.push({ operation: 'add', ref, record: entry.record });
      generation = Math.max(generation, entry.generation);
    }
    for (const { generation: deleted, ref } of this.#deleted) {
      if (deleted <= since) continue;
      events.push({ operation: 'del', ref });
      generation = Math.max(generation, deleted);
    }
    return { generation, events };
  }

  #objectExists(cls: string, uuid: string): boolean {
    const table = Object.hasOwn(CLASS_TABLES, cls) ? CLASS_TABLES[cls] : undefined;
    return table !== undefined && this.db.findByUuid(uuid)?.table === table;
  }
}
