import { protocolError } from '../errors.ts';
import { formatXapiDate, isStruct, XapiFloat, XapiInt32, type XapiValue } from './values.ts';

/**
 * JSON-RPC as XAPI speaks it on `/jsonrpc`: v1 (no `jsonrpc` member) and v2. int64 is a bare
 * JSON integer, datetimes are `YYYYMMDDTHH:MM:SSZ` strings, void is `""`.
 */

export type JsonRpcVersion = 1 | 2;
export type JsonRpcId = number | string;

/**
 * `JSON.stringify` replacer for XAPI's encodings: datetimes as `YYYYMMDDTHH:MM:SSZ`, the float and
 * int32 wrappers as bare numbers. Serialising in one pass avoids copying large records first.
 */
function xapiReplacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'object') {
    return value instanceof XapiFloat || value instanceof XapiInt32 ? value.value : value;
  }
  // A Date reaches the replacer already turned into its ISO text by its toJSON: only such text needs the lookup.
  if (typeof value !== 'string' || value.length !== 24 || value.charCodeAt(10) !== 84 /* T */) return value;
  const original = (this as Record<string, unknown>)[key];
  return original instanceof Date ? formatXapiDate(original) : value;
}

const stringify = (value: unknown): string => JSON.stringify(value, xapiReplacer);

/** Deepest nesting accepted; XAPI values never come close, and deeper input is an attack on the stack. */
const MAX_DEPTH = 256;

function checkParsed(value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth > MAX_DEPTH) throw protocolError('JSON-RPC: nesting too deep');
  if (Array.isArray(value)) {
    for (const item of value) checkParsed(item, depth + 1);
    return;
  }
  const struct = value as Record<string, unknown>;
  for (const key in struct) checkParsed(struct[key], depth + 1);
}

/**
 * Accepts what `JSON.parse` produced as a value of the shared model, in place: JSON only has the
 * model's types, so this only bounds nesting. Every member, `__proto__` included, is an own data
 * property of its struct (as `JSON.parse` makes it): map keys from the pool are data.
 */
export function fromJson(value: unknown): XapiValue {
  checkParsed(value, 0);
  return value as XapiValue;
}

export function encodeRequest(method: string, params: readonly XapiValue[], id: JsonRpcId): string {
  return stringify({ jsonrpc: '2.0', method, params, id });
}

export interface DecodedRequest {
  version: JsonRpcVersion;
  method: string;
  params: XapiValue[];
  id: JsonRpcId;
}

/** Validates a request body as XAPI does: `method` required, `id` an int or string, v1 params an array. */
export function decodeRequest(body: string): DecodedRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw protocolError('JSON-RPC: body is not JSON', cause);
  }
  if (!isStruct(parsed as XapiValue)) throw protocolError('JSON-RPC: request is not an object');
  const request = parsed as Record<string, unknown>;
  let version: JsonRpcVersion;
  if (!('jsonrpc' in request)) version = 1;
  else if (request.jsonrpc === '2.0') version = 2;
  else throw protocolError('JSON-RPC: unsupported "jsonrpc" version');
  if (typeof request.method !== 'string') throw protocolError('JSON-RPC: "method" must be a string');
  const id = request.id;
  if (!((typeof id === 'number' && Number.isInteger(id)) || typeof id === 'string')) {
    throw protocolError('JSON-RPC: "id" must be an integer or a string');
  }
  const raw = request.params;
  let params: XapiValue[];
  if (Array.isArray(raw)) params = raw.map((item) => fromJson(item));
  else if (version === 2 && (raw === undefined || raw === null)) params = [];
  else if (version === 2 && typeof raw === 'object') params = [fromJson(raw)];
  else throw protocolError('JSON-RPC: "params" must be an array');
  return { version, method: request.method, params, id };
}

export function encodeResult(version: JsonRpcVersion, id: JsonRpcId, result: XapiValue): string {
  return version === 2 ? stringify({ jsonrpc: '2.0', result, id }) : stringify({ result, error: null, id });
}

export function encodeError(version: JsonRpcVersion, id: JsonRpcId, code: string, params: readonly string[]): string {
  return version === 2
    ? JSON.stringify({ jsonrpc: '2.0', error: { code: 1, message: code, data: params }, id })
    : JSON.stringify({ result: null, error: [code, ...params], id });
}

export type DecodedReply =
  | { ok: true; id: JsonRpcId | null; result: XapiValue }
  | { ok: false; id: JsonRpcId | null; code: string; params: string[] };

/** Decodes a reply in either version, including the array-shaped error older hosts send. */
export function decodeReply(body: string): DecodedReply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw protocolError('JSON-RPC: reply is not JSON', cause);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw protocolError('JSON-RPC: reply is not an object');
  }
  const reply = parsed as Record<string, unknown>;
  const id = typeof reply.id === 'number' || typeof reply.id === 'string' ? reply.id : null;
  const error = reply.error;
  if (error !== undefined && error !== null) {
    if (Array.isArray(error)) {
      const [code, ...params] = error.map((e) => scalar(e));
      if (code === undefined) throw protocolError('JSON-RPC: empty error array');
      return { ok: false, id, code, params };
    }
    if (typeof error === 'object') {
      const e = error as Record<string, unknown>;
      if (typeof e.message !== 'string') throw protocolError('JSON-RPC: error without a message');
      const data = e.data === undefined || e.data === null ? [] : e.data;
      if (!Array.isArray(data)) throw protocolError('JSON-RPC: error data is not an array');
      return { ok: false, id, code: e.message, params: data.map((d) => scalar(d)) };
    }
    throw protocolError('JSON-RPC: malformed error');
  }
  if (!('result' in reply)) throw protocolError('JSON-RPC: reply has neither result nor error');
  return { ok: true, id, result: fromJson(reply.result) };
}

function scalar(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw protocolError('JSON-RPC: error parameter is not a scalar');
}
