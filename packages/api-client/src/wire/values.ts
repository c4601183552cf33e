/**
 * The value model shared by both XAPI wire encodings.
 *
 * Decoders produce plain JS values (strings, numbers, booleans, null, Date, arrays, objects).
 * Encoders accept the same, plus `XapiFloat`, which forces a float encoding for values that
 * happen to be integral (XAPI writes `task.progress = 1.` as `<double>1</double>`, not as an int64),
 * and `XapiInt32`, which XML-RPC writes as `<i4>` (only `event.from`'s `valid_ref_counts` uses it).
 */
export type XapiValue =
  | string
  | number
  | boolean
  | null
  | Date
  | XapiFloat
  | XapiInt32
  | readonly XapiValue[]
  | { readonly [key: string]: XapiValue };

export type XapiStruct = { readonly [key: string]: XapiValue };

export class XapiFloat {
  constructor(readonly value: number) {}
}

export const float = (value: number): XapiFloat => new XapiFloat(value);

export class XapiInt32 {
  constructor(readonly value: number) {}
}

export const int32 = (value: number): XapiInt32 => new XapiInt32(value);

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** XAPI's datetime text: `YYYYMMDDTHH:MM:SSZ` (no hyphens, always UTC). */
export function formatXapiDate(date: Date): string {
  return (
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}Z`
  );
}

const XAPI_DATE = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses XAPI's datetime text; also accepts the hyphenated ISO 8601 form some hosts write. */
export function parseXapiDate(text: string): Date | undefined {
  const m = XAPI_DATE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function isStruct(value: unknown): value is XapiStruct {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof XapiFloat) &&
    !(value instanceof XapiInt32)
  );
}
