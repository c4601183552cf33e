import { formatXapiDate, XapiError } from '@xwc/api-client';
import type { FieldType } from './field-types.ts';
import { columnName, columnsOf } from './tables.ts';
import type { XapiClass } from './xapi-datamodel.ts';

/**
 * The DB filter language of `get_all_records_where` (`db_filter_lex.mll`, `db_filter_parse.mly`):
 *   expr  := value = value | expr and expr | expr or expr | not expr | true | false | ( expr )
 *   value := "literal" | field "column"
 * Columns use XAPI's DB names (`name__label`); values compare as the DB's strings.
 */
export type FilterExpr =
  | { readonly op: 'true' | 'false' }
  | { readonly op: 'not'; readonly expr: FilterExpr }
  | { readonly op: 'and' | 'or'; readonly left: FilterExpr; readonly right: FilterExpr }
  | { readonly op: 'eq'; readonly left: FilterValue; readonly right: FilterValue };

export type FilterValue = { readonly field: string } | { readonly literal: string };

type Token = { kind: 'string'; text: string } | { kind: 'word'; text: string } | { kind: '(' | ')' | '=' };

const KEYWORDS = new Set(['field', 'and', 'or', 'not', 'true', 'false']);

class ParseError extends Error {}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) i++;
    else if (ch === '(' || ch === ')' || ch === '=') {
      tokens.push({ kind: ch });
      i++;
    } else if (ch === '"') {
      const end = source.indexOf('"', i + 1);
      if (end === -1) throw new ParseError();
      tokens.push({ kind: 'string', text: source.slice(i + 1, end) });
      i = end + 1;
    } else {
      const m = /^[A-Za-z_]+/.exec(source.slice(i));
      if (!m || !KEYWORDS.has(m[0])) throw new ParseError();
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

/** Parses a filter; a malformed one is XAPI's `INVALID_VALUE [expr; "Parsing.Parse_error"]`. */
export function parseFilter(source: string): FilterExpr {
  try {
    const tokens = tokenize(source);
    let pos = 0;
    const peek = (): Token | undefined => tokens[pos];
    const isWord = (text: string): boolean => {
      const t = peek();
      return t?.kind === 'word' && t.text === text;
    };
    const expect = (kind: Token['kind']): Token => {
      const t = tokens[pos++];
      if (!t || t.kind !== kind) throw new ParseError();
      return t;
    };
    const value = (): FilterValue => {
      if (isWord('field')) {
        pos++;
        return { field: (expect('string') as { text: string }).text };
      }
      return { literal: (expect('string') as { text: string }).text };
    };
    const atom = (): FilterExpr => {
      if (isWord('true') || isWord('false')) return { op: (tokens[pos++] as { text: 'true' | 'false' }).text };
      if (isWord('not')) {
        pos++;
        return { op: 'not', expr: atom() };
      }
      if (peek()?.kind === '(') {
        pos++;
        const inner = or();
        expect(')');
        return inner;
      }
      const left = value();
      expect('=');
      return { op: 'eq', left, right: value() };
    };
    const and = (): FilterExpr => {
      let left = atom();
      while (isWord('and')) {
        pos++;
        left = { op: 'and', left, right: atom() };
      }
      return left;
    };
    const or = (): FilterExpr => {
      let left = and();
      while (isWord('or')) {
        pos++;
        left = { op: 'or', left, right: and() };
      }
      return left;
    };
    const expr = or();
    if (pos !== tokens.length) throw new ParseError();
    return expr;
  } catch (e) {
    if (e instanceof ParseError) throw new XapiError('INVALID_VALUE', [source, 'Parsing.Parse_error']);
    throw e;
  }
}

/** Compiles a parsed filter for one table: unknown columns fail as XAPI's row lookup does. */
export function compileFilter(
  table: XapiClass,
  expr: FilterExpr,
): (record: Readonly<Record<string, unknown>>) => boolean {
  const columns = new Map<string, [string, FieldType]>();
  for (const { name, type } of columnsOf(table)) columns.set(columnName(table, name), [name, type]);
  const valueOf = (v: FilterValue): ((record: Readonly<Record<string, unknown>>) => string) => {
    if ('literal' in v) return () => v.literal;
    const column = columns.get(v.field);
    if (!column) throw new XapiError('INTERNAL_ERROR', ['missing field', v.field, '']);
    const [name, spec] = column;
    return (record) => dbString(spec, record[name]);
  };
  const compile = (e: FilterExpr): ((record: Readonly<Record<string, unknown>>) => boolean) => {
    switch (e.op) {
      case 'true':
        return () => true;
      case 'false':
        return () => false;
      case 'not': {
        const inner = compile(e.expr);
        return (r) => !inner(r);
      }
      case 'and': {
        const [l, r] = [compile(e.left), compile(e.right)];
        return (rec) => l(rec) && r(rec);
      }
      case 'or': {
        const [l, r] = [compile(e.left), compile(e.right)];
        return (rec) => l(rec) || r(rec);
      }
      case 'eq': {
        const [l, r] = [valueOf(e.left), valueOf(e.right)];
        return (rec) => l(rec) === r(rec);
      }
    }
  };
  return compile(expr);
}

const sexprString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** A value as XAPI's database stores it (`String_marshall`, S-expressions for sets and maps): the text compared. */
export function dbString(t: FieldType, value: unknown): string {
  switch (t.kind) {
    case 'bool':
      return value ? 'true' : 'false';
    case 'int':
      return String(value);
    case 'float': {
      const n = value as number;
      return Number.isInteger(n) ? `${n}.` : String(n);
    }
    case 'datetime':
      return formatXapiDate(value as Date);
    case 'set':
    case 'option':
      return `(${(value as unknown[]).map((v) => sexprString(dbString(t.of, v))).join(' ')})`;
    case 'map':
      return `(${Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `(${sexprString(k)} ${sexprString(dbString(t.value, v))})`)
        .join(' ')})`;
    default:
      return String(value);
  }
}
