import { dictOf, float, type FieldSpec, type XapiStruct, type XapiValue } from '@xwc/api-client';
import type { Row } from './database.ts';
import { fieldsOf, type TableName } from './tables.ts';

/** A stored value as XAPI marshals it: int64 as an integer, floats forced to `<double>`, maps as structs. */
export function wireValue(spec: FieldSpec, value: unknown): XapiValue {
  switch (spec.type) {
    case 'float':
      return float(value as number);
    case 'float_map':
      return dictOf(Object.entries(value as Record<string, number>).map(([k, v]) => [k, float(v)]));
    default:
      return value as XapiValue;
  }
}

/** A record with every field of its class, keyed by wire name (`get_record`, event snapshots). */
export function wireRecord(table: TableName, record: Row): XapiStruct {
  const out: Record<string, XapiValue> = {};
  for (const [name, spec] of Object.entries(fieldsOf(table))) out[name] = wireValue(spec, record[name]);
  return out;
}
