import { protocolError } from '../errors.ts';
import { elementChildren, escapeText, parseXml, textOf, type XmlElement } from './xml.ts';
import { formatXapiDate, isStruct, parseXapiDate, XapiFloat, XapiInt32, type XapiValue } from './values.ts';

/**
 * XML-RPC as XAPI speaks it (ocaml-rpc, non-strict): strings and int64s as bare `<value>text</value>`,
 * no whitespace anywhere, `{Status, Value | ErrorDescription}` result structs.
 */

/** `%.16g`, as OCaml prints floats: `1.` becomes `1`, `0.1` stays `0.1`. */
function formatDouble(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
  const text = n.toPrecision(16);
  if (text.includes('e')) {
    const [mantissa, exponent] = text.split('e') as [string, string];
    const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    const e = Number(exponent);
    return `${trimmed}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

export function encodeValue(value: XapiValue): string {
  if (typeof value === 'string') return `<value>${escapeText(value)}</value>`;
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? `<value>${value}</value>`
      : `<value><double>${formatDouble(value)}</double></value>`;
  }
  if (typeof value === 'boolean') return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (value === null) return '<value><nil/></value>';
  if (value instanceof XapiFloat) return `<value><double>${formatDouble(value.value)}</double></value>`;
  if (value instanceof XapiInt32) return `<value><i4>${value.value}</i4></value>`;
  if (value instanceof Date) return `<value><dateTime.iso8601>${formatXapiDate(value)}</dateTime.iso8601></value>`;
  if (Array.isArray(value)) return `<value><array><data>${value.map(encodeValue).join('')}</data></array></value>`;
  if (isStruct(value)) {
    let members = '';
    for (const [key, member] of Object.entries(value)) {
      members += `<member><name>${escapeText(key)}</name>${encodeValue(member)}</member>`;
    }
    return `<value><struct>${members}</struct></value>`;
  }
  throw new TypeError(`cannot encode ${typeof value} as XML-RPC`);
}

export function encodeCall(method: string, params: readonly XapiValue[]): string {
  const encoded = params.map((p) => `<param>${encodeValue(p)}</param>`).join('');
  return `<?xml version="1.0"?><methodCall><methodName>${escapeText(method)}</methodName><params>${encoded}</params></methodCall>`;
}

const RESPONSE_HEAD = '<?xml version="1.0"?><methodResponse><params><param>';
const RESPONSE_TAIL = '</param></params></methodResponse>';

/** A successful XAPI reply: `{Status: "Success", Value}`. */
export function encodeSuccess(value: XapiValue): string {
  return `${RESPONSE_HEAD}${encodeValue({ Status: 'Success', Value: value })}${RESPONSE_TAIL}`;
}

/** A failed XAPI reply: `{Status: "Failure", ErrorDescription: [code, params…]}`, still HTTP 200. */
export function encodeFailure(code: string, params: readonly string[]): string {
  return `${RESPONSE_HEAD}${encodeValue({ Status: 'Failure', ErrorDescription: [code, ...params] })}${RESPONSE_TAIL}`;
}

/** A bare result with no Status wrapper, as XAPI answers `system.listMethods`. */
export function encodeRaw(value: XapiValue): string {
  return `${RESPONSE_HEAD}${encodeValue(value)}${RESPONSE_TAIL}`;
}

export function decodeValue(element: XmlElement): XapiValue {
  if (element.name !== 'value') throw protocolError(`XML-RPC: expected <value>, got <${element.name}>`);
  const typed = element.children.filter((c): c is XmlElement => typeof c !== 'string');
  if (typed.length === 0) return textOf(element);
  if (typed.length > 1) throw protocolError('XML-RPC: <value> holds more than one element');
  const inner = elementChildren(element)[0]!;
  switch (inner.name) {
    case 'string':
      return textOf(inner);
    case 'i4':
    case 'int':
    case 'i8':
      return parseInteger(textOf(inner));
    case 'double': {
      const text = textOf(inner).trim();
      const n = text === 'nan' ? NaN : text === 'inf' ? Infinity : text === '-inf' ? -Infinity : Number(text);
      if (text === '' || (Number.isNaN(n) && text !== 'nan')) throw protocolError(`XML-RPC: bad double "${text}"`);
      return n;
    }
    case 'boolean': {
      const text = textOf(inner).trim();
      if (text === '1' || text === 'true') return true;
      if (text === '0' || text === 'false') return false;
      throw protocolError(`XML-RPC: bad boolean "${text}"`);
    }
    case 'dateTime.iso8601': {
      const text = textOf(inner);
      const date = parseXapiDate(text);
      if (!date) throw protocolError(`XML-RPC: bad dateTime "${text}"`);
      return date;
    }
    case 'base64':
      return Buffer.from(textOf(inner).replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'nil':
      return null;
    case 'array': {
      const data = elementChildren(inner);
      if (data.length !== 1 || data[0]!.name !== 'data') throw protocolError('XML-RPC: <array> without <data>');
      return elementChildren(data[0]!).map(decodeValue);
    }
    case 'struct': {
      const members: [string, XapiValue][] = [];
      for (const member of elementChildren(inner)) {
        if (member.name !== 'member') throw protocolError(`XML-RPC: <${member.name}> inside <struct>`);
        const parts = elementChildren(member);
        const name = parts.find((p) => p.name === 'name');
        const value = parts.find((p) => p.name === 'value');
        if (!name || !value || parts.length !== 2) throw protocolError('XML-RPC: malformed <member>');
        members.push([textOf(name), decodeValue(value)]);
      }
      // As JSON.parse builds objects: every member an own data property, `__proto__` included.
      return Object.fromEntries(members);
    }
    default:
      throw protocolError(`XML-RPC: unknown value type <${inner.name}>`);
  }
}

function parseInteger(text: string): number {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) throw protocolError(`XML-RPC: bad integer "${trimmed}"`);
  return Number(trimmed);
}

export interface DecodedCall {
  method: string;
  params: XapiValue[];
}

export function decodeCall(body: string): DecodedCall {
  const root = parseXml(body);
  if (root.name !== 'methodCall') throw protocolError(`XML-RPC: expected <methodCall>, got <${root.name}>`);
  const parts = elementChildren(root);
  const nameElement = parts.find((p) => p.name === 'methodName');
  if (!nameElement) throw protocolError('XML-RPC: <methodCall> without <methodName>');
  const paramsElement = parts.find((p) => p.name === 'params');
  const params = paramsElement
    ? elementChildren(paramsElement).map((param) => {
        const values = elementChildren(param);
        if (param.name !== 'param' || values.length !== 1) throw protocolError('XML-RPC: malformed <param>');
        return decodeValue(values[0]!);
      })
    : [];
  return { method: textOf(nameElement).trim(), params };
}

export type DecodedResponse = { kind: 'value'; value: XapiValue } | { kind: 'fault'; code: number; message: string };

/** Decodes a `<methodResponse>` into its single value (still wrapped in XAPI's Status struct) or a standard fault. */
export function decodeResponse(body: string): DecodedResponse {
  const root = parseXml(body);
  if (root.name !== 'methodResponse') throw protocolError(`XML-RPC: expected <methodResponse>, got <${root.name}>`);
  const parts = elementChildren(root);
  if (parts.length !== 1) throw protocolError('XML-RPC: <methodResponse> must hold one element');
  const part = parts[0]!;
  if (part.name === 'fault') {
    const values = elementChildren(part);
    if (values.length !== 1) throw protocolError('XML-RPC: malformed <fault>');
    const fault = decodeValue(values[0]!);
    if (!isStruct(fault)) throw protocolError('XML-RPC: <fault> is not a struct');
    return { kind: 'fault', code: Number(fault.faultCode ?? 0), message: String(fault.faultString ?? '') };
  }
  if (part.name !== 'params') throw protocolError(`XML-RPC: unexpected <${part.name}>`);
  const params = elementChildren(part);
  if (params.length !== 1 || params[0]!.name !== 'param')
    throw protocolError('XML-RPC: response must hold one <param>');
  const values = elementChildren(params[0]!);
  if (values.length !== 1) throw protocolError('XML-RPC: malformed <param>');
  return { kind: 'value', value: decodeValue(values[0]!) };
}

export type XapiOutcome = { ok: true; value: XapiValue } | { ok: false; code: string; params: string[] };

/** Unwraps XAPI's `{Status, Value | ErrorDescription}` struct, as XenAPI.py does. */
export function unwrapStatus(value: XapiValue): XapiOutcome {
  if (!isStruct(value)) throw protocolError('XAPI: result is not a Status struct');
  if (value.Status === 'Success') {
    if (!('Value' in value)) throw protocolError('XAPI: Success without Value');
    return { ok: true, value: value.Value ?? null };
  }
  if (value.Status === 'Failure') {
    const description = value.ErrorDescription;
    if (!Array.isArray(description) || description.length === 0) {
      throw protocolError('XAPI: Failure without ErrorDescription');
    }
    const [code, ...params] = description.map((item: XapiValue) => stringOf(item));
    return { ok: false, code: code!, params };
  }
  throw protocolError('XAPI: unknown Status');
}

function stringOf(item: XapiValue): string {
  if (typeof item === 'string') return item;
  if (typeof item === 'number' || typeof item === 'boolean') return String(item);
  throw protocolError('XAPI: ErrorDescription holds a non-scalar');
}
