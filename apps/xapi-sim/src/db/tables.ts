import { fieldSpec, isKnownClass, type Role } from '@xwc/api-client';
import type { MessageFact, Qualifier } from './facts.ts';
import { parseFieldType, type FieldType } from './field-types.ts';
import { CLASS_FACTS, type XapiClass } from './xapi-datamodel.ts';

/**
 * Every class of xapi's data model with records, each field with its type and qualifier and each message with its
 * RBAC, from the generated extract of xapi's datamodel facts. Map keys with keyed permissions come from the shared
 * `SCHEMA` of `@xwc/api-client`, which the product's RBAC also reads.
 */

export interface Column {
  readonly name: string;
  readonly type: FieldType;
  readonly qualifier: Qualifier;
  /** Map keys whose writes need another role than the field's writer (XAPI keyed permissions). */
  readonly protectedKeys?: Readonly<Record<string, Role>>;
}

export interface ClassModel {
  readonly name: XapiClass;
  readonly columns: readonly Column[];
  readonly messages: ReadonlyMap<string, MessageFact>;
}

/** `message` rows live outside xapi's database (`in_db:false`): they have their own store and event stream. */
export type TableName = Exclude<XapiClass, 'message'>;

function classModel(name: XapiClass): ClassModel {
  const facts = CLASS_FACTS[name];
  const columns = facts.fields.map(([field, type, qualifier]): Column => {
    const shared = isKnownClass(name) ? fieldSpec(name, field) : undefined;
    return {
      name: field,
      type: parseFieldType(type),
      qualifier,
      ...(shared?.protectedKeys ? { protectedKeys: shared.protectedKeys } : {}),
    };
  });
  return { name, columns, messages: new Map(facts.messages.map((m) => [m[0], m])) };
}

export const CLASSES: Readonly<Record<XapiClass, ClassModel>> = Object.fromEntries(
  (Object.keys(CLASS_FACTS) as XapiClass[]).map((name) => [name, classModel(name)]),
) as Record<XapiClass, ClassModel>;

export const TABLE_NAMES = (Object.keys(CLASSES) as XapiClass[]).filter((t): t is TableName => t !== 'message');

const BY_LOWER = new Map<string, XapiClass>(
  Object.keys(CLASSES).map((name) => [name.toLowerCase(), name as XapiClass]),
);

export function classFromLowerCase(name: string): XapiClass | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

export function isTable(name: string): name is TableName {
  return name !== 'message' && Object.hasOwn(CLASSES, name);
}

export function columnsOf(cls: XapiClass): readonly Column[] {
  return CLASSES[cls].columns;
}

const COLUMN_INDEX = new Map<XapiClass, ReadonlyMap<string, Column>>(
  (Object.keys(CLASSES) as XapiClass[]).map((cls) => [cls, new Map(CLASSES[cls].columns.map((c) => [c.name, c]))]),
);

export function columnOf(cls: XapiClass, field: string): Column | undefined {
  return COLUMN_INDEX.get(cls)!.get(field);
}

/**
 * Custom (explicit) writers the simulator serves as database writes with xapi's RBAC: map messages whose custom
 * part is the keyed permissions, and setters whose further checks and side effects the simulated pool does not
 * model (renaming an SR does not reach a storage backend here).
 */
const PLAIN_CUSTOM_WRITERS: Partial<Record<TableName, readonly string[]>> = {
  VM: ['platform', 'other_config', 'blocked_operations', 'domain_type', 'HVM_boot_policy'],
  SR: ['name_label', 'name_description'],
  VDI: ['name_label', 'name_description'],
  VIF: ['locking_mode'],
  VBD: ['mode'],
  task: ['other_config'],
};

/** The writer messages a field has here (`set_`, `add_to_`/`remove_from_`, `add_`/`remove_`), with their roles. */
export function writersOf(table: TableName, column: Column): { msg: string; role: Role }[] {
  const messages = CLASSES[table].messages;
  const plain = PLAIN_CUSTOM_WRITERS[table]?.includes(column.name) ?? false;
  const names =
    column.type.kind === 'map'
      ? ['set_', 'add_to_', 'remove_from_']
      : column.type.kind === 'set'
        ? ['set_', 'add_', 'remove_']
        : ['set_'];
  const out: { msg: string; role: Role }[] = [];
  for (const prefix of names) {
    const fact = messages.get(`${prefix}${column.name}`);
    if (fact && fact[1] && (fact[2] || plain)) out.push({ msg: `${prefix}${column.name}`, role: fact[1] });
  }
  return out;
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

/**
 * `all_relations` of `datamodel.ml` whose "many" side is a published single ref (the many-to-many ones are plain sets
 * here; `PCI.physical_function` is internal).
 */
export const RELATIONS: readonly Relation[] = [
  relation('VM', 'snapshot_of', 'VM', 'snapshots'),
  relation('VDI', 'snapshot_of', 'VDI', 'snapshots'),
  relation('VM', 'parent', 'VM', 'children'),
  relation('task', 'subtask_of', 'task', 'subtasks'),
  relation('PIF', 'bond_slave_of', 'Bond', 'slaves'),
  relation('Bond', 'master', 'PIF', 'bond_master_of'),
  relation('VLAN', 'tagged_PIF', 'PIF', 'VLAN_slave_of'),
  relation('tunnel', 'access_PIF', 'PIF', 'tunnel_access_PIF_of'),
  relation('tunnel', 'transport_PIF', 'PIF', 'tunnel_transport_PIF_of'),
  relation('PBD', 'host', 'host', 'PBDs'),
  relation('PBD', 'SR', 'SR', 'PBDs'),
  relation('VBD', 'VDI', 'VDI', 'VBDs'),
  relation('crashdump', 'VDI', 'VDI', 'crash_dumps'),
  relation('VBD', 'VM', 'VM', 'VBDs'),
  relation('crashdump', 'VM', 'VM', 'crash_dumps'),
  relation('VIF', 'VM', 'VM', 'VIFs'),
  relation('VIF', 'network', 'network', 'VIFs'),
  relation('Cluster_host', 'cluster', 'Cluster', 'cluster_hosts'),
  relation('PIF', 'host', 'host', 'PIFs'),
  relation('PIF', 'network', 'network', 'PIFs'),
  relation('VDI', 'SR', 'SR', 'VDIs'),
  relation('VTPM', 'VM', 'VM', 'VTPMs'),
  relation('console', 'VM', 'VM', 'consoles'),
  relation('VM', 'resident_on', 'host', 'resident_VMs'),
  relation('host_cpu', 'host', 'host', 'host_CPUs'),
  relation('host_crashdump', 'host', 'host', 'crashdumps'),
  relation('host_patch', 'host', 'host', 'patches'),
  relation('host_patch', 'pool_patch', 'pool_patch', 'host_patches'),
  relation('VM', 'protection_policy', 'VMPP', 'VMs'),
  relation('VM', 'snapshot_schedule', 'VMSS', 'VMs'),
  relation('VM', 'appliance', 'VM_appliance', 'VMs'),
  relation('PGPU', 'GPU_group', 'GPU_group', 'PGPUs'),
  relation('VGPU', 'GPU_group', 'GPU_group', 'VGPUs'),
  relation('VGPU', 'type', 'VGPU_type', 'VGPUs'),
  relation('VGPU', 'VM', 'VM', 'VGPUs'),
  relation('VGPU', 'resident_on', 'PGPU', 'resident_VGPUs'),
  relation('PCI', 'host', 'host', 'PCIs'),
  relation('PGPU', 'host', 'host', 'PGPUs'),
  relation('VDI', 'metadata_of_pool', 'pool', 'metadata_VDIs'),
  relation('SR', 'introduced_by', 'DR_task', 'introduced_SRs'),
  relation('PVS_server', 'site', 'PVS_site', 'servers'),
  relation('PVS_proxy', 'site', 'PVS_site', 'proxies'),
  relation('PVS_cache_storage', 'site', 'PVS_site', 'cache_storage'),
  relation('PUSB', 'host', 'host', 'PUSBs'),
  relation('PUSB', 'USB_group', 'USB_group', 'PUSBs'),
  relation('VUSB', 'USB_group', 'USB_group', 'VUSBs'),
  relation('VUSB', 'VM', 'VM', 'VUSBs'),
  relation('Feature', 'host', 'host', 'features'),
  relation('network_sriov', 'physical_PIF', 'PIF', 'sriov_physical_PIF_of'),
  relation('network_sriov', 'logical_PIF', 'PIF', 'sriov_logical_PIF_of'),
  relation('Certificate', 'host', 'host', 'certificates'),
  relation('Driver_variant', 'driver', 'Host_driver', 'variants'),
  relation('Caller', 'rate_limit', 'Rate_limit', 'callers'),
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
 * DB filter language of `get_all_records_where` uses those column names. The namespaces are `datamodel*.ml`'s.
 */
const NAMESPACES: Partial<Record<XapiClass, readonly string[]>> = {
  VM: ['memory', 'VCPUs', 'actions', 'PV', 'HVM'],
  host: ['memory', 'API_version'],
  host_metrics: ['memory'],
  VM_metrics: ['memory', 'VCPUs'],
  VIF: ['qos'],
  VBD: ['qos'],
  PIF_metrics: ['io'],
  VIF_metrics: ['io'],
  VBD_metrics: ['io'],
};

export function columnName(table: XapiClass, field: string): string {
  for (const ns of ['name', ...(NAMESPACES[table] ?? [])]) {
    if (field.startsWith(`${ns}_`) && field.length > ns.length + 1) return `${ns}__${field.slice(ns.length + 1)}`;
  }
  return field;
}

/** Classes with `get_all`, `get_all_records` and `get_all_records_where` (`expose_get_all_messages_for`). */
export const GET_ALL_TABLES: ReadonlySet<TableName> = new Set(
  TABLE_NAMES.filter((t) => CLASSES[t].messages.get('get_all_records')?.[2] === true),
);

/** Tables whose changes `event.from` reports: session, user and secret are `gen_events:false` in `datamodel.ml`. */
export const EVENT_TABLES: ReadonlySet<TableName> = new Set(
  TABLE_NAMES.filter((t) => t !== 'session' && t !== 'user' && t !== 'secret'),
);
