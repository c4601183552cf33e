import { dictOf, emptyDict, ownValue } from '../dict.ts';
import { entriesOf, findEntry, isPlainField, patchKeyOf } from './lookup.ts';
import type { Entry, ExtensionRecord, ValueLocation, ParsedValue } from './types.ts';
import { parseStored } from './values.ts';

export interface ExtensionValue {
  /** The parsed value; the entry's default when the key is absent; undefined when absent without default or unusable. */
  readonly value: ParsedValue | undefined;
  /** The stored text, exactly as found. */
  readonly raw: string | undefined;
  readonly isSet: boolean;
  /** Where the value came from: the canonical place or one of the aliases. */
  readonly source: ValueLocation | undefined;
  /** Why a stored value does not fit the documented form. */
  readonly problem?: string;
}

export interface RecordExtension extends ExtensionValue {
  /** The patch key for this value (`other_config:HideFromXenCenter`, `xenstore_data:vm-data/foo`, `MTU`). */
  readonly key: string;
  readonly entry: Entry;
}

/** A map field of a record, without a prototype (every key is data); anything else reads as empty. */
export function mapOf(record: ExtensionRecord, field: string): Readonly<Record<string, string>> {
  const value = record[field];
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) return emptyDict();
  return dictOf(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** The text stored at a location, or undefined when absent (an empty plain string field counts as absent). */
function rawAt(record: ExtensionRecord, at: ValueLocation): string | undefined {
  if (at.key !== undefined) {
    return ownValue(mapOf(record, at.field), at.key);
  }
  const value = record[at.field];
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function compositeRaw(record: ExtensionRecord, field: string, keys: readonly string[]): string | undefined {
  const map = mapOf(record, field);
  if (!keys.some((k) => Object.hasOwn(map, k))) return undefined;
  return keys.map((k) => ownValue(map, k) ?? '?').join('.');
}

/**
 * Reads one extension from a record, honouring aliases (canonical place first) and absent defaults.
 * `key` names the concrete key of a pattern entry.
 */
export function readExtension(entry: Entry, record: ExtensionRecord, key?: string): ExtensionValue {
  let raw: string | undefined;
  let source: ValueLocation | undefined;
  if (entry.keys) {
    raw = compositeRaw(record, entry.field, entry.keys);
    source = raw === undefined ? undefined : { field: entry.field };
  } else {
    const canonicalKey = key ?? entry.key;
    if (canonicalKey === undefined && !isPlainField(entry)) {
      throw new TypeError(`${entry.id} is a pattern entry: readExtension needs a concrete key`);
    }
    const canonical: ValueLocation =
      canonicalKey === undefined ? { field: entry.field } : { field: entry.field, key: canonicalKey };
    for (const at of [canonical, ...(entry.aliases ?? [])]) {
      raw = rawAt(record, at);
      if (raw !== undefined) {
        source = at;
        break;
      }
    }
  }
  const isSet = raw !== undefined;
  const parsed = parseStored(entry.type, raw ?? entry.defaultWhenAbsent);
  return {
    value: parsed.value,
    raw,
    isSet,
    source,
    ...(isSet && parsed.problem !== undefined ? { problem: parsed.problem } : {}),
  };
}

/**
 * Every extension of `cls` that applies to a record: each fixed entry once (absent ones with their defaults),
 * and each pattern entry once per matching key the record holds (a key goes to its most specific entry).
 */
export function readExtensions(cls: string, record: ExtensionRecord): RecordExtension[] {
  const out: RecordExtension[] = [];
  for (const entry of entriesOf(cls)) {
    if (entry.keyPattern === undefined) {
      out.push({ key: patchKeyOf(entry), entry, ...readExtension(entry, record) });
      continue;
    }
    for (const key of Object.keys(mapOf(record, entry.field)).sort()) {
      const patchKey = patchKeyOf(entry, key);
      if (findEntry(cls, patchKey) === entry) out.push({ key: patchKey, entry, ...readExtension(entry, record, key) });
    }
  }
  return out;
}
