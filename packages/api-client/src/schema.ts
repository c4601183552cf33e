import { XAPI_CLASSES, type XapiClass } from '@xwc/contracts';
import { emptyDict } from './dict.ts';
import type { Role } from './roles.ts';

/**
 * The XAPI classes this project reads and writes, with XAPI's wire field names, types and writers.
 * One declaration drives the client's record parsing, the simulator's storage, getters and setters,
 * and the RBAC each generated setter needs.
 */

export type XapiRef = string;
export const NULL_REF = 'OpaqueRef:NULL';

/** The class list is the contract shared with the web app (@xwc/contracts). */
export const CLASS_NAMES = XAPI_CLASSES;
export type KnownClass = XapiClass;
/** Classes fields may point at; `Bond` is referenced but not modelled. */
export type ClassName = KnownClass | 'Bond';

interface FieldBase<T> {
  /** Phantom: the TypeScript type a parsed value has. */
  readonly __type?: T;
  /** Whether XAPI generates `set_<field>` (and, for maps, `add_to_`/`remove_from_`). */
  readonly rw: boolean;
  /** The role a generated writer needs, when it differs from the class's default writer. */
  readonly writer?: Role;
  /** Map keys whose writes need a different role than the field's (XAPI keyed permissions; `*` ends a prefix). */
  readonly protectedKeys?: Readonly<Record<string, Role>>;
}

export type FieldSpec =
  | (FieldBase<string> & { readonly type: 'string' })
  | (FieldBase<number> & { readonly type: 'int' })
  | (FieldBase<number> & { readonly type: 'float' })
  | (FieldBase<boolean> & { readonly type: 'bool' })
  | (FieldBase<Date> & { readonly type: 'datetime' })
  | (FieldBase<string> & { readonly type: 'enum'; readonly values: readonly string[] })
  | (FieldBase<XapiRef> & { readonly type: 'ref'; readonly of: string })
  | (FieldBase<readonly string[]> & { readonly type: 'set'; readonly of: string | 'string' })
  | (FieldBase<Readonly<Record<string, string>>> & { readonly type: 'map' })
  | (FieldBase<Readonly<Record<string, number>>> & { readonly type: 'float_map' })
  | (FieldBase<Readonly<Record<string, string>>> & { readonly type: 'ops_map' });

type Spec<S extends FieldSpec['type'], T, Extra = object> = FieldBase<T> & { readonly type: S } & Extra;

const ro = { rw: false } as const;

const str = (): Spec<'string', string> => ({ type: 'string', ...ro });
const int = (): Spec<'int', number> => ({ type: 'int', ...ro });
const flt = (): Spec<'float', number> => ({ type: 'float', ...ro });
const bool = (): Spec<'bool', boolean> => ({ type: 'bool', ...ro });
const time = (): Spec<'datetime', Date> => ({ type: 'datetime', ...ro });
const enm = <const V extends readonly string[]>(values: V): Spec<'enum', V[number], { values: V }> => ({
  type: 'enum',
  values,
  ...ro,
});
const ref = (of: ClassName): Spec<'ref', XapiRef, { of: string }> => ({ type: 'ref', of, ...ro });
const refs = (of: ClassName): Spec<'set', readonly XapiRef[], { of: string }> => ({ type: 'set', of, ...ro });
const strs = (): Spec<'set', readonly string[], { of: string }> => ({ type: 'set', of: 'string', ...ro });
const map = (): Spec<'map', Readonly<Record<string, string>>> => ({ type: 'map', ...ro });
const floatMap = (): Spec<'float_map', Readonly<Record<string, number>>> => ({ type: 'float_map', ...ro });
const opsMap = (): Spec<'ops_map', Readonly<Record<string, string>>> => ({ type: 'ops_map', ...ro });

const rw = <F extends FieldSpec>(field: F, writer?: Role): F => ({ ...field, rw: true, ...(writer ? { writer } : {}) });
/** StaticRO fields that XAPI nevertheless lets callers edit through custom map messages. */
const customMap = <F extends FieldSpec>(field: F, writer: Role, protectedKeys: Record<string, Role>): F => ({
  ...field,
  rw: true,
  writer,
  protectedKeys,
});

/** An RW map field whose listed keys need a different role than the field's writer. */
const keyed = <F extends FieldSpec>(field: F, protectedKeys: Record<string, Role>): F => ({ ...field, protectedKeys });

const XC_KEYS = { folder: 'vm-operator', 'XenCenter.CustomFields.*': 'vm-operator' } as const satisfies Record<
  string,
  Role
>;

export const POWER_STATES = ['Halted', 'Paused', 'Running', 'Suspended'] as const;
/** The classes a message can be about (`enum cls`). */
export const MESSAGE_CLASSES = ['VM', 'Host', 'SR', 'Pool', 'VMPP', 'VMSS', 'PVS_proxy', 'VDI', 'Certificate'] as const;
export type PowerState = (typeof POWER_STATES)[number];

const nameFields = { name_label: rw(str()), name_description: rw(str()) };

export interface ClassSpec {
  /** The role generated writers need unless a field says otherwise (`messages_default_allowed_roles`). */
  readonly writer: Role;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}

const cls = <const F extends Record<string, FieldSpec>>(writer: Role, fields: F) => ({ writer, fields });

export const SCHEMA = {
  pool: cls('pool-operator', {
    uuid: str(),
    ...nameFields,
    master: ref('host'),
    default_SR: rw(ref('SR')),
    other_config: keyed(rw(map(), 'pool-operator'), { ...XC_KEYS, EMPTY_FOLDERS: 'vm-operator' }),
    gui_config: rw(map(), 'vm-operator'),
    ha_enabled: bool(),
    limit_console_sessions: rw(bool()),
    vm_console_idle_timeout: rw(int()),
    tags: rw(strs(), 'vm-operator'),
  }),
  host: cls('pool-operator', {
    uuid: str(),
    ...nameFields,
    hostname: rw(str()),
    address: rw(str()),
    enabled: bool(),
    edition: str(),
    API_version_major: int(),
    API_version_minor: int(),
    API_version_vendor: str(),
    software_version: map(),
    license_params: map(),
    other_config: keyed(rw(map()), XC_KEYS),
    logging: rw(map()),
    cpu_info: map(),
    iscsi_iqn: str(),
    multipathing: bool(),
    // DynamicRO: written only by the custom host.set_console_idle_timeout (pool-admin, validates the value).
    console_idle_timeout: int(),
    resident_VMs: refs('VM'),
    control_domain: ref('VM'),
    PIFs: refs('PIF'),
    PBDs: refs('PBD'),
    metrics: ref('host_metrics'),
    tags: rw(strs(), 'vm-operator'),
  }),
  host_metrics: cls('pool-operator', {
    uuid: str(),
    memory_total: int(),
    memory_free: int(),
    live: bool(),
    last_updated: time(),
    other_config: rw(map()),
  }),
  VM: cls('vm-admin', {
    uuid: str(),
    ...nameFields,
    power_state: enm(POWER_STATES),
    is_a_template: rw(bool()),
    is_default_template: bool(),
    is_a_snapshot: bool(),
    is_control_domain: bool(),
    domid: int(),
    domain_type: rw(enm(['hvm', 'pv', 'pv_in_pvh', 'pvh', 'unspecified'] as const)),
    resident_on: ref('host'),
    affinity: rw(ref('host'), 'vm-power-admin'),
    memory_static_max: int(),
    memory_dynamic_max: int(),
    memory_dynamic_min: int(),
    memory_static_min: int(),
    memory_target: int(),
    VCPUs_max: int(),
    VCPUs_at_startup: int(),
    VCPUs_params: rw(map()),
    HVM_boot_policy: rw(str()),
    HVM_boot_params: rw(map()),
    PV_bootloader: rw(str()),
    PV_args: rw(str()),
    platform: customMap(map(), 'vm-admin', { hvm_serial: 'pool-admin' }),
    other_config: customMap(map(), 'vm-admin', { ...XC_KEYS, pci: 'pool-admin', hvm_serial: 'pool-admin' }),
    xenstore_data: rw(map()),
    consoles: refs('console'),
    VIFs: refs('VIF'),
    VBDs: refs('VBD'),
    guest_metrics: ref('VM_guest_metrics'),
    metrics: ref('VM_metrics'),
    allowed_operations: strs(),
    current_operations: opsMap(),
    /** Operations a user has blocked, each with the reason to show (XAPI refuses them with OPERATION_BLOCKED). */
    blocked_operations: rw(map()),
    tags: rw(strs(), 'vm-operator'),
    user_version: rw(int()),
    ha_restart_priority: str(),
    snapshot_of: ref('VM'),
    snapshots: refs('VM'),
  }),
  VM_metrics: cls('vm-admin', {
    uuid: str(),
    memory_actual: int(),
    VCPUs_number: int(),
    VCPUs_utilisation: floatMap(),
    start_time: time(),
    install_time: time(),
    last_updated: time(),
    other_config: rw(map()),
  }),
  VM_guest_metrics: cls('vm-admin', {
    uuid: str(),
    os_version: map(),
    PV_drivers_version: map(),
    PV_drivers_up_to_date: bool(),
    PV_drivers_detected: bool(),
    networks: map(),
    other: map(),
    live: bool(),
    last_updated: time(),
    other_config: rw(map()),
  }),
  console: cls('vm-admin', {
    uuid: str(),
    protocol: enm(['vt100', 'rfb', 'rdp'] as const),
    location: str(),
    VM: ref('VM'),
    other_config: rw(map()),
  }),
  network: cls('pool-operator', {
    uuid: str(),
    ...nameFields,
    MTU: rw(int(), 'vm-admin'),
    bridge: str(),
    managed: bool(),
    PIFs: refs('PIF'),
    VIFs: refs('VIF'),
    other_config: customMap(map(), 'pool-operator', { ...XC_KEYS, XenCenterCreateInProgress: 'vm-operator' }),
    tags: rw(strs(), 'vm-operator'),
  }),
  PIF: cls('pool-operator', {
    uuid: str(),
    device: str(),
    network: ref('network'),
    host: ref('host'),
    MAC: str(),
    MTU: int(),
    VLAN: int(),
    physical: bool(),
    currently_attached: bool(),
    management: bool(),
    managed: bool(),
    ip_configuration_mode: enm(['None', 'DHCP', 'Static'] as const),
    IP: str(),
    netmask: str(),
    gateway: str(),
    DNS: str(),
    bond_slave_of: ref('Bond'),
    properties: map(),
    other_config: rw(map()),
  }),
  VIF: cls('vm-admin', {
    uuid: str(),
    device: str(),
    network: ref('network'),
    VM: ref('VM'),
    MAC: str(),
    MTU: int(),
    currently_attached: bool(),
    locking_mode: rw(enm(['network_default', 'locked', 'unlocked', 'disabled'] as const), 'pool-operator'),
    qos_algorithm_type: rw(str()),
    qos_algorithm_params: rw(map()),
    other_config: rw(map()),
  }),
  SR: cls('pool-operator', {
    uuid: str(),
    ...nameFields,
    type: str(),
    content_type: str(),
    shared: bool(),
    physical_size: int(),
    physical_utilisation: int(),
    virtual_allocation: int(),
    is_tools_sr: bool(),
    PBDs: refs('PBD'),
    VDIs: refs('VDI'),
    other_config: customMap(map(), 'pool-operator', XC_KEYS),
    sm_config: rw(map()),
    tags: rw(strs(), 'vm-operator'),
  }),
  PBD: cls('pool-operator', {
    uuid: str(),
    host: ref('host'),
    SR: ref('SR'),
    device_config: map(),
    currently_attached: bool(),
    other_config: rw(map()),
  }),
  VDI: cls('vm-admin', {
    uuid: str(),
    ...nameFields,
    SR: ref('SR'),
    VBDs: refs('VBD'),
    virtual_size: int(),
    physical_utilisation: int(),
    type: enm([
      'system',
      'user',
      'ephemeral',
      'suspend',
      'crashdump',
      'ha_statefile',
      'metadata',
      'redo_log',
      'rrd',
      'pvs_cache',
      'cbt_metadata',
    ] as const),
    sharable: bool(),
    read_only: bool(),
    managed: bool(),
    missing: bool(),
    is_a_snapshot: bool(),
    location: str(),
    other_config: customMap(map(), 'vm-admin', XC_KEYS),
    sm_config: rw(map()),
    xenstore_data: rw(map()),
    tags: rw(strs(), 'vm-operator'),
  }),
  VBD: cls('vm-admin', {
    uuid: str(),
    VM: ref('VM'),
    VDI: ref('VDI'),
    device: str(),
    userdevice: rw(str()),
    bootable: rw(bool()),
    mode: rw(enm(['RO', 'RW'] as const)),
    type: rw(enm(['CD', 'Disk', 'Floppy'] as const)),
    empty: bool(),
    unpluggable: rw(bool()),
    currently_attached: bool(),
    qos_algorithm_type: rw(str()),
    qos_algorithm_params: rw(map()),
    other_config: rw(map()),
  }),
  task: cls('read-only', {
    uuid: str(),
    name_label: str(),
    name_description: str(),
    created: time(),
    finished: time(),
    status: enm(['pending', 'success', 'failure', 'cancelling', 'cancelled'] as const),
    resident_on: ref('host'),
    progress: flt(),
    type: str(),
    result: str(),
    error_info: strs(),
    subtask_of: ref('task'),
    subtasks: refs('task'),
    other_config: customMap(map(), 'read-only', {
      applies_to: 'vm-operator',
      XenCenterUUID: 'vm-operator',
      XenCenterMeddlingActionTitle: 'vm-operator',
    }),
  }),
  /** The pool's alerts; not database objects in XAPI, but listed and followed through events like them. */
  message: cls('pool-operator', {
    uuid: str(),
    name: str(),
    priority: int(),
    cls: enm(MESSAGE_CLASSES),
    obj_uuid: str(),
    timestamp: time(),
    body: str(),
  }),
} as const satisfies Record<KnownClass, ClassSpec>;

export type Schema = typeof SCHEMA;

type ValueOf<F> = F extends FieldBase<infer T> ? T : never;

/** A record of class C exactly as XAPI names its fields, with parsed values. */
export type XapiRecord<C extends KnownClass> = {
  -readonly [F in keyof Schema[C]['fields']]: ValueOf<Schema[C]['fields'][F]>;
};

export type PoolRecord = XapiRecord<'pool'>;
export type HostRecord = XapiRecord<'host'>;
export type HostMetricsRecord = XapiRecord<'host_metrics'>;
export type VMRecord = XapiRecord<'VM'>;
export type VMMetricsRecord = XapiRecord<'VM_metrics'>;
export type VMGuestMetricsRecord = XapiRecord<'VM_guest_metrics'>;
export type ConsoleRecord = XapiRecord<'console'>;
export type NetworkRecord = XapiRecord<'network'>;
export type PIFRecord = XapiRecord<'PIF'>;
export type VIFRecord = XapiRecord<'VIF'>;
export type SRRecord = XapiRecord<'SR'>;
export type PBDRecord = XapiRecord<'PBD'>;
export type VDIRecord = XapiRecord<'VDI'>;
export type VBDRecord = XapiRecord<'VBD'>;
export type TaskRecord = XapiRecord<'task'>;
export type MessageRecord = XapiRecord<'message'>;

/** Event class names are the lower-cased wire names (`VM_guest_metrics` → `vm_guest_metrics`). */
const BY_LOWER = new Map<string, KnownClass>(CLASS_NAMES.map((name) => [name.toLowerCase(), name]));

export function classFromLowerCase(name: string): KnownClass | undefined {
  return BY_LOWER.get(name.toLowerCase());
}

export function isKnownClass(name: string): name is KnownClass {
  return Object.hasOwn(SCHEMA, name);
}

export function fieldSpec(cls: KnownClass, field: string): FieldSpec | undefined {
  const fields: Readonly<Record<string, FieldSpec>> = SCHEMA[cls].fields;
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** The value a field holds when a record does not carry it (older hosts lack newer fields). */
export function defaultValue(spec: FieldSpec): unknown {
  switch (spec.type) {
    case 'string':
      return '';
    case 'int':
    case 'float':
      return 0;
    case 'bool':
      return false;
    case 'datetime':
      return new Date(0);
    case 'enum':
      return spec.values[0];
    case 'ref':
      return NULL_REF;
    case 'set':
      return [];
    default:
      return emptyDict();
  }
}

/** Whether `key` is one of a map field's protected keys, and the role it then needs. */
export function protectedKeyRole(spec: FieldSpec, key: string): Role | undefined {
  return protectedKey(spec, key)?.role;
}

/** The protected-key declaration `key` falls under (its pattern names XAPI's keyed permission), if any. */
export function protectedKey(spec: FieldSpec, key: string): { pattern: string; role: Role } | undefined {
  if (!spec.protectedKeys) return undefined;
  for (const [pattern, role] of Object.entries(spec.protectedKeys)) {
    if (pattern.endsWith('*') ? key.startsWith(pattern.slice(0, -1)) : key === pattern) return { pattern, role };
  }
  return undefined;
}
