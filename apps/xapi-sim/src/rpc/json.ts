import type { jsonrpc } from '@xwc/api-client';
import { XapiFloat, XapiInt32, type XapiValue } from '@xwc/api-client';
import { dateJson } from '../db/wire.ts';

/**
 * The JSON-RPC reply encoder: the same bytes as `jsonrpc.encodeResult` (JSON.stringify with XAPI's replacer), but
 * values registered with `withJson` are written from their text, encoded once. `event.from` from token "" repeats
 * every record of a big pool, and a replacer call per value made that reply take minutes.
 */

const texts = new WeakMap<object, Buffer | (() => string)>();

/** Registers `value`'s JSON text, built by `text` the first time a reply holds it; `value` must never change. */
export function withJson<T extends object>(value: T, text: () => string): T {
  texts.set(value, text);
  return value;
}

/** The reply as a list of byte chunks (a big pool's reply would make one string of hundreds of MB). */
export function encodeResult(version: jsonrpc.JsonRpcVersion, id: jsonrpc.JsonRpcId, result: XapiValue): Buffer[] {
  const out = new Chunks();
  out.text(version === 2 ? '{"jsonrpc":"2.0","result":' : '{"result":');
  encode(result, out);
  out.text(`${version === 2 ? '' : ',"error":null'},"id":${JSON.stringify(id)}}`);
  return out.done();
}

class Chunks {
  readonly #chunks: Buffer[] = [];
  #pending = '';

  text(s: string): void {
    this.#pending += s;
  }

  bytes(b: Buffer): void {
    this.#flush();
    this.#chunks.push(b);
  }

  done(): Buffer[] {
    this.#flush();
    return this.#chunks;
  }

  #flush(): void {
    if (this.#pending === '') return;
    this.#chunks.push(Buffer.from(this.#pending, 'utf8'));
    this.#pending = '';
  }
}

/** What the replacer turns a leaf into: Dates as XAPI datetimes, the float and int32 wrappers as bare numbers. */
function leaf(value: unknown): unknown {
  if (value instanceof Date) return dateJson(value);
  if (value instanceof XapiFloat || value instanceof XapiInt32) return value.value;
  return value;
}

function encode(raw: unknown, out: Chunks): void {
  const value = leaf(raw);
  if (typeof value !== 'object' || value === null) {
    // undefined only reaches here as an array item, which JSON.stringify writes as null.
    out.text(JSON.stringify(value) ?? 'null');
    return;
  }
  const known = texts.get(value);
  if (known !== undefined) {
    const bytes = typeof known === 'function' ? Buffer.from(known(), 'utf8') : known;
    if (typeof known === 'function') texts.set(value, bytes);
    out.bytes(bytes);
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
