import { asDict } from './dict.ts';
import type { MalformedRecord } from './connection.ts';
import { protocolError, XapiTransportError } from './errors.ts';
import { defaultValue, SCHEMA, type FieldSpec, type KnownClass, type XapiRecord, type XapiRef } from './schema.ts';
import { isStruct, parseXapiDate, type XapiValue } from './wire/values.ts';

/**
 * Parses a raw record from either transport into its typed form, once, at the boundary:
 * XML-RPC int64s arrive as strings and JSON-RPC datetimes as text; both become numbers and Dates.
 * Fields a host does not send take their default; fields this project does not model are dropped.
 */
export function parseRecord<C extends KnownClass>(cls: C, raw: XapiValue): XapiRecord<C> {
  if (!isStruct(raw)) throw protocolError(`${cls} record is not a struct`);
  const layout = layoutOf(cls);
  const out: Record<string, unknown> = { ...layout.shape };
  for (const [name, spec] of layout.fields) {
    out[name] = Object.hasOwn(raw, name) ? parseField(cls, name, spec, raw[name]!) : defaultValue(spec);
  }
  return out as XapiRecord<C>;
}

interface Layout {
  /**
   * An object with every field of the class, for records to start as copies of. A record built up from `{}` one
   * field at a time ends up in V8's dictionary mode (past a dozen properties added by computed name): twice the
   * memory of a record with its fields in place, which is tens of MB on a pool of thousands of VMs. `JSON.parse`
   * lays an object out with room for all its fields, and a spread copy keeps that layout.
   */
  shape: Readonly<Record<string, unknown>>;
  /** The fields in order, listed once: not an array of pairs made for each of a snapshot's many records. */
  fields: readonly (readonly [string, FieldSpec])[];
}

const layouts = new Map<KnownClass, Layout>();

function layoutOf(cls: KnownClass): Layout {
  let layout = layouts.get(cls);
  if (!layout) {
    const fields = Object.entries(SCHEMA[cls].fields as Readonly<Record<string, FieldSpec>>);
    const members = fields.map(([name]) => `${JSON.stringify(name)}:null`);
    layout = { shape: JSON.parse(`{${members.join(',')}}`) as Record<string, unknown>, fields };
    layouts.set(cls, layout);
  }
  return layout;
}

/**
 * Parses one record of a reply that holds many: a malformed record is reported and left out (undefined),
 * so that it fails only itself, never the other records or the reply.
 */
export function parseRecordOrReport<C extends KnownClass>(
  cls: C,
  ref: XapiRef,
  raw: XapiValue,
  report: (malformed: MalformedRecord) => void,
): XapiRecord<C> | undefined {
  try {
    return parseRecord(cls, raw);
  } catch (error) {
    if (!(error instanceof XapiTransportError)) throw error;
    report({ cls, ref, error });
    return undefined;
  }
}

/**
 * Not a closure inside parseField: a pool's snapshot parses millions of fields, and a function made per call (named
 * by the bundler's keepNames on each) was 6 % of the gateway's time decoding one.
 */
function unexpected(cls: string, name: string, spec: FieldSpec, value: XapiValue): never {
  throw protocolError(`${cls}.${name}: unexpected ${describe(value)} for a ${spec.type} field`);
}

export function parseField(cls: string, name: string, spec: FieldSpec, value: XapiValue): unknown {
  switch (spec.type) {
    case 'string':
    case 'ref':
      return typeof value === 'string' ? value : unexpected(cls, name, spec, value);
    case 'enum':
      // Newer hosts may add enum values; keep them as text rather than failing the whole record.
      return typeof value === 'string' ? value : unexpected(cls, name, spec, value);
    case 'int': {
      const n = typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : value;
      return typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) : unexpected(cls, name, spec, value);
    }
    case 'float': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      return typeof n === 'number' && !Number.isNaN(n) ? n : unexpected(cls, name, spec, value);
    }
    case 'bool':
      return typeof value === 'boolean' ? value : unexpected(cls, name, spec, value);
    case 'datetime': {
      if (value instanceof Date) return value;
      const date = typeof value === 'string' ? parseXapiDate(value) : undefined;
      return date ?? unexpected(cls, name, spec, value);
    }
    // Decoded values are fresh and ours: well-formed sets and maps are used as they are, not copied
    // (a large pool's snapshot is tens of thousands of records). Maps lose their prototype, so that
    // every key is data and a key they lack (`toString`) reads as absent.
    case 'set':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? value
        : unexpected(cls, name, spec, value);
    case 'map':
    case 'ops_map': {
      if (!isStruct(value)) return unexpected(cls, name, spec, value);
      const map = asDict(value as Record<string, XapiValue>);
      for (const key in map) {
        const v = map[key];
        if (typeof v === 'string') continue;
        if (typeof v !== 'number' && typeof v !== 'boolean') return unexpected(cls, name, spec, value);
        map[key] = String(v);
      }
      return map;
    }
    case 'float_map': {
      if (!isStruct(value)) return unexpected(cls, name, spec, value);
      const map = asDict(value as Record<string, XapiValue>);
      for (const key in map) {
        const v = map[key];
        const n = typeof v === 'string' ? Number(v) : v;
        if (typeof n !== 'number' || Number.isNaN(n)) return unexpected(cls, name, spec, value);
        map[key] = n;
      }
      return map;
    }
  }
}

function describe(value: XapiValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'datetime';
  return typeof value === 'object' ? 'struct' : typeof value;
}
