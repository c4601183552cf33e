import { formatXapiDate, parseXapiDate } from '../wire/values.ts';
import { isHostnameOrIp, isOpaqueRef, isRepositoryUrl, isUuid } from './addresses.ts';
import { mapTextProblem } from './map-text.ts';
import type { ParsedValue, ValueType, VersionValue } from './types.ts';

/**
 * The meaning of each value kind: how a stored string parses (leniently, reporting problems) and
 * how an input string is checked and normalised before it is written (strictly).
 */

export interface Parsed {
  readonly value: ParsedValue | undefined;
  /** Why a stored value does not fit its documented form (the value is then XAPI's or XenCenter's reading). */
  readonly problem?: string;
}

const ok = (value: ParsedValue | undefined): Parsed => ({ value });
const odd = (value: ParsedValue | undefined, problem: string): Parsed => ({ value, problem });

/** Parses a stored value; `raw` is undefined when the key is absent. */
export function parseStored(type: ValueType, raw: string | undefined): Parsed {
  if (type.kind === 'boolean') return parseBoolean(type.convention, raw);
  if (raw === undefined) return ok(undefined);
  switch (type.kind) {
    case 'enum':
      return type.options.some((o) => o.value === raw) || (type.orUrl && isRepositoryUrl(raw))
        ? ok(raw)
        : odd(raw, `“${raw}” is not one of the documented values`);
    case 'int': {
      const text = raw.trim();
      if (!/^[+-]?\d+$/.test(text)) return odd(undefined, `“${raw}” is not a whole number`);
      const n = Number(text);
      return n < type.min || n > type.max ? odd(n, `${n} is outside ${type.min}–${type.max}`) : ok(n);
    }
    case 'boot-order': {
      const letters = raw.toLowerCase().split('');
      const known = type.devices.map((d) => d.letter);
      const order = letters.filter((l, i) => known.includes(l) && letters.indexOf(l) === i);
      if (order.length === 0) return odd(['c', 'd'], `“${raw}” names no boot device; XAPI boots "cd"`);
      return order.length === letters.length ? ok(order) : odd(order, `“${raw}” has unknown or repeated devices`);
    }
    case 'comma-list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      const unknown = items.filter((item) => !type.items.some((o) => o.value === item));
      return unknown.length ? odd(items, `unknown item ${unknown.map((u) => `“${u}”`).join(', ')}`) : ok(items);
    }
    case 'datetime': {
      const date = parseDatetime(type.format, raw);
      return date ? ok(date) : odd(undefined, `“${raw}” is not a ${DATETIME_NAMES[type.format]}`);
    }
    case 'hostname-or-ip':
      return raw === '' || isHostnameOrIp(raw) ? ok(raw) : odd(raw, `“${raw}” is not a host name or IP address`);
    case 'uuid-or-ref':
      if (isUuid(raw)) return ok({ form: 'uuid', id: raw.toLowerCase() });
      if (isOpaqueRef(raw)) return ok({ form: 'ref', id: raw });
      return odd(undefined, `“${raw}” is neither a UUID nor an opaque reference`);
    case 'version': {
      const version = parseVersion(raw);
      return version ? ok(version) : odd(undefined, `“${raw}” is not a major.minor.micro version`);
    }
    case 'text':
      return type.pattern && !new RegExp(type.pattern.regex).test(raw)
        ? odd(raw, `“${raw}” is not ${type.pattern.hint}`)
        : ok(raw);
  }
}

function parseBoolean(convention: Extract<ValueType, { kind: 'boolean' }>['convention'], raw: string | undefined) {
  switch (convention) {
    case 'exact-true':
      return raw === undefined || raw === 'true' || raw === 'false'
        ? ok(raw === 'true')
        : odd(false, `“${raw}” is not exactly "true", so it reads as false`);
    case 'prefer-true':
      return raw === undefined || raw === 'true' || raw === 'false'
        ? ok(raw !== 'false')
        : odd(true, `“${raw}” is not exactly "false", so it reads as true`);
    case 'presence':
      return ok(raw !== undefined);
    case 'on-off':
      if (raw === undefined) return ok(undefined);
      if (raw === 'on' || raw === 'true') return ok(true);
      if (raw === 'off' || raw === 'false') return ok(false);
      return odd(undefined, `“${raw}” is not on, true, off or false, so XAPI ignores it`);
  }
}

const DATETIME_NAMES = { iso8601: 'UTC ISO 8601 time', 'unix-seconds': 'Unix time in seconds' } as const;

function parseDatetime(format: 'iso8601' | 'unix-seconds', raw: string): Date | undefined {
  if (format === 'iso8601') return parseXapiDate(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim())) return undefined;
  return new Date(Number(raw) * 1000);
}

function parseVersion(raw: string): VersionValue | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(raw);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), micro: Number(m[3]), text: raw };
}

export type Normalized = { readonly ok: true; readonly normalized: string | null } | Refusal;
export interface Refusal {
  readonly ok: false;
  readonly message: string;
}

const accept = (normalized: string | null): Normalized => ({ ok: true, normalized });
const refuse = (message: string): Refusal => ({ ok: false, message });

const list = (values: readonly string[]): string =>
  values.length < 2 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;

/**
 * Checks a value about to be written and returns the exact string to store (null: remove the key).
 * `current` is the value the record holds now, for kinds whose bounds depend on it.
 */
export function normalizeInput(type: ValueType, input: string, label: string, current?: unknown): Normalized {
  switch (type.kind) {
    case 'boolean': {
      const onOff = type.convention === 'on-off';
      const truthy = input === 'true' || (onOff && input === 'on');
      const falsy = input === 'false' || (onOff && input === 'off');
      if (!truthy && !falsy) return refuse(`${label} must be ${onOff ? 'on, true, off or false' : 'true or false'}`);
      if (truthy) return accept('true');
      return accept(type.whenFalse === 'remove' || type.convention === 'presence' ? null : 'false');
    }
    case 'enum': {
      if (type.options.some((o) => o.value === input)) return accept(input);
      if (type.orUrl && isRepositoryUrl(input)) return accept(input);
      const values = type.options.map((o) => o.value);
      const choices = type.orUrl ? `${values.join(', ')} or an http, https, ftp or nfs URL` : list(values);
      return refuse(`${label} must be ${choices}${type.unit ? ` (${type.unit})` : ''}`);
    }
    case 'int': {
      const widen = type.widenToCurrent && typeof current === 'number' && Number.isSafeInteger(current);
      const min = widen ? Math.min(type.min, current) : type.min;
      const max = widen ? Math.max(type.max, current) : type.max;
      const n = /^-?\d+$/.test(input) ? Number(input) : NaN;
      if (!Number.isSafeInteger(n) || n < min || n > max) {
        return refuse(`${label} must be a whole number from ${min} to ${max}${type.unit ? ` ${type.unit}` : ''}`);
      }
      return accept(String(n));
    }
    case 'boot-order': {
      const devices = type.devices.map((d) => `${d.letter.toUpperCase()} (${d.label})`);
      const letters = input.toLowerCase().split('');
      if (letters.length === 0) return refuse(`${label} needs at least one device: ${list(devices)}`);
      const unknown = letters.find((l) => !type.devices.some((d) => d.letter === l));
      if (unknown !== undefined) return refuse(`${label} may contain only ${list(devices)}, not “${unknown}”`);
      const repeated = letters.find((l, i) => letters.indexOf(l) !== i);
      if (repeated !== undefined) return refuse(`${label} lists ${repeated.toUpperCase()} more than once`);
      return accept(letters.join(''));
    }
    case 'comma-list': {
      if (input === '') return accept('');
      const items = input.split(',').map((item) => item.trim());
      const allowed = type.items.map((o) => o.value);
      const bad = items.find((item) => !allowed.includes(item));
      if (bad !== undefined) return refuse(`${label} may include only ${list(allowed)}, not “${bad}”`);
      const repeated = items.find((item, i) => items.indexOf(item) !== i);
      if (repeated !== undefined) return refuse(`${label} lists “${repeated}” more than once`);
      return accept(items.join(','));
    }
    case 'datetime': {
      const date = parseDatetime(type.format, input);
      if (!date || input !== input.trim()) return refuse(`${label} must be a ${DATETIME_NAMES[type.format]}`);
      return accept(type.format === 'iso8601' ? formatXapiDate(date) : input);
    }
    case 'hostname-or-ip':
      if (input === '') return accept(null);
      return isHostnameOrIp(input)
        ? accept(input)
        : refuse(`${label} must be a host name or an IPv4 or IPv6 address (empty for local logging)`);
    case 'uuid-or-ref':
      return isUuid(input)
        ? accept(input.toLowerCase())
        : refuse(`${label} must be the ${type.of}'s UUID (opaque references are read but not written)`);
    case 'version':
      return refuse(`${label} is reported by the guest and cannot be written`);
    case 'text': {
      const problem = mapTextProblem(input);
      if (problem !== undefined) return refuse(`${label} ${problem}`);
      if (type.maxLength !== undefined && input.length > type.maxLength) {
        return refuse(`${label} must be at most ${type.maxLength} characters`);
      }
      if (type.pattern && !new RegExp(type.pattern.regex).test(input)) {
        return refuse(`${label} must be ${type.pattern.hint}`);
      }
      return accept(input);
    }
  }
}
