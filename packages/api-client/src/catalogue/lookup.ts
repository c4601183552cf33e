import { CATALOGUE } from './catalogue.ts';
import type { Entry } from './types.ts';

/**
 * Finding entries by XAPI's names. A patch key is `<field>:<key>` (`other_config:HideFromXenCenter`,
 * `xenstore_data:vm-data/foo`) or a plain field name (`MTU`). Field names never contain ":", keys may.
 */

export interface PatchKey {
  readonly field: string;
  readonly key?: string;
}

export function parsePatchKey(patchKey: string): PatchKey {
  const colon = patchKey.indexOf(':');
  return colon < 0 ? { field: patchKey } : { field: patchKey.slice(0, colon), key: patchKey.slice(colon + 1) };
}

/** The patch key that addresses an entry (for a pattern entry, at a concrete key). */
export function patchKeyOf(entry: Entry, key?: string): string {
  const k = key ?? entry.key ?? entry.keys?.join('.');
  return k === undefined ? entry.field : `${entry.field}:${k}`;
}

export function isPlainField(entry: Entry): boolean {
  return entry.key === undefined && entry.keyPattern === undefined && entry.keys === undefined;
}

const PATTERNS = new Map<string, RegExp>();

function patternRegExp(pattern: string): RegExp {
  let re = PATTERNS.get(pattern);
  if (!re) {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    // `*` matches any text, line breaks included: a key is matched to its entry before its characters are judged.
    re = new RegExp(`^${source}$`, 's');
    PATTERNS.set(pattern, re);
  }
  return re;
}

/** How specifically an entry names `key`: exact names beat patterns, longer literal patterns beat shorter ones. */
function specificity(entry: Entry, key: string): number {
  if (entry.key === key) return Infinity;
  if (entry.keys && (entry.keys.includes(key) || entry.keys.join('.') === key)) return Infinity;
  if (entry.keyPattern !== undefined && patternRegExp(entry.keyPattern).test(key)) {
    return entry.keyPattern.replaceAll('*', '').length;
  }
  return -1;
}

const BY_CLASS = new Map<string, Entry[]>();
for (const entry of CATALOGUE) {
  const list = BY_CLASS.get(entry.cls) ?? [];
  list.push(entry);
  BY_CLASS.set(entry.cls, list);
}

/** The entries of one class, in catalogue order. */
export function entriesOf(cls: string): readonly Entry[] {
  return BY_CLASS.get(cls) ?? [];
}

export function entryById(id: string): Entry | undefined {
  return CATALOGUE.find((entry) => entry.id === id);
}

/** The entry a patch key addresses, or undefined when it is not a documented extension of `cls`. */
export function findEntry(cls: string, patchKey: string): Entry | undefined {
  const { field, key } = parsePatchKey(patchKey);
  let best: Entry | undefined;
  let bestScore = -1;
  for (const entry of entriesOf(cls)) {
    if (entry.field !== field) continue;
    const score = key === undefined ? (isPlainField(entry) ? Infinity : -1) : specificity(entry, key);
    if (score > bestScore) {
      best = entry;
      bestScore = score;
    }
  }
  return best;
}

/** The entry that reads `patchKey` as an alias (another spelling that is read but never written). */
export function findAliasOf(cls: string, patchKey: string): Entry | undefined {
  const { field, key } = parsePatchKey(patchKey);
  return entriesOf(cls).find((entry) => entry.aliases?.some((a) => a.field === field && a.key === key));
}
