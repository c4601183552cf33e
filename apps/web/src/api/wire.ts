import { asDict, emptyDict } from '../shared/dict.ts';
import type * as S from '../shared/schema.ts';
import { isWireClass, WIRE_CLASSES, xapiClassOf, type WireClass, type XapiClass } from '../shared/contracts.ts';

/**
 * The shapes the gateway sends (docs/api.md): classes by their lower-cased wire names, records keyed by uuid with the
 * object's ref in `$ref`, datetimes as ISO 8601 text. Records are parsed once, here, and never mutated afterwards.
 */

export { isWireClass, WIRE_CLASSES, type WireClass } from '../shared/contracts.ts';

/** The XAPI spelling of each wire class, as the catalogue names classes. */
export const XAPI_CLASS: Readonly<Record<WireClass, XapiClass>> = Object.fromEntries(
  WIRE_CLASSES.map((cls) => [cls, xapiClassOf(cls)]),
) as Record<WireClass, XapiClass>;

type OnWire<R> = { readonly [F in keyof R]: R[F] extends Date ? string : R[F] } & { readonly $ref: string };

export type PoolRec = OnWire<S.PoolRecord>;
export type HostRec = OnWire<S.HostRecord>;
export type HostMetricsRec = OnWire<S.HostMetricsRecord>;
export type VmRec = OnWire<S.VMRecord>;
export type VmMetricsRec = OnWire<S.VMMetricsRecord>;
export type GuestMetricsRec = OnWire<S.VMGuestMetricsRecord>;
export type ConsoleRec = OnWire<S.ConsoleRecord>;
export type NetworkRec = OnWire<S.NetworkRecord>;
export type PifRec = OnWire<S.PIFRecord>;
export type VifRec = OnWire<S.VIFRecord>;
export type SrRec = OnWire<S.SRRecord>;
export type PbdRec = OnWire<S.PBDRecord>;
export type VdiRec = OnWire<S.VDIRecord>;
export type VbdRec = OnWire<S.VBDRecord>;
export type TaskRec = OnWire<S.TaskRecord>;
export type MessageRec = OnWire<S.MessageRecord>;
export type PowerState = S.PowerState;

/** Every wire class's record: complete by construction, so a class added to the contract has its type here. */
export type RecordOf = { readonly [C in XapiClass as Lowercase<C>]: OnWire<S.XapiRecord<C>> };

/** Any record: what generic code (details, raw other_config) reads by field name. */
export type AnyRec = { readonly [field: string]: unknown; readonly $ref: string };

export const NULL_REF = 'OpaqueRef:NULL';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A record is usable when it is an object carrying its ref; anything else is dropped at the boundary. Its maps lose
 * their prototype here, in place (the parsed JSON is ours alone): every key a tool wrote into a map (`__proto__`,
 * `toString`) is then data, and a key a map lacks reads as absent, never as an inherited method.
 */
export function asRecord(value: unknown): AnyRec | undefined {
  if (!isObject(value) || typeof value.$ref !== 'string') return undefined;
  for (const field of Object.keys(value)) {
    const map = value[field];
    if (isObject(map)) asDict(map);
  }
  return value as AnyRec;
}

/** A string → string map field (without a prototype), tolerating absence. */
export function mapField(record: AnyRec | undefined, field: string): Readonly<Record<string, string>> {
  const value = record?.[field];
  return isObject(value) ? asDict(value as Record<string, string>) : EMPTY_MAP;
}

const EMPTY_MAP: Readonly<Record<string, string>> = Object.freeze(emptyDict<string>());

export function textField(record: AnyRec | undefined, field: string): string {
  const value = record?.[field];
  return typeof value === 'string' ? value : '';
}

export interface Change {
  readonly op: 'add' | 'mod' | 'del';
  readonly cls: WireClass;
  readonly uuid: string;
  readonly ref: string;
  readonly record?: AnyRec;
}

export type Snapshot = Partial<Record<WireClass, Record<string, AnyRec>>>;

/** Parses an `event: snapshot` payload; unknown classes and malformed records are skipped. */
export function parseSnapshot(data: unknown): Snapshot {
  const out: Snapshot = {};
  const records = isObject(data) ? data.records : undefined;
  if (!isObject(records)) return out;
  for (const [cls, byUuid] of Object.entries(records)) {
    if (!isWireClass(cls) || !isObject(byUuid)) continue;
    // The parsed JSON is ours alone: check records in place rather than copying tens of thousands of them.
    for (const uuid in byUuid) if (!asRecord(byUuid[uuid])) delete byUuid[uuid];
    out[cls] = byUuid as Record<string, AnyRec>;
  }
  return out;
}

/** Parses an `event: changes` payload. */
export function parseChanges(data: unknown): Change[] {
  if (!Array.isArray(data)) return [];
  const out: Change[] = [];
  for (const item of data) {
    if (!isObject(item)) continue;
    const { op, class: cls, uuid, ref } = item;
    if (op !== 'add' && op !== 'mod' && op !== 'del') continue;
    if (typeof cls !== 'string' || !isWireClass(cls) || typeof uuid !== 'string') continue;
    const record = asRecord(item.record);
    if (op !== 'del' && !record) continue;
    out.push({
      op,
      cls,
      uuid,
      ref: typeof ref === 'string' ? ref : (record?.$ref ?? ''),
      ...(record ? { record } : {}),
    });
  }
  return out;
}
