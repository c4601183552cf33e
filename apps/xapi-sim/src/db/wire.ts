import { dictOf, float, formatXapiDate, type XapiStruct, type XapiValue } from '@xwc/api-client';
import type { FieldType } from './field-types.ts';
import { columnsOf } from './tables.ts';
import type { XapiClass } from './xapi-datamodel.ts';

type LeafKind = 'float' | 'datetime';

/** Whether a type holds leaves of `kind` anywhere (inside sets, options and map values included). */
const holds = (t: FieldType, kind: LeafKind): boolean =>
  t.kind === kind ||
  ((t.kind === 'set' || t.kind === 'option') && holds(t.of, kind)) ||
  (t.kind === 'map' && holds(t.value, kind));

/** `value` with each leaf of `kind` replaced by `leaf(value)`; values without such leaves are returned as they are. */
function convertLeaves(t: FieldType, value: unknown, kind: LeafKind, leaf: (value: unknown) => unknown): unknown {
  if (!holds(t, kind)) return value;
  switch (t.kind) {
    case kind:
      return leaf(value);
    case 'set':
    case 'option':
      return (value as unknown[]).map((v) => convertLeaves(t.of, v, kind, leaf));
    case 'map':
      return dictOf(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, convertLeaves(t.value, v, kind, leaf)]),
      );
    default:
      return value;
  }
}

/** A stored value as XAPI marshals it: int64 as an integer, floats forced to `<double>` even when whole. */
export function wireValue(t: FieldType, value: unknown): XapiValue {
  return convertLeaves(t, value, 'float', (v) => float(v as number)) as XapiValue;
}

/** A record with every field of its class, keyed by wire name (`get_record`, event snapshots). */
export function wireRecord(cls: XapiClass, record: Readonly<Record<string, unknown>>): XapiStruct {
  const out: Record<string, XapiValue> = {};
  for (const { name, type } of columnsOf(cls)) out[name] = wireValue(type, record[name]);
  return out;
}

/**
 * A Date as XAPI's JSON-RPC replacer writes it: it sees the Date's ISO text and swaps in the XAPI datetime
 * when that text has the usual 24-character shape (years 0–9999); an invalid Date is null.
 */
export function dateJson(date: Date): string | null {
  const iso = date.toJSON() as string | null;
  return iso !== null && iso.length === 24 && iso.charCodeAt(10) === 84 /* T */ ? formatXapiDate(date) : iso;
}

/** A stored value in JSON-RPC's shape: floats are plain numbers there, so only datetimes need converting. */
const jsonValue = (t: FieldType, value: unknown): unknown =>
  convertLeaves(t, value, 'datetime', (v) => (v instanceof Date ? dateJson(v) : v));

/** `wireRecord`'s JSON-RPC text, converted by the schema and stringified without a replacer call per value. */
export function recordJson(cls: XapiClass, record: Readonly<Record<string, unknown>>): string {
  const out: Record<string, unknown> = {};
  for (const { name, type } of columnsOf(cls)) out[name] = jsonValue(type, record[name]);
  return JSON.stringify(out);
}
