import { dictOf, isStruct, parseXapiDate, XapiError, type FieldSpec, type XapiValue } from '@xwc/api-client';

/** The wire types a method parameter can have, as the generated XAPI server unmarshals them. */
export type ParamType =
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'datetime'
  | 'string_set'
  | 'map'
  | 'struct'
  | { readonly enum: readonly string[] };

export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  /** Present when the parameter may be omitted (`param_default`). */
  readonly default?: unknown;
}

/** A parameter's type when it carries a field's value (`set_<field>`, `add_to_<map>`). */
export function paramTypeOf(spec: FieldSpec): ParamType {
  switch (spec.type) {
    case 'int':
    case 'float':
    case 'bool':
    case 'datetime':
    case 'map':
      return spec.type;
    case 'enum':
      return { enum: spec.values };
    case 'set':
      return 'string_set';
    case 'float_map':
    case 'ops_map':
      return 'map';
    default:
      return 'string';
  }
}

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

const INT = /^[+-]?(?:\d+|0x[0-9a-fA-F]+)$/;

/** Coerces one decoded parameter as ocaml-rpc does: int64 takes an int or a numeric string, bool only a boolean. */
export function coerce(type: ParamType, value: XapiValue): unknown {
  if (typeof type === 'object') {
    if (typeof value !== 'string') throw expected('string', value);
    const match = type.enum.find((v) => v.toLowerCase() === value.toLowerCase());
    if (match === undefined) throw new XapiError('INVALID_VALUE', [value]);
    return match;
  }
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw expected('string', value);
      return value;
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string') {
        if (!INT.test(value.trim())) throw failure('Int64.of_string');
        return Number(value.trim());
      }
      throw expected('int64', value);
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
    case 'string_set':
      if (!Array.isArray(value)) throw expected('array', value);
      return value.map((item: XapiValue) => coerce('string', item));
    case 'map': {
      if (!isStruct(value)) throw expected('dict', value);
      return dictOf(Object.entries(value).map(([k, v]) => [k, coerce('string', v) as string]));
    }
    case 'struct':
      if (!isStruct(value)) throw expected('dict', value);
      return value;
  }
}
