import { dictOf, float, formatXapiDate, type XapiStruct, type XapiValue } from '@xwc/api-client';
import type { FieldType } from './field-types.ts';
import { columnsOf } from './tables.ts';
import type { XapiClass } from './xapi-datamodel.ts';

/** Whether a type holds floats anywhere, which XAPI marshals as `<double>` even when whole. */
const hasFloat = (t: FieldType): boolean =>
  t.kind === 'float' ||
  ((t.kind === 'set' || t.kind === 'option') && hasFloat(t.of)) ||
  (t.kind === 'map' && hasFloat(t.value));

/** A stored value as XAPI marshals it: int64 as an integer, floats forced to `<double>`, maps as structs. */
export function wireValue(t: FieldType, value: unknown): XapiValue {
  if (!hasFloat(t)) return value as XapiValue;
  switch (t.kind) {
    case 'float':
      return float(value as number);
    case 'set':
    case 'option':
      return (value as unknown[]).map((v) => wireValue(t.of, v));
    case 'map':
      return dictOf(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, wireValue(t.value, v)]));
    default:
      return value as XapiValue;
  }
}

/** A record with every field of its class, keyed by wire name (`get_record`, event snapshots). */
export function wireRecord(cls: XapiClass, record: Readonly<Record<string, unknown>>): XapiStruct {
  const out: Record<string, XapiValue> = {};
  for (const { name, type } of columnsOf(cls)) out[name] = wireValue(type, record[name]);
  return out;
}

const hasDate = (t: FieldType): boolean =>
  t.kind === 'datetime' ||
  ((t.kind === 'set' || t.kind === 'option') && hasDate(t.of)) ||
  (t.kind === 'map' && hasDate(t.value));

/**
 * A Date as XAPI's JSON-RPC replacer writes it: it sees the Date's ISO text and swaps in the XAPI datetime
 * when that text has the usual 24-character shape (years 0–9999); an invalid Date is null.
 */
export function dateJson(date: Date): string | null {
  const iso = date.toJSON() as string | null;
  return iso !== null && iso.length === 24 && iso.charCodeAt(10) === 84 /* T */ ? formatXapiDate(date) : iso;
}

/** A stored value in JSON-RPC's shape: floats are plain numbers there, so only datetimes need converting. */
function jsonValue(t: FieldType, value: unknown): unknown {
  if (!hasDate(t)) return value;
  switch (t.kind) {
    case 'datetime':
      return value instanceof Date ? dateJson(value) : value;
    case 'set':
    case 'option':
      return (value as unknown[]).map((v) => jsonValue(t.of, v));
    case 'map':
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, jsonValue(t.value, v)]),
      );
    default:
      return value;
  }
}

/** `wireRecord`'s JSON-RPC text, converted by the schema and stringified without a replacer call per value. */
export function recordJson(cls: XapiClass, record: Readonly<Record<string, unknown>>): string {
  const out: Record<string, unknown> = {};
  for (const { name, type } of columnsOf(cls)) out[name] = jsonValue(type, record[name]);
  return JSON.stringify(out);
}
