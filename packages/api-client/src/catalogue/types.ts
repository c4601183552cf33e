import type { Role } from '../roles.ts';

/**
 * The shape of a catalogue entry: plain JSON data describing one documented Management API extension.
 * Behaviour lives in the generic interpreters (read, validate, plan, display), never in the entries.
 */

export const CATALOGUE_CLASSES = [
  'pool',
  'host',
  'VM',
  'VM_guest_metrics',
  'SR',
  'VDI',
  'VBD',
  'network',
  'PIF',
  'VIF',
  'task',
] as const;
export type CatalogueClass = (typeof CATALOGUE_CLASSES)[number];

/** When a written value takes effect. */
export const EFFECTS = {
  now: 'At once',
  'next-boot': 'At the next VM start',
  'next-host-boot': 'When the host next starts',
  'after-replug': 'When the device is next plugged (replug, or VM/host restart)',
  'after-syslog-reconfigure': 'When syslog is reconfigured (requested right after the write)',
  informational: 'Nothing changes: the value only describes the object',
} as const;
export type Effect = keyof typeof EFFECTS;

/** The same, in a word or two: the badge beside a form's control (EFFECTS is its tooltip). */
export const EFFECT_BADGES: Readonly<Record<Effect, string>> = {
  now: 'Now',
  'next-boot': 'Next VM start',
  'next-host-boot': 'Host restart',
  'after-replug': 'After replug',
  'after-syslog-reconfigure': 'Now',
  informational: 'Read only',
};

/** UI groups, in display order. */
export const GROUPS = [
  'Visibility',
  'Templates',
  'Installation',
  'Power',
  'Boot',
  'Console',
  'CPU',
  'xenstore',
  'License',
  'Software version',
  'Logging',
  'Host status',
  'Storage',
  'i18n',
  'Disk',
  'NIC offloads (ethtool)',
  'NIC link',
  'Network',
  'Guest tools',
  'Import/P2V',
  'Task',
] as const;
export type Group = (typeof GROUPS)[number];

/**
 * How a boolean is stored.
 * - `exact-true`: true only for the exact string "true" (XenCenter `BoolKey`); absent is false.
 * - `prefer-true`: anything but "false" is true, so absent is true (XenCenter `BoolKeyPreferTrue`).
 * - `presence`: any value means on; written as "true", cleared by removing the key.
 * - `on-off`: "on"/"true" or "off"/"false" (nm.ml, vif-real); absent leaves the driver default.
 */
export type BooleanConvention = 'exact-true' | 'prefer-true' | 'presence' | 'on-off';

export interface ValueOption {
  readonly value: string;
  readonly label: string;
}

export interface BootDevice {
  /** Stored lower-case, shown upper-case. */
  readonly letter: string;
  readonly label: string;
}

export type ValueType =
  | {
      readonly kind: 'boolean';
      readonly convention: BooleanConvention;
      /** What "false" becomes: the string "false", or removing the key. */
      readonly whenFalse: 'write-false' | 'remove';
      readonly labels: { readonly true: string; readonly false: string };
    }
  | {
      readonly kind: 'enum';
      readonly options: readonly ValueOption[];
      /** Besides the options, an absolute URL (http, https, ftp or nfs) is accepted. */
      readonly orUrl?: true;
      readonly unit?: string;
    }
  | {
      readonly kind: 'int';
      readonly min: number;
      readonly max: number;
      /** Widen the bounds to include the record's current value (XenCenter does this for MTU). */
      readonly widenToCurrent?: true;
      readonly unit?: string;
    }
  | { readonly kind: 'boot-order'; readonly devices: readonly BootDevice[] }
  | { readonly kind: 'comma-list'; readonly items: readonly ValueOption[] }
  | {
      readonly kind: 'datetime';
      /** `iso8601`: UTC text (XAPI's `20240101T12:00:00Z` or hyphenated); `unix-seconds`: a float. */
      readonly format: 'iso8601' | 'unix-seconds';
      /** Also show the time elapsed since then (boot and agent start times). */
      readonly showUptime?: true;
    }
  | { readonly kind: 'hostname-or-ip' }
  | { readonly kind: 'uuid-or-ref'; readonly of: string }
  | { readonly kind: 'version'; readonly parts: readonly string[] }
  | {
      readonly kind: 'text';
      readonly maxLength?: number;
      /** A regular expression (source text) the whole value must match, and what it means. */
      readonly pattern?: { readonly regex: string; readonly hint: string };
    };

export type ValueKind = ValueType['kind'];

/** Another place a value may be read from: a key of a map field, or a plain field. */
export interface ValueLocation {
  readonly field: string;
  readonly key?: string;
}

/** A condition on the record that must hold before the entry can be written. */
export interface WriteCondition {
  readonly field: string;
  readonly notEquals: string;
  readonly reason: string;
}

interface EntryCommon {
  /** Stable id: `<cls>.<field>:<key or pattern>` or `<cls>.<field>`. */
  readonly id: string;
  readonly cls: CatalogueClass;
  /** The XAPI field: a map (other_config, xenstore_data, …) or a plain field such as `MTU`. */
  readonly field: string;
  /** An exact map key. */
  readonly key?: string;
  /** A key pattern where `*` stands for any text (`vm-data/*`, `restrict_*`). */
  readonly keyPattern?: string;
  /** A composite value read from several keys of the same map (PV_drivers_version major.minor.micro). */
  readonly keys?: readonly string[];
  /** For pattern entries: a rule every concrete key must satisfy before it is written. */
  readonly keyRule?: { readonly regex: string; readonly message: string };
  /** Other spellings that are read (after the canonical one) but never written. */
  readonly aliases?: readonly ValueLocation[];
  readonly type: ValueType;
  readonly label: string;
  /** One line, plain English; says where the docs and XenCenter disagree and which spelling is written. */
  readonly help: string;
  readonly group: Group;
  readonly effect: Effect;
  /** The raw value assumed when the key is absent (parsed like a stored value). */
  readonly defaultWhenAbsent?: string;
  /** What an absent key means, in words. */
  readonly absentMeans: string;
  readonly experimental?: true;
  readonly writableWhen?: WriteCondition;
  /** Plain fields set to these values whenever the entry is given a value (VBD qos_algorithm_type). */
  readonly companionFields?: Readonly<Record<string, string>>;
  /** Extra keys of the same map written with the value (VBD qos_algorithm_params sched). */
  readonly companionKeys?: Readonly<Record<string, string>>;
  /** A method called once, after every write, to apply the change (`host.syslog_reconfigure`). */
  readonly applyWith?: string;
}

export type Entry = EntryCommon &
  (
    | { readonly editable: true; readonly writeRole: Role }
    | { readonly editable: false; readonly readOnlyReason: string }
  );

export type EditableEntry = Extract<Entry, { editable: true }>;

/** Parsed values, by kind. */
export interface VersionValue {
  readonly major: number;
  readonly minor: number;
  readonly micro: number;
  readonly text: string;
}

export interface ObjectHint {
  readonly form: 'uuid' | 'ref';
  readonly id: string;
}

export type ParsedValue = boolean | number | string | readonly string[] | Date | VersionValue | ObjectHint;

/** Any XAPI record as the client parses it: field name → value (maps are string → string). */
export type ExtensionRecord = { readonly [field: string]: unknown };
