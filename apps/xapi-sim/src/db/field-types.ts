import { defaultValue, type FieldSpec } from '@xwc/api-client';
import { ENUM_FACTS } from './xapi-datamodel.ts';

/** A field's type in xapi's data model (`datamodel_types.ml`), parsed once from the datamodel's spelling. */
export type FieldType =
  | { readonly kind: 'string' | 'int' | 'float' | 'bool' | 'datetime' }
  | { readonly kind: 'enum'; readonly name: string; readonly values: readonly string[] }
  | { readonly kind: 'ref' | 'record'; readonly of: string }
  | { readonly kind: 'set' | 'option'; readonly of: FieldType }
  | { readonly kind: 'map'; readonly key: FieldType; readonly value: FieldType };

const PRIMITIVES = new Set(['string', 'int', 'float', 'bool', 'datetime']);

/**
 * Parses the datamodel's spelling: `string`, `enum vm_power_state`, `VM ref`, `string set`, `(string -> enum
 * vm_operations) map`, `string option`, `sr_stat record option`. Postfixes apply left to right.
 */
export function parseFieldType(text: string): FieldType {
  const tokens = text.match(/\(|\)|->|[^\s()]+/g) ?? [];
  let pos = 0;
  const fail = (): never => {
    throw new Error(`unreadable datamodel type: ${text}`);
  };
  const next = (): string => tokens[pos++] ?? fail();
  const type = (): FieldType => {
    let t = atom();
    for (;;) {
      const word = tokens[pos];
      if (word === 'set' || word === 'option') t = { kind: word, of: t };
      else break;
      pos++;
    }
    return t;
  };
  const atom = (): FieldType => {
    const word = next();
    if (word === '(') {
      const key = type();
      if (next() !== '->') fail();
      const value = type();
      if (next() !== ')' || next() !== 'map') fail();
      return { kind: 'map', key, value };
    }
    if (word === 'enum') {
      const name = next();
      return { kind: 'enum', name, values: ENUM_FACTS[name] ?? fail() };
    }
    if (PRIMITIVES.has(word)) return { kind: word as 'string' };
    const postfix = next();
    if (postfix === 'ref' || postfix === 'record') return { kind: postfix, of: word };
    return fail();
  };
  const parsed = type();
  if (pos !== tokens.length) fail();
  return parsed;
}

/** The datamodel's spelling of a parsed type (the inverse of `parseFieldType`). */
export function typeText(t: FieldType): string {
  switch (t.kind) {
    case 'enum':
      return `enum ${t.name}`;
    case 'ref':
    case 'record':
      return `${t.of} ${t.kind}`;
    case 'set':
    case 'option':
      return `${typeText(t.of)} ${t.kind}`;
    case 'map':
      return `(${typeText(t.key)} -> ${typeText(t.value)}) map`;
    default:
      return t.kind;
  }
}

/** The value a field holds until written: the client's empty values (options start empty as sets do). */
export function defaultOf(t: FieldType): unknown {
  const type = t.kind === 'option' ? 'set' : t.kind === 'record' ? 'map' : t.kind;
  return defaultValue({ type, rw: false, ...(t.kind === 'enum' ? { values: t.values } : {}) } as FieldSpec);
}
