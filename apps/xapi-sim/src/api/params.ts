import { dictOf, isStruct, parseXapiDate, XapiError, type XapiValue } from '@xwc/api-client';
import { parseFieldType, type FieldType } from '../db/field-types.ts';

/** The wire type of a method parameter: a datamodel type, or a whole record (`X.create`'s struct). */
export type ParamType = FieldType | { readonly kind: 'struct' };

export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  /** Present when the parameter may be omitted (`param_default`). */
  readonly default?: unknown;
}

/** A parameter of a datamodel type, spelt as the datamodel spells it (`'string'`, `'VM ref'`, `'string set'`). */
export const param = (name: string, type: string, extra: { default?: unknown } = {}): ParamSpec => ({
  name,
  type: parseFieldType(type),
  ...extra,
});

/** ocaml-rpc's debug rendering of a value (`Rpc.to_string`), used in its unmarshalling failures. */
function rpcText(value: XapiValue): string {
  if (typeof value === 'string') return `S(${value})`;
  if (typeof value === 'number') return Number.isInteger(value) ? `I(${value})` : `F(${value})`;
  if (typeof value === 'boolean') return `B(${value})`;
  if (value === null) return 'N';
  if (value instanceof Date) return `D(${value.toISOString()})`;
  if (Array.isArray(value)) return `[${value.map(rpcText).join(';')}]`;
  if (isStruct(value))
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${rpcText(v)}`)
      .join(';')}}`;
  return String(value);
}

/** XAPI reports unmarshalling failures as the OCaml exception text, in INTERNAL_ERROR. */
const failure = (message: string): XapiError =>
  new XapiError('INTERNAL_ERROR', [`Failure(${JSON.stringify(message)})`]);
const expected = (what: string, value: XapiValue): XapiError => failure(`Expected ${what}, got '${rpcText(value)}'`);
/** ppx_deriving_rpc's failures for lists and string-keyed association lists. */
const expecting = (what: 'Enum' | 'Dict', value: XapiValue): XapiError =>
  failure(`Expecting Rpc.${what}, but found '${rpcText(value)}'`);

const INT = /^[+-]?(?:\d+|0x[0-9a-fA-F]+)$/;

function int64(value: XapiValue): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    if (!INT.test(value.trim())) throw failure('Int64.of_string');
    return Number(value.trim());
  }
  throw expected('int64', value);
}

/**
 * `(enum vm_operations -> string) map` and the int-keyed maps have hand-written unmarshallers in xapi's `gen_api.ml`
 * (`overrides`): a value that is not a struct fails with their own text.
 */
const OVERRIDDEN_MAP = (t: Extract<FieldType, { kind: 'map' }>): boolean =>
  t.key.kind === 'enum' || t.key.kind === 'int';

/**
 * Coerces one decoded parameter as xapi's generated unmarshallers do: int64 takes an int or a numeric string, float
 * an int too, bool only a boolean, an enum its values in any case (`ppx_deriving_rpc` lower-cases both sides).
 */
export function coerce(type: ParamType, value: XapiValue): unknown {
  switch (type.kind) {
    case 'string':
    case 'ref':
      if (typeof value !== 'string') throw expected('string', value);
      return value;
    case 'enum': {
      if (typeof value !== 'string') throw failure('Unknown tag/contents');
      const match = type.values.find((v) => v.toLowerCase() === value.toLowerCase());
      if (match === undefined) throw failure('Unknown tag/contents');
      return match;
    }
    case 'int':
      return int64(value);
    case 'float':
      if (typeof value === 'number') return value;
      if (typeof value === 'string') {
        const n = Number(value.trim());
        if (value.trim() === '' || Number.isNaN(n)) throw failure('float_of_string');
        return n;
      }
      throw expected('float', value);
    case 'bool':
      if (typeof value !== 'boolean') throw expected('bool', value);
      return value;
    case 'datetime': {
      if (value instanceof Date) return value;
      const date = typeof value === 'string' ? parseXapiDate(value) : undefined;
      if (!date) throw expected('DateTime', value);
      return date;
    }
    case 'set':
      if (!Array.isArray(value)) throw expecting('Enum', value);
      return value.map((item: XapiValue) => coerce(type.of, item));
    case 'option':
      if (!Array.isArray(value) || value.length > 1) throw expecting('Enum', value);
      return value.map((item: XapiValue) => coerce(type.of, item));
    case 'map': {
      if (!isStruct(value)) throw OVERRIDDEN_MAP(type) ? failure('Unmarshalling error') : expecting('Dict', value);
      return dictOf(
        Object.entries(value).map(([k, v]) => [
          type.key.kind === 'int' ? String(int64(k)) : String(coerce(type.key, k)),
          coerce(type.value, v),
        ]),
      );
    }
    case 'record':
    case 'struct':
      if (!isStruct(value)) throw expecting('Dict', value);
      return value;
  }
}
