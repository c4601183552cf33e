import {
  findEntry,
  parsePatchKey,
  readExtension,
  ROLE_LABELS,
  roleAtLeast,
  validateKey,
  validateValue,
  type Entry,
  type ExtensionRecord,
  type RecordExtension,
  type Role,
} from '../shared/catalogue.ts';
import { emptyDict } from '../shared/dict.ts';
import type { NewEntry } from './drafts.ts';

/**
 * The extension form's logic, free of React: what a control shows for a stored value, how a typed value is checked
 * (the catalogue's own validateValue, so the browser refuses exactly what the gateway would), and the PATCH body made
 * of the changed keys only.
 */

/** A draft is the text the user entered, or null to remove the key. */
export type Draft = string | null;
export type Drafts = ReadonlyMap<string, Draft>;

/** The text a control shows for a value as stored (before any edit). */
export function inputOf(ext: Pick<RecordExtension, 'entry' | 'value' | 'raw'>): string {
  const type = ext.entry.type;
  switch (type.kind) {
    case 'boolean':
      if (type.convention === 'on-off')
        return ext.raw === undefined || ext.value === undefined ? '' : String(ext.value);
      return ext.value === true ? 'true' : 'false';
    case 'boot-order':
      return Array.isArray(ext.value) ? (ext.value as string[]).join('') : (ext.raw ?? '');
    case 'int':
      return ext.raw ?? '';
    default:
      return ext.raw ?? '';
  }
}

/** Whether an empty control means "remove the key" (back to the documented default) for this entry. */
export function emptyRemoves(entry: Entry): boolean {
  return entry.key !== undefined || entry.keyPattern !== undefined;
}

export type Checked =
  | { readonly ok: true; readonly normalized: string | null; readonly unchanged: boolean }
  | { readonly ok: false; readonly message: string };

/** Checks one draft against the catalogue; `key` is the patch key (`other_config:mtu`, `xenstore_data:vm-data/x`). */
export function checkDraft(cls: string, record: ExtensionRecord, role: Role, key: string, draft: Draft): Checked {
  const entry = findEntry(cls, key);
  if (!entry) return { ok: false, message: `${key} is not a documented extension of this object` };
  const mapKey = parsePatchKey(key).key;
  const keyProblem = validateKey(entry, mapKey);
  if (keyProblem !== undefined) return { ok: false, message: keyProblem };
  const input = draft === '' && emptyRemoves(entry) ? null : draft;
  const result = validateValue(entry, input, { record, role });
  if (!result.ok) return result;
  const current = readExtension(entry, record, entry.keyPattern !== undefined ? mapKey : undefined);
  const unchanged = result.normalized === null ? !current.isSet : result.normalized === current.raw;
  return { ok: true, normalized: result.normalized, unchanged };
}

export interface FormCheck {
  readonly patch: Readonly<Record<string, string | null>>;
  readonly errors: ReadonlyMap<string, string>;
  /** Keys whose draft differs from the stored value. */
  readonly changed: ReadonlySet<string>;
}

export function checkForm(cls: string, record: ExtensionRecord, role: Role, drafts: Drafts): FormCheck {
  const patch = emptyDict<string | null>();
  const errors = new Map<string, string>();
  const changed = new Set<string>();
  for (const [key, draft] of drafts) {
    const result = checkDraft(cls, record, role, key, draft);
    if (!result.ok) {
      errors.set(key, result.message);
      changed.add(key);
    } else if (!result.unchanged) {
      patch[key] = result.normalized;
      changed.add(key);
    }
  }
  return { patch, errors, changed };
}

/** A map entry being added, with its check; `shown` once the row was left or a save was tried. */
export interface AddedCheck {
  readonly entry: NewEntry;
  readonly patchKey: string;
  readonly result: Checked;
  readonly shown: boolean;
}

export interface ObjectCheck extends FormCheck {
  readonly added: readonly AddedCheck[];
  /** Problems the user can see now (new rows count once checked). */
  readonly shownProblems: number;
  /** Every problem, seen or not: nothing is saved while there is one. */
  readonly problems: number;
}

/** One object's drafts and new rows checked together: what its part of the page's PATCHes would be. */
export function checkObject(
  cls: string,
  record: ExtensionRecord,
  role: Role,
  drafts: Drafts,
  added: readonly NewEntry[],
): ObjectCheck {
  const form = checkForm(cls, record, role, drafts);
  const patch = { ...form.patch };
  const addedChecks = added.map((entry): AddedCheck => {
    const patchKey = `${entry.field}:${entry.key.trim()}`;
    const result: Checked =
      entry.key.trim() === ''
        ? { ok: false, message: 'Enter a key.' }
        : checkDraft(cls, record, role, patchKey, entry.value);
    if (result.ok) patch[patchKey] = result.normalized;
    return { entry, patchKey, result, shown: entry.checked };
  });
  const failed = addedChecks.filter((a) => !a.result.ok);
  return {
    ...form,
    patch,
    added: addedChecks,
    shownProblems: form.errors.size + failed.filter((a) => a.shown).length,
    problems: form.errors.size + failed.length,
  };
}

/** Why this role cannot change an entry (said once per section), or undefined when it can. */
export function roleLock(entry: Entry, role: Role): string | undefined {
  if (!entry.editable || roleAtLeast(role, entry.writeRole)) return undefined;
  return `Changing these needs the ${ROLE_LABELS[entry.writeRole]} role or higher; you are ${ROLE_LABELS[role]}.`;
}

/** Why nobody can change an entry now (read-only by nature, or a state of the object), or undefined. */
export function stateLock(entry: Entry, record: ExtensionRecord): string | undefined {
  if (!entry.editable) return entry.readOnlyReason;
  const condition = entry.writableWhen;
  if (condition && record[condition.field] === condition.notEquals) return condition.reason;
  return undefined;
}

/** Keys that only mean something on templates are listed for an ordinary VM only when set, keeping its form short. */
export function isRelevant(
  ext: Pick<RecordExtension, 'entry' | 'isSet'>,
  cls: string,
  record: ExtensionRecord,
): boolean {
  const templateOnly = ext.entry.group === 'Templates' || ext.entry.group === 'Installation';
  if (cls === 'VM' && templateOnly && record.is_a_template !== true) return ext.isSet;
  return true;
}

/** VCPU weight as XenCenter's slider: position v ∈ 0..8 ↔ weight 4^v (256 normal at 4), top clamped to 65536. */
export function weightFromSlider(position: number): number {
  return Math.min(65536, 4 ** Math.max(0, Math.min(8, Math.round(position))));
}

export function sliderFromWeight(weight: number): number {
  if (!Number.isFinite(weight) || weight <= 1) return 0;
  return Math.max(0, Math.min(8, Math.round(Math.log(weight) / Math.log(4))));
}
