import type { jsonrpc } from '@xwc/api-client';
import { XapiFloat, XapiInt32, type XapiValue } from '@xwc/api-client';
import { dateJson } from '../db/wire.ts';

/**
 * The JSON-RPC reply encoder: the same bytes as `jsonrpc.encodeResult` (JSON.stringify with XAPI's replacer), but
 * values registered with `withJson` are written from their text, encoded once. `event.from` from token "" repeats
 * every record of a big pool, and a replacer call per value made that reply take minutes.
 */

/** A hidden member rather than a WeakMap: hundreds of thousands of weak entries made every full collection slow. */
const JSON_TEXT = Symbol('json text');

interface Cached {
  readonly build: () => string;
  text?: string;
}

/** Attaches `value`'s JSON text, built by `text` the first time a reply holds it; `value` must never change. */
export function withJson<T extends object>(value: T, text: () => string): T {
  // Non-enumerable and symbol-keyed: invisible to JSON.stringify, the XML-RPC encoder and Object.keys.
  Object.defineProperty(value, JSON_TEXT, { value: { build: text } satisfies Cached });
  return value;
}

/** The reply's bytes, written piece by piece (a big pool's reply would make one string of hundreds of MB). */
export function encodeResult(version: jsonrpc.JsonRpcVersion, id: jsonrpc.JsonRpcId, result: XapiValue): Buffer {
  const out = new Pieces();
  out.text(version === 2 ? '{"jsonrpc":"2.0","result":' : '{"result":');
  encode(result, out);
  out.text(`${version === 2 ? '' : ',"error":null'},"id":${JSON.stringify(id)}}`);
  const pieces = out.done();
  let length = 0;
  for (const piece of pieces) length += Buffer.byteLength(piece, 'utf8');
  const bytes = Buffer.allocUnsafe(length);
  let offset = 0;
  for (const piece of pieces) offset += bytes.write(piece, offset, 'utf8');
  return bytes;
}

/** The reply's text in pieces: cached texts as they are, the small text around them gathered in one string. */
class Pieces {
  readonly #pieces: string[] = [];
  #pending = '';

  text(s: string): void {
    this.#pending += s;
  }

  cached(s: string): void {
    this.#pieces.push(this.#pending, s);
    this.#pending = '';
  }

  done(): string[] {
    this.#pieces.push(this.#pending);
    return this.#pieces;
  }
}

/** What the replacer turns a leaf into: Dates as XAPI datetimes, the float and int32 wrappers as bare numbers. */
function leaf(value: unknown): unknown {
  if (value instanceof Date) return dateJson(value);
  if (value instanceof XapiFloat || value instanceof XapiInt32) return value.value;
  return value;
}

function encode(raw: unknown, out: Pieces): void {
  const value = leaf(raw);
  if (typeof value !== 'object' || value === null) {
    // undefined only reaches here as an array item, which JSON.stringify writes as null.
    out.text(JSON.stringify(value) ?? 'null');
    return;
  }
  const cached = (value as { [JSON_TEXT]?: Cached })[JSON_TEXT];
  if (cached !== undefined) {
    out.cached((cached.text ??= cached.build()));
    return;
  }
  if (Array.isArray(value)) {
    out.text('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.text(',');
      encode(value[i], out);
    }
    out.text(']');
    return;
  }
  out.text('{');
  let first = true;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'function') continue;
    out.text(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
    first = false;
    encode(item, out);
  }
  out.text('}');
}
