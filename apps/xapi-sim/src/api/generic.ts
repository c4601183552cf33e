import { dictOf, ownValue, protectedKey, XapiError, type FieldSpec, type Role } from '@xwc/api-client';
import type { Database } from '../db/database.ts';
import type { MessageFact } from '../db/facts.ts';
import { compileFilter, parseFilter } from '../db/filter.ts';
import { CLASSES, TABLE_NAMES, writersOf, type Column, type TableName } from '../db/tables.ts';
import { wireRecord, wireValue } from '../db/wire.ts';
import { param, type ParamSpec } from './params.ts';
import { check, keyedPermission, type PermissionCheck } from './rbac.ts';
import { VOID, type MethodSpec } from './registry.ts';

/** Effects of writes, by `<table>.<field>`: `setters` for the generated setter alone (`has_effect`), `writes` for any. */
export interface WriteEffects {
  readonly setters: Readonly<Record<string, (ref: string) => void>>;
  readonly writes: Readonly<Record<string, (ref: string) => void>>;
}

/**
 * The messages XAPI generates for every class (`datamodel_utils.ml`), exactly those the data model lists: getters,
 * `get_record`, `get_by_uuid`, `get_by_name_label`, `get_all*` (with the hidden `get_all_records_where`), and
 * `set_`/`add_to_`/`remove_from_`/`add_`/`remove_` writers, each with xapi's RBAC; the custom writers that are
 * plain writes here (`writersOf`); removed messages answer `MESSAGE_REMOVED`, constructors and destructors
 * `NOT_IMPLEMENTED`.
 */
export function genericMethods(db: Database, effects: WriteEffects): MethodSpec[] {
  return TABLE_NAMES.flatMap((table) => classMethods(db, table, effects));
}

const self = (table: TableName): ParamSpec => param('self', `${table} ref`);

function classMethods(db: Database, table: TableName, effects: WriteEffects): MethodSpec[] {
  const methods: MethodSpec[] = [];
  const reads = readMethods(db, table);
  const writers = new Map<string, MethodSpec>();
  for (const column of CLASSES[table].columns) {
    const key = `${table}.${column.name}`;
    for (const method of columnWriters(db, table, column, effects.setters[key], effects.writes[key])) {
      writers.set(method.name, method);
    }
  }
  for (const fact of CLASSES[table].messages.values()) {
    const [msg, role, implicit, state] = fact;
    const name = `${table}.${msg}`;
    const method = reads.get(msg) ?? writers.get(name) ?? (implicit ? lifecycleStub(table, fact) : undefined);
    if (!method) continue;
    methods.push(state === 'Removed' ? removed(method) : { ...method, role: role ?? undefined });
    if (msg === 'get_all_records' && implicit) methods.push(reads.get('get_all_records_where')!);
  }
  return methods;
}

/** The read messages a class may have (which it has is the data model's word), and the hidden filter query. */
function readMethods(db: Database, table: TableName): Map<string, MethodSpec> {
  const read = (msg: string, params: ParamSpec[], call: MethodSpec['call']): [string, MethodSpec] => [
    msg,
    { name: `${table}.${msg}`, session: true, params, role: 'read-only', call },
  ];
  const out = new Map<string, MethodSpec>([
    read('get_record', [self(table)], (_, [ref]) => wireRecord(table, db.record(table, ref as string))),
    read('get_by_uuid', [param('uuid', 'string')], (_, [uuid]) => db.byUuid(table, uuid as string)),
    read('get_by_name_label', [param('label', 'string')], (_, [label]) =>
      db.refs(table).filter((ref) => db.get(table, ref)!.name_label === label),
    ),
    read('get_all', [], () => db.refs(table)),
    read('get_all_records', [], () => allRecords(db, table, () => true)),
    read('get_all_records_where', [param('expr', 'string')], (_, [expr]) =>
      allRecords(db, table, compileFilter(table, parseFilter(expr as string))),
    ),
  ]);
  for (const { name, type } of CLASSES[table].columns) {
    out.set(...read(`get_${name}`, [self(table)], (_, [ref]) => wireValue(type, db.value(table, ref as string, name))));
  }
  return out;
}

function allRecords(db: Database, table: TableName, matches: (row: Readonly<Record<string, unknown>>) => boolean) {
  const out: Record<string, ReturnType<typeof wireRecord>> = {};
  for (const [ref] of db.rows(table)) {
    const record = db.record(table, ref);
    if (matches(record)) out[ref] = wireRecord(table, record);
  }
  return out;
}

/** A removed message still takes its parameters and checks the session, then refuses (`gen_server.ml`). */
function removed(method: MethodSpec): MethodSpec {
  return {
    name: method.name,
    session: method.session,
    params: method.params,
    call: () => {
      throw new XapiError('MESSAGE_REMOVED', []);
    },
  };
}

/** xapi's OCaml module name for a class, as `NOT_IMPLEMENTED` names functions (`Console.destroy`). */
const moduleName = (table: TableName): string => table.charAt(0).toUpperCase() + table.slice(1);

/** Generated constructors and destructors: objects are created and destroyed only by what the simulator models. */
function lifecycleStub(table: TableName, [msg]: MessageFact): MethodSpec | undefined {
  if (msg !== 'create' && msg !== 'destroy') return undefined;
  return {
    name: `${table}.${msg}`,
    session: true,
    params: [msg === 'create' ? { name: 'args', type: { kind: 'struct' } } : self(table)],
    call: () => {
      throw new XapiError('NOT_IMPLEMENTED', [`${moduleName(table)}.${msg}`]);
    },
  };
}

function columnWriters(
  db: Database,
  table: TableName,
  column: Column,
  effect: ((ref: string) => void) | undefined,
  afterWrite: ((ref: string) => void) | undefined,
): MethodSpec[] {
  const { name: field, type } = column;
  const roles = new Map(writersOf(table, column).map(({ msg, role }) => [msg, role]));
  if (roles.size === 0) return [];
  const write = (ref: string, value: unknown): void => {
    db.require(table, ref);
    db.update(table, ref, { [field]: value });
    afterWrite?.(ref);
  };
  /** Only the generated setter honours `has_effect`; `add_to_`/`remove_from_` stay database-only. */
  const set = (ref: string, value: unknown): void => {
    write(ref, value);
    effect?.(ref);
  };
  const lower = (msg: string): string => `${table}.${msg}`.toLowerCase();
  const out: MethodSpec[] = [];
  const method = (
    msg: string,
    params: ParamSpec[],
    call: MethodSpec['call'],
    permissions?: (role: Role) => MethodSpec['permissions'],
  ): void => {
    const role = roles.get(msg);
    if (!role) return;
    out.push({
      name: `${table}.${msg}`,
      session: true,
      params: [self(table), ...params],
      role,
      ...(permissions ? { permissions: permissions(role) } : {}),
      call,
    });
  };
  const value: ParamSpec = { name: 'value', type };

  // Maps are written as new objects without a prototype: any key a client sends (`__proto__`, `toString`) is data.
  if (type.kind === 'map') {
    const current = (ref: string): Record<string, unknown> => db.require(table, ref)[field] as Record<string, unknown>;
    /** A protected key needs only its keyed permission; any other key the field's writer role. */
    const keyChecks = (msg: string, key: string, role: Role): PermissionCheck[] => {
      const guarded = keyed(column, key);
      return guarded ? [check(keyedPermission(lower(msg), guarded.pattern), guarded.role)] : [check(lower(msg), role)];
    };
    method(
      `set_${field}`,
      [value],
      (_, [ref, map]) => {
        if (Object.hasOwn(map as object, '')) throw emptyKey();
        set(ref as string, dictOf(Object.entries(map as Record<string, unknown>)));
        return VOID;
      },
      (role) =>
        ([ref, map]) => [check(lower(`set_${field}`), role), ...changedKeyChecks(db, table, column, ref, map)],
    );
    method(
      `add_to_${field}`,
      [
        { name: 'key', type: type.key },
        { name: 'value', type: type.value },
      ],
      (_, [ref, key, v]) => {
        const map = current(ref as string);
        if (key === '') throw emptyKey();
        if (Object.hasOwn(map, key as string)) {
          throw new XapiError('MAP_DUPLICATE_KEY', [table, field, ref as string, key as string]);
        }
        write(ref as string, dictOf([...Object.entries(map), [key as string, v]]));
        return VOID;
      },
      (role) =>
        ([, key]) =>
          keyChecks(`add_to_${field}`, key as string, role),
    );
    method(
      `remove_from_${field}`,
      [{ name: 'key', type: type.key }],
      (_, [ref, key]) => {
        const map = current(ref as string);
        if (!Object.hasOwn(map, key as string)) return VOID;
        write(ref as string, dictOf(Object.entries(map).filter(([k]) => k !== key)));
        return VOID;
      },
      (role) =>
        ([, key]) =>
          keyChecks(`remove_from_${field}`, key as string, role),
    );
    return out;
  }
  if (type.kind === 'set') {
    const current = (ref: string): unknown[] => db.require(table, ref)[field] as unknown[];
    method(`set_${field}`, [value], (_, [ref, items]) => {
      set(ref as string, [...new Set(items as unknown[])]);
      return VOID;
    });
    method(`add_${field}`, [{ name: 'value', type: type.of }], (_, [ref, item]) => {
      const items = current(ref as string);
      if (!items.includes(item)) write(ref as string, [...items, item]);
      return VOID;
    });
    method(`remove_${field}`, [{ name: 'value', type: type.of }], (_, [ref, item]) => {
      const items = current(ref as string);
      if (items.includes(item))
        write(
          ref as string,
          items.filter((i) => i !== item),
        );
      return VOID;
    });
    return out;
  }
  method(`set_${field}`, [value], (_, [ref, v]) => {
    set(ref as string, v);
    return VOID;
  });
  return out;
}

/** The protected-key declaration `key` of a map column falls under, if any. */
function keyed(column: Column, key: string): { pattern: string; role: Role } | undefined {
  if (!column.protectedKeys) return undefined;
  const spec: FieldSpec = { type: 'map', rw: true, protectedKeys: column.protectedKeys };
  return protectedKey(spec, key);
}

/** XAPI's database refuses an empty map key, in `add_to_` and `set_` alike (`Db_exn.Empty_key_in_map`). */
const emptyKey = (): XapiError => new XapiError('INTERNAL_ERROR', ['Db_exn.Empty_key_in_map']);

/**
 * `Helpers.set_map_with_rbac`: replacing a whole map needs, besides the setter's own permission, the keyed
 * permission of every protected key it adds, changes or removes; unchanged protected entries need nothing.
 */
function changedKeyChecks(
  db: Database,
  table: TableName,
  column: Column,
  ref: unknown,
  next: unknown,
): PermissionCheck[] {
  if (!column.protectedKeys) return [];
  const before = (db.get(table, ref as string)?.[column.name] ?? {}) as Record<string, unknown>;
  const after = next as Record<string, unknown>;
  const checks: PermissionCheck[] = [];
  const lower = `${table}.`.toLowerCase();
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (ownValue(before, key) === ownValue(after, key)) continue;
    const guarded = keyed(column, key);
    if (!guarded) continue;
    const msg = Object.hasOwn(after, key) ? `add_to_${column.name}` : `remove_from_${column.name}`;
    checks.push(check(keyedPermission(`${lower}${msg}`, guarded.pattern), guarded.role));
  }
  return checks;
}
