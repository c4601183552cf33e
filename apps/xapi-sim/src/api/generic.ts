import { dictOf, ownValue, protectedKey, XapiError, type FieldSpec, type Role } from '@xwc/api-client';
import type { Database } from '../db/database.ts';
import { compileFilter, parseFilter } from '../db/filter.ts';
import { fieldsOf, GET_ALL_TABLES, TABLE_NAMES, TABLES, type TableName } from '../db/tables.ts';
import { wireRecord, wireValue } from '../db/wire.ts';
import { paramTypeOf, type ParamSpec } from './params.ts';
import { check, keyedPermission, type PermissionCheck } from './rbac.ts';
import { VOID, type MethodSpec } from './registry.ts';

/** Side effects some generated setters have (`has_effect`), by `<table>.<field>`. */
export type SetterEffects = Readonly<Record<string, (ref: string) => void>>;

const str = (name: string): ParamSpec => ({ name, type: 'string' });

/**
 * The messages XAPI generates for every class (`datamodel_utils.ml`): getters, `get_record`, `get_by_uuid`,
 * `get_by_name_label`, `get_all*`, and `set_`/`add_to_`/`remove_from_` for writable fields, with their RBAC.
 */
export function genericMethods(db: Database, effects: SetterEffects): MethodSpec[] {
  return TABLE_NAMES.flatMap((table) => classMethods(db, table, effects));
}

function classMethods(db: Database, table: TableName, effects: SetterEffects): MethodSpec[] {
  const read = (msg: string, params: ParamSpec[], call: MethodSpec['call']): MethodSpec => ({
    name: `${table}.${msg}`,
    session: true,
    params,
    role: 'read-only',
    call,
  });
  const methods: MethodSpec[] = [
    read('get_record', [str('self')], (_, [ref]) => wireRecord(table, db.record(table, ref as string))),
    read('get_by_uuid', [str('uuid')], (_, [uuid]) => db.byUuid(table, uuid as string)),
  ];
  const fields = fieldsOf(table);
  if ('name_label' in fields) {
    methods.push(
      read('get_by_name_label', [str('label')], (_, [label]) =>
        db.refs(table).filter((ref) => db.get(table, ref)!.name_label === label),
      ),
    );
  }
  if (GET_ALL_TABLES.has(table)) {
    methods.push(
      read('get_all', [], () => db.refs(table)),
      read('get_all_records', [], () => allRecords(db, table, () => true)),
      read('get_all_records_where', [str('expr')], (_, [expr]) => {
        const matches = compileFilter(table, parseFilter(expr as string));
        return allRecords(db, table, matches);
      }),
    );
  }
  for (const [field, spec] of Object.entries(fields)) {
    methods.push(
      read(`get_${field}`, [str('self')], (_, [ref]) => wireValue(spec, db.value(table, ref as string, field))),
    );
    if (spec.rw) methods.push(...writers(db, table, field, spec, effects[`${table}.${field}`]));
  }
  if (table === 'console') {
    for (const msg of ['create', 'destroy'] as const) {
      methods.push({
        name: `console.${msg}`,
        session: true,
        params: [{ name: msg === 'create' ? 'args' : 'self', type: msg === 'create' ? 'struct' : 'string' }],
        role: TABLES.console.writer,
        call: () => {
          throw new XapiError('NOT_IMPLEMENTED', [`Console.${msg}`]);
        },
      });
    }
  }
  return methods;
}

function allRecords(db: Database, table: TableName, matches: (row: Readonly<Record<string, unknown>>) => boolean) {
  const out: Record<string, ReturnType<typeof wireRecord>> = {};
  for (const [ref] of db.rows(table)) {
    const record = db.record(table, ref);
    if (matches(record)) out[ref] = wireRecord(table, record);
  }
  return out;
}

function writers(
  db: Database,
  table: TableName,
  field: string,
  spec: FieldSpec,
  effect: ((ref: string) => void) | undefined,
): MethodSpec[] {
  const writer: Role = spec.writer ?? TABLES[table].writer;
  const write = (ref: string, value: unknown): void => {
    db.require(table, ref);
    db.update(table, ref, { [field]: value });
  };
  /** Only the generated setter honours `has_effect`; `add_to_`/`remove_from_` stay database-only. */
  const set = (ref: string, value: unknown): void => {
    write(ref, value);
    effect?.(ref);
  };
  const method = (
    msg: string,
    params: ParamSpec[],
    call: MethodSpec['call'],
    permissions?: MethodSpec['permissions'],
  ) =>
    ({
      name: `${table}.${msg}`,
      session: true,
      params: [str('self'), ...params],
      role: writer,
      ...(permissions ? { permissions } : {}),
      call,
    }) satisfies MethodSpec;
  const name = (msg: string): string => `${table}.${msg}`.toLowerCase();
  const value: ParamSpec = { name: 'value', type: paramTypeOf(spec) };

  // Maps are written as new objects without a prototype: any key a client sends (`__proto__`, `toString`) is data.
  if (spec.type === 'map') {
    const current = (ref: string): Record<string, string> => db.require(table, ref)[field] as Record<string, string>;
    /** A protected key needs only its keyed permission; any other key the field's writer role. */
    const keyChecks = (msg: string, key: string): PermissionCheck[] => {
      const guarded = protectedKey(spec, key);
      return guarded ? [check(keyedPermission(name(msg), guarded.pattern), guarded.role)] : [check(name(msg), writer)];
    };
    return [
      method(
        `set_${field}`,
        [value],
        (_, [ref, map]) => {
          if (Object.hasOwn(map as object, '')) throw emptyKey();
          set(ref as string, dictOf(Object.entries(map as Record<string, string>)));
          return VOID;
        },
        ([ref, map]) => [check(name(`set_${field}`), writer), ...changedKeyChecks(db, table, field, spec, ref, map)],
      ),
      method(
        `add_to_${field}`,
        [str('key'), str('value')],
        (_, [ref, key, v]) => {
          const map = current(ref as string);
          if (key === '') throw emptyKey();
          if (Object.hasOwn(map, key as string)) {
            throw new XapiError('MAP_DUPLICATE_KEY', [table, field, ref as string, key as string]);
          }
          write(ref as string, dictOf([...Object.entries(map), [key as string, v as string]]));
          return VOID;
        },
        ([, key]) => keyChecks(`add_to_${field}`, key as string),
      ),
      method(
        `remove_from_${field}`,
        [str('key')],
        (_, [ref, key]) => {
          const map = current(ref as string);
          if (!Object.hasOwn(map, key as string)) return VOID;
          write(ref as string, dictOf(Object.entries(map).filter(([k]) => k !== key)));
          return VOID;
        },
        ([, key]) => keyChecks(`remove_from_${field}`, key as string),
      ),
    ];
  }
  if (spec.type === 'set') {
    const current = (ref: string): string[] => db.require(table, ref)[field] as string[];
    return [
      method(`set_${field}`, [value], (_, [ref, items]) => {
        set(ref as string, [...new Set(items as string[])]);
        return VOID;
      }),
      method(`add_${field}`, [str('value')], (_, [ref, item]) => {
        const items = current(ref as string);
        if (!items.includes(item as string)) write(ref as string, [...items, item as string]);
        return VOID;
      }),
      method(`remove_${field}`, [str('value')], (_, [ref, item]) => {
        const items = current(ref as string);
        if (items.includes(item as string))
          write(
            ref as string,
            items.filter((i) => i !== item),
          );
        return VOID;
      }),
    ];
  }
  return [
    method(`set_${field}`, [value], (_, [ref, v]) => {
      set(ref as string, v);
      return VOID;
    }),
  ];
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
  field: string,
  spec: FieldSpec,
  ref: unknown,
  next: unknown,
): PermissionCheck[] {
  if (!spec.protectedKeys) return [];
  const before = (db.get(table, ref as string)?.[field] ?? {}) as Record<string, string>;
  const after = next as Record<string, string>;
  const checks: PermissionCheck[] = [];
  const lower = `${table}.`.toLowerCase();
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (ownValue(before, key) === ownValue(after, key)) continue;
    const guarded = protectedKey(spec, key);
    if (!guarded) continue;
    const msg = Object.hasOwn(after, key) ? `add_to_${field}` : `remove_from_${field}`;
    checks.push(check(keyedPermission(`${lower}${msg}`, guarded.pattern), guarded.role));
  }
  return checks;
}
