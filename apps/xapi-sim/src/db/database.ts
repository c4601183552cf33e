import { XapiError } from '@xwc/api-client';
import { defaultOf } from './field-types.ts';
import { refOf, type IdSource } from './ids.ts';
import {
  columnsOf,
  COMPUTED_SETS,
  RELATIONS,
  RELATIONS_FROM,
  TABLE_NAMES,
  type Relation,
  type TableName,
} from './tables.ts';

/** A row's stored values, typed as the schema says (numbers, booleans, Dates, arrays, string maps). */
export type Row = Readonly<Record<string, unknown>>;

interface Entry {
  readonly table: TableName;
  readonly ref: string;
  row: Row;
  readonly created: number;
  modified: number;
  /** The generation that deleted the row; 0 while it lives. */
  deleted: number;
  /** The record as `rendered` last built it; dropped by every write that changes the record. */
  rendering?: { readonly render: Render<unknown>; readonly value: unknown } | undefined;
}

/** Builds something from a whole record (computed sets included), e.g. its wire snapshot. */
export type Render<T> = (table: TableName, record: Row) => T;

export interface Changes {
  readonly adds: readonly ChangedRow[];
  readonly mods: readonly ChangedRow[];
  readonly dels: readonly ChangedRow[];
}

export interface ChangedRow {
  readonly table: TableName;
  readonly ref: string;
  readonly generation: number;
}

const LOG_SLACK = 10_000;

/**
 * The pool database: one table per class, a global generation counter bumped by every write, and per-row
 * created / modified / deleted generations (deleted rows stay as tombstones) so `event.from` can tell an
 * add from a mod from a del for any token, as XAPI's `Db_cache_types` does. One-to-many relations are
 * indexed both ways; a change on the many side bumps the one side.
 */
export class Database {
  #generation = 0;
  readonly #tables = new Map<TableName, Map<string, Entry>>(TABLE_NAMES.map((t) => [t, new Map()]));
  readonly #byRef = new Map<string, Entry>();
  readonly #byUuid = new Map<string, Entry>();
  readonly #children = new Map<Relation, Map<string, Set<string>>>(RELATIONS.map((r) => [r, new Map()]));
  /** Every change in generation order; compacted to the latest change per row when it grows. */
  #log: Entry[] = [];
  #logGenerations: number[] = [];
  #tombstones = 0;
  readonly #listeners = new Set<() => void>();

  constructor(private readonly ids: IdSource) {}

  get generation(): number {
    return this.#generation;
  }

  newUuid(): string {
    return this.ids.uuid();
  }

  /** Creates a row, filling unspecified fields with their defaults; returns its new ref. */
  create(table: TableName, fields: Record<string, unknown>, ref = refOf(this.ids.uuid())): string {
    const row: Record<string, unknown> = { ...DEFAULTS.get(table)! };
    for (const name of Object.keys(fields)) {
      // A field the class lacks (or a computed set) is a mistake of the simulator's own, never data to keep.
      if (!Object.hasOwn(row, name)) throw new Error(`${table} has no stored field ${name}`);
      row[name] = fields[name];
    }
    if (!row.uuid) row.uuid = this.ids.uuid();
    const generation = ++this.#generation;
    const entry: Entry = { table, ref, row, created: generation, modified: generation, deleted: 0 };
    this.#tables.get(table)!.set(ref, entry);
    this.#byRef.set(ref, entry);
    this.#byUuid.set(row.uuid as string, entry);
    this.#append(entry);
    for (const rel of RELATIONS_FROM.get(table) ?? []) this.#link(rel, ref, row[rel.manyField] as string);
    this.#notify();
    return ref;
  }

  /** Writes some fields of a row as one change. */
  update(table: TableName, ref: string, patch: Record<string, unknown>): void {
    const entry = this.#live(table, ref);
    const before = entry.row;
    entry.row = { ...before, ...patch };
    entry.rendering = undefined;
    entry.modified = ++this.#generation;
    this.#append(entry);
    for (const rel of RELATIONS_FROM.get(table) ?? []) {
      if (!(rel.manyField in patch) || before[rel.manyField] === patch[rel.manyField]) continue;
      this.#unlink(rel, ref, before[rel.manyField] as string);
      this.#link(rel, ref, patch[rel.manyField] as string);
    }
    this.#notify();
  }

  /** Advances the generation without changing a row (`Database.increment`: a message was written or deleted). */
  advance(): number {
    const generation = ++this.#generation;
    this.#notify();
    return generation;
  }

  /** Marks a row modified without changing it (`event.inject`). */
  touch(table: TableName, ref: string): void {
    const entry = this.#live(table, ref);
    entry.modified = ++this.#generation;
    this.#append(entry);
    this.#notify();
  }

  destroy(table: TableName, ref: string): void {
    const entry = this.#live(table, ref);
    entry.deleted = ++this.#generation;
    this.#tables.get(table)!.delete(ref);
    this.#byRef.delete(ref);
    this.#byUuid.delete(entry.row.uuid as string);
    this.#tombstones++;
    this.#append(entry);
    for (const rel of RELATIONS_FROM.get(table) ?? []) this.#unlink(rel, ref, entry.row[rel.manyField] as string);
    for (const rel of COMPUTED_SETS.get(table) ?? []) this.#children.get(rel)!.delete(ref);
    this.#notify();
  }

  /** The live row, or undefined. */
  get(table: TableName, ref: string): Row | undefined {
    return this.#tables.get(table)!.get(ref)?.row;
  }

  /** The live row, or XAPI's `HANDLE_INVALID [table; ref]`. */
  require(table: TableName, ref: string): Row {
    const row = this.get(table, ref);
    if (!row) throw new XapiError('HANDLE_INVALID', [table, ref]);
    return row;
  }

  tableOf(ref: string): TableName | undefined {
    return this.#byRef.get(ref)?.table;
  }

  /** The ref of a live row by uuid, or XAPI's `UUID_INVALID [table; uuid]`. */
  byUuid(table: TableName, uuid: string): string {
    const entry = this.#byUuid.get(uuid);
    if (!entry || entry.table !== table) throw new XapiError('UUID_INVALID', [table, uuid]);
    return entry.ref;
  }

  findByUuid(uuid: string): { table: TableName; ref: string } | undefined {
    const entry = this.#byUuid.get(uuid);
    return entry && { table: entry.table, ref: entry.ref };
  }

  refs(table: TableName): string[] {
    return [...this.#tables.get(table)!.keys()];
  }

  *rows(table: TableName): IterableIterator<[string, Row]> {
    for (const [ref, entry] of this.#tables.get(table)!) yield [ref, entry.row];
  }

  count(table: TableName): number {
    return this.#tables.get(table)!.size;
  }

  /** A field's value: stored, or computed from a relation for the "one" side's sets. */
  value(table: TableName, ref: string, field: string): unknown {
    const rel = COMPUTED_SETS.get(table)?.find((r) => r.oneField === field);
    if (rel) return [...(this.#children.get(rel)!.get(ref) ?? [])];
    return this.require(table, ref)[field];
  }

  /** The whole record, computed sets included. */
  record(table: TableName, ref: string): Row {
    const row = this.require(table, ref);
    const computed = COMPUTED_SETS.get(table);
    if (!computed) return row;
    const out: Record<string, unknown> = { ...row };
    for (const rel of computed) out[rel.oneField] = [...(this.#children.get(rel)!.get(ref) ?? [])];
    return out;
  }

  /**
   * `render(table, record)`, kept until the row's next write: a big pool's `event.from` from token "" repeats
   * every record, most unchanged since the last time.
   */
  rendered<T>(table: TableName, ref: string, render: Render<T>): T {
    const entry = this.#live(table, ref);
    if (entry.rendering?.render !== render) entry.rendering = { render, value: render(table, this.record(table, ref)) };
    return entry.rendering.value as T;
  }

  /**
   * What changed after generation `since`, as `event.from` reports it: rows created since (adds, never mods),
   * pre-existing rows modified since (mods, coalesced), pre-existing rows deleted since (dels); rows created
   * and deleted in between produce nothing.
   */
  changesSince(since: number, accept: (table: TableName, ref: string) => boolean): Changes {
    const adds: ChangedRow[] = [];
    const mods: ChangedRow[] = [];
    const dels: ChangedRow[] = [];
    const seen = new Set<Entry>();
    for (let i = firstAfter(this.#logGenerations, since); i < this.#log.length; i++) {
      const entry = this.#log[i]!;
      if (seen.has(entry)) continue;
      seen.add(entry);
      if (!accept(entry.table, entry.ref)) continue;
      const changed = { table: entry.table, ref: entry.ref };
      if (entry.deleted) {
        if (entry.created <= since) dels.push({ ...changed, generation: entry.deleted });
      } else if (entry.created > since) adds.push({ ...changed, generation: entry.created });
      else mods.push({ ...changed, generation: entry.modified });
    }
    const byGeneration = (a: ChangedRow, b: ChangedRow): number => a.generation - b.generation;
    return { adds: adds.sort(byGeneration), mods: mods.sort(byGeneration), dels: dels.sort(byGeneration) };
  }

  /** Calls `listener` after every write; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #live(table: TableName, ref: string): Entry {
    const entry = this.#tables.get(table)!.get(ref);
    if (!entry) throw new XapiError('HANDLE_INVALID', [table, ref]);
    return entry;
  }

  #link(rel: Relation, manyRef: string, oneRef: string | undefined): void {
    if (!oneRef) return;
    const one = this.#tables.get(rel.one)!.get(oneRef);
    if (!one) return;
    const index = this.#children.get(rel)!;
    let set = index.get(oneRef);
    if (!set) index.set(oneRef, (set = new Set()));
    set.add(manyRef);
    this.#bump(one);
  }

  #unlink(rel: Relation, manyRef: string, oneRef: string | undefined): void {
    if (!oneRef) return;
    const set = this.#children.get(rel)!.get(oneRef);
    if (!set?.delete(manyRef)) return;
    const one = this.#tables.get(rel.one)!.get(oneRef);
    if (one) this.#bump(one);
  }

  /** A change to a row's computed sets. */
  #bump(entry: Entry): void {
    entry.rendering = undefined;
    entry.modified = this.#generation;
    this.#append(entry);
  }

  #append(entry: Entry): void {
    this.#log.push(entry);
    this.#logGenerations.push(this.#generation);
    if (this.#log.length > 2 * (this.#byRef.size + this.#tombstones) + LOG_SLACK) this.#compact();
  }

  /** Keeps only each row's latest change: enough, since a row's generations say what happened to it. */
  #compact(): void {
    const latest = new Map<Entry, number>();
    for (const entry of this.#log) latest.set(entry, Math.max(entry.created, entry.modified, entry.deleted));
    const ordered = [...latest].sort((a, b) => a[1] - b[1]);
    this.#log = ordered.map(([entry]) => entry);
    this.#logGenerations = ordered.map(([, generation]) => generation);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

/**
 * Each table's stored fields with their default values (computed sets excluded). Values are never mutated
 * in place, so the empty maps and sets can be shared.
 */
const DEFAULTS = new Map<TableName, Readonly<Record<string, unknown>>>(
  TABLE_NAMES.map((table) => {
    const computed = new Set((COMPUTED_SETS.get(table) ?? []).map((r) => r.oneField));
    // Built in one go (not property by property) so V8 keeps it in fast mode, which makes copying it cheap.
    const row = Object.fromEntries(
      columnsOf(table)
        .filter(({ name }) => !computed.has(name))
        .map(({ name, type }) => [name, Object.freeze(defaultOf(type))]),
    );
    return [table, row];
  }),
);

/** The first index whose generation is greater than `since` (binary search; generations are ascending). */
function firstAfter(generations: readonly number[], since: number): number {
  let lo = 0;
  let hi = generations.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (generations[mid]! <= since) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
