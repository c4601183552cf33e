import { SCHEMA, type ClassSpec, type FieldSpec, type KnownClass } from '@xwc/api-client';

/**
 * Every table the simulated database holds: the classes of the shared SCHEMA plus the sim-only classes
 * XAPI keeps for authentication (session, subject, role), described in the same terms.
 */

const ro = <F extends FieldSpec>(field: F): F => field;
const string: FieldSpec = ro({ type: 'string', rw: false });
const bool: FieldSpec = ro({ type: 'bool', rw: false });
const time: FieldSpec = ro({ type: 'datetime', rw: false });
const map: FieldSpec = ro({ type: 'map', rw: false });
const strings: FieldSpec = ro({ type: 'set', of: 'string', rw: false });
const ref = (of: string): FieldSpec => ({ type: 'ref', of, rw: false });
const refs = (of: string): FieldSpec => ({ type: 'set', of, rw: false });

const SIM_TABLES = {
  session: {
    writer: 'read-only',
    fields: {
      uuid: string,
      this_host: ref('host'),
      this_user: ref('user'),
      last_active: time,
      pool: bool,
      other_config: { type: 'map', rw: true },
      is_local_superuser: bool,
      subject: ref('subject'),
      validation_time: time,
      auth_user_sid: string,
      auth_user_name: string,
      rbac_permissions: strings,
      tasks: refs('task'),
      parent: ref('session'),
      originator: string,
      client_certificate: bool,
    },
  },
  subject: {
    writer: 'pool-admin',
    fields: {
      uuid: string,
      subject_identifier: string,
      other_config: map,
      roles: refs('role'),
    },
  },
  role: {
    writer: 'pool-admin',
    fields: {
      uuid: string,
      name_label: string,
      name_description: string,
      subroles: refs('role'),
      is_internal: bool,
    },
  },
} as const satisfies Record<string, ClassSpec>;

export type SimClass = keyof typeof SIM_TABLES;
export type TableName = KnownClass | SimClass;

export const TABLES: Readonly<Record<TableName, ClassSpec>> = { ...SCHEMA, ...SIM_TABLES };
export const TABLE_NAMES = Object.keys(TABLES) as TableName[];

const BY_LOWER = new Map<string, TableName>(TABLE_NAMES.map((name) => [name.toLowerCase(), name]));

export function tableFromLowerCase(name: string): TableName | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

export function isTable(name: string): name is TableName {
  return Object.hasOwn(TABLES, name);
}

export function fieldsOf(table: TableName): Readonly<Record<string, FieldSpec>> {
  return TABLES[table].fields;
}

/**
 * One-to-many relations: the "many" side holds a ref field, the "one" side a set XAPI computes from it
 * (`datamodel.ml` relations). A change on the many side bumps the one side's row (`update_one_to_many`).
 */
export interface Relation {
  readonly many: TableName;
  readonly manyField: string;
  readonly one: TableName;
  readonly oneField: string;
}

const relation = (many: TableName, manyField: string, one: TableName, oneField: string): Relation => ({
  many,
  manyField,
  one,
  oneField,
});

export const RELATIONS: readonly Relation[] = [
  relation('console', 'VM', 'VM', 'consoles'),
  relation('VIF', 'VM', 'VM', 'VIFs'),
  relation('VBD', 'VM', 'VM', 'VBDs'),
  relation('VBD', 'VDI', 'VDI', 'VBDs'),
  relation('VDI', 'SR', 'SR', 'VDIs'),
  relation('PBD', 'SR', 'SR', 'PBDs'),
  relation('PBD', 'host', 'host', 'PBDs'),
  relation('PIF', 'host', 'host', 'PIFs'),
  relation('PIF', 'network', 'network', 'PIFs'),
  relation('VIF', 'network', 'network', 'VIFs'),
  relation('VM', 'resident_on', 'host', 'resident_VMs'),
  relation('VM', 'snapshot_of', 'VM', 'snapshots'),
  relation('task', 'subtask_of', 'task', 'subtasks'),
];

/** Relations by "many" table, and the computed set fields by "one" table. */
export const RELATIONS_FROM = groupBy(RELATIONS, (r) => r.many);
export const COMPUTED_SETS = groupBy(RELATIONS, (r) => r.one);

function groupBy<T>(items: readonly T[], key: (item: T) => TableName): ReadonlyMap<TableName, readonly T[]> {
  const out = new Map<TableName, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k) ?? [];
    list.push(item);
    out.set(k, list);
  }
  return out;
}

/**
 * XAPI stores namespaced fields as `<namespace>__<name>` columns (`name__label`, `VCPUs__params`); the
 * DB filter language of `get_all_records_where` uses those column names.
 */
const NAMESPACES: Partial<Record<TableName, readonly string[]>> = {
  VM: ['memory', 'VCPUs', 'PV', 'HVM'],
  host: ['API_version'],
  VIF: ['qos'],
  VBD: ['qos'],
};

export function columnName(table: TableName, field: string): string {
  for (const ns of ['name', ...(NAMESPACES[table] ?? [])]) {
    if (field.startsWith(`${ns}_`) && field.length > ns.length + 1) return `${ns}__${field.slice(ns.length + 1)}`;
  }
  return field;
}

/** Classes with `get_all`, `get_all_records` and `get_all_records_where` (`expose_get_all_messages_for`). */
export const GET_ALL_TABLES: ReadonlySet<TableName> = new Set(TABLE_NAMES.filter((t) => t !== 'session'));

/** Classes whose changes `event.from` reports: XAPI's session table generates no events. */
export const EVENT_TABLES: ReadonlySet<TableName> = new Set(TABLE_NAMES.filter((t) => t !== 'session'));
