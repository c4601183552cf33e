import { protocolError } from './errors.ts';
import { defaultValue, SCHEMA, type FieldSpec, type KnownClass, type XapiRecord } from './schema.ts';
import { isStruct, parseXapiDate, type XapiValue } from './wire/values.ts';

/**
 * Parses a raw record from either transport into its typed form, once, at the boundary:
 * XML-RPC int64s arrive as strings and JSON-RPC datetimes as text; both become numbers and Dates.
 * Fields a host does not send take their default; fields this project does not model are dropped.
 */
export function parseRecord<C extends KnownClass>(cls: C, raw: XapiValue): XapiRecord<C> {
  if (!isStruct(raw)) throw protocolError(`${cls} record is not a struct`);
  const fields: Readonly<Record<string, FieldSpec>> = SCHEMA[cls].fields;
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(fields)) {
    out[name] = name in raw ? parseField(cls, name, spec, raw[name]!) : defaultValue(spec);
  }
  return out as XapiRecord<C>;
}

export function parseField(cls: string, name: string, spec: FieldSpec, value: XapiValue): unknown {
  const bad = (): never => {
    throw protocolError(`${cls}.${name}: unexpected ${describe(value)} for a ${spec.type} field`);
  };
  switch (spec.type) {
    case 'string':
    case 'ref':
      return typeof value === 'string' ? value : bad();
    case 'enum':
      // Newer hosts may add enum values; keep them as text rather than failing the whole record.
      return typeof value === 'string' ? value : bad();
    case 'int': {
      const n = typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) : bad();
    }
    case 'float': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && !Number.isNaN(n) ? n : bad();
    }
    case 'bool':
      return typeof value === 'boolean' ? value : bad();
    case 'datetime': {
      if (value instanceof Date) return value;
      const date = typeof value === 'string' ? parseXapiDate(value) : undefined;
      return date ?? bad();
    }
    // Decoded values are fresh and ours: well-formed sets and maps are used as they are, not copied
    // (a large pool's snapshot is tens of thousands of records).
    case 'set':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : bad();
    case 'map':
    case 'ops_map': {
      if (!isStruct(value)) return bad();
      let out: Record<string, string> | undefined;
      for (const key in value) {
        const v = value[key];
        if (typeof v === 'string') continue;
        if (typeof v !== 'number' && typeof v !== 'boolean') return bad();
        out ??= { ...(value as Record<string, string>) };
        out[key] = String(v);
      }
      return out ?? value;
    }
    case 'float_map': {
      if (!isStruct(value)) return bad();
      const out: Record<string, number> = {};
      for (const [key, v] of Object.entries(value)) {
        const n = typeof v === 'string' ? Number(v) : v;
        if (typeof n !== 'number' || Number.isNaN(n)) bad();
        out[key] = n as number;
      }
      return out;
    }
  }
}

function describe(value: XapiValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'datetime';
  return typeof value === 'object' ? 'struct' : typeof value;
}
