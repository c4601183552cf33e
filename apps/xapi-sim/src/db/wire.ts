import { dictOf, float, type XapiStruct, type XapiValue } from '@xwc/api-client';
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
