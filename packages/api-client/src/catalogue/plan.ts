import { dictOf, ownValue } from '../dict.ts';
import type { Role } from '../roles.ts';
import { mapWriteOf } from './fields.ts';
import { findAliasOf, findEntry, isPlainField, parsePatchKey, patchKeyOf } from './lookup.ts';
import { mapOf } from './read.ts';
import type { Entry, ExtensionRecord } from './types.ts';
import { validateKey, validateValue } from './validate.ts';

/** Arguments after the session ref: the object ref first, then strings, ints or whole maps. */
export type CallArg = string | number | Readonly<Record<string, string>>;

export interface XapiCall {
  readonly method: string;
  readonly args: readonly CallArg[];
}

export interface PlannedOperation extends XapiCall {
  /** The call that restores the state this operation changed; undefined when there is nothing to restore. */
  readonly undo: XapiCall | undefined;
  readonly description: string;
}

export type PatchPlan =
  | { readonly ok: true; readonly operations: readonly PlannedOperation[] }
  | { readonly ok: false; readonly key: string; readonly message: string };

export interface PlanContext {
  readonly role?: Role;
  /** The object's ref; the placeholder is used when it is not known yet. */
  readonly ref?: string;
}

/** Stands for the object ref in planned calls when the caller did not pass one. */
export const OBJECT_REF = '<object ref>';

interface Change {
  readonly entry: Entry;
  readonly key: string | undefined;
  readonly value: string | null;
}

/** One write to one place: a map key (null = remove) or a plain field. */
interface Write {
  readonly field: string;
  readonly key?: string;
  readonly value: string | null;
  readonly numeric?: boolean;
}

const quote = (value: string): string => `“${value}”`;

/**
 * Plans a PATCH of extensions, all or nothing. Every entry is validated first; the first bad key fails the whole
 * patch. Otherwise the result is the ordered XAPI calls that make the change, each with the undo that restores
 * what it changed, so that a failure part-way is rolled back by running the undos of the done calls in reverse.
 * Calls that apply a change (host.syslog_reconfigure) come last and have no undo.
 */
export function planPatch(
  cls: string,
  record: ExtensionRecord,
  patch: Readonly<Record<string, string | null>>,
  ctx: PlanContext = {},
): PatchPlan {
  const changes: Change[] = [];
  for (const [patchKey, input] of Object.entries(patch)) {
    const refusal = (message: string) => ({ ok: false, key: patchKey, message }) as const;
    if (typeof input !== 'string' && input !== null)
      return refusal(`${patchKey} must be a string, or null to remove it`);
    const entry = findEntry(cls, patchKey);
    if (!entry) {
      const owner = findAliasOf(cls, patchKey);
      return refusal(
        owner
          ? `${patchKey} is read as another spelling of ${patchKeyOf(owner)} but never written; set ${patchKeyOf(owner)} instead`
          : `${patchKey} is not a documented extension of ${cls}`,
      );
    }
    const { key } = parsePatchKey(patchKey);
    const keyProblem = validateKey(entry, key);
    if (keyProblem !== undefined) return refusal(keyProblem);
    const checked = validateValue(entry, input, { record, ...(ctx.role ? { role: ctx.role } : {}) });
    if (!checked.ok) return refusal(checked.message);
    changes.push({ entry, key, value: checked.normalized });
  }
  return { ok: true, operations: operationsFor(cls, record, changes, ctx.ref ?? OBJECT_REF) };
}

/** The writes a change makes: companions, the value itself, and (on removal) the alias spellings. */
function writesOf({ entry, key, value }: Change): Write[] {
  if (isPlainField(entry)) return [{ field: entry.field, value, numeric: entry.type.kind === 'int' }];
  const writes: Write[] = [];
  if (value !== null) {
    for (const [field, v] of Object.entries(entry.companionFields ?? {})) writes.push({ field, value: v });
  }
  writes.push({ field: entry.field, key, value });
  if (value !== null) {
    for (const [k, v] of Object.entries(entry.companionKeys ?? {}))
      writes.push({ field: entry.field, key: k, value: v });
  } else {
    // Removing a value must not leave an alias spelling that would still read as set.
    for (const alias of entry.aliases ?? []) {
      if (alias.key !== undefined) writes.push({ field: alias.field, key: alias.key, value: null });
    }
  }
  return writes;
}

function operationsFor(cls: string, record: ExtensionRecord, changes: readonly Change[], ref: string) {
  // Group writes by field, fields in the order they first appear; a later write to the same place wins.
  const byField = new Map<string, Map<string | undefined, Write>>();
  for (const write of changes.flatMap(writesOf)) {
    const writes = byField.get(write.field) ?? new Map<string | undefined, Write>();
    writes.set(write.key, write);
    byField.set(write.field, writes);
  }
  const operations: PlannedOperation[] = [];
  const changedFields = new Set<string>();
  for (const [field, writes] of byField) {
    const before = operations.length;
    for (const write of writes.values()) {
      if (write.key === undefined) operations.push(...setField(cls, record, write, ref));
    }
    const keyed = [...writes.values()].filter((w) => w.key !== undefined);
    if (keyed.length > 0) {
      const strategy = mapWriteOf(field);
      operations.push(...(strategy === 'set' ? setMap : editMap)(cls, record, field, keyed, ref));
    }
    if (operations.length > before) changedFields.add(field);
  }
  const applied = new Set<string>();
  for (const { entry } of changes) {
    const method = entry.applyWith;
    if (method === undefined || applied.has(method) || !changedFields.has(entry.field)) continue;
    applied.add(method);
    operations.push({ method, args: [ref], undo: undefined, description: `Apply the change (${method})` });
  }
  return operations;
}

function setField(cls: string, record: ExtensionRecord, write: Write, ref: string): PlannedOperation[] {
  const old = record[write.field];
  const value = write.numeric ? Number(write.value) : (write.value ?? '');
  if (old === value) return [];
  const method = `${cls}.set_${write.field}`;
  const restore = typeof old === 'string' || typeof old === 'number' ? old : undefined;
  return [
    {
      method,
      args: [ref, value],
      undo: restore === undefined ? undefined : { method, args: [ref, restore] },
      description: `Set ${write.field} to ${quote(String(value))}${restore === undefined ? '' : ` (was ${quote(String(restore))})`}`,
    },
  ];
}

function setMap(cls: string, record: ExtensionRecord, field: string, writes: readonly Write[], ref: string) {
  const old = mapOf(record, field);
  const next = dictOf(Object.entries(old));
  for (const { key, value } of writes) {
    if (value === null) delete next[key!];
    else next[key!] = value;
  }
  const changed = writes.filter(({ key, value }) => (value ?? undefined) !== ownValue(old, key!));
  if (changed.length === 0) return [];
  const method = `${cls}.set_${field}`;
  const what = changed.map(({ key, value }) => (value === null ? `remove ${key}` : `${key} = ${quote(value)}`));
  return [
    {
      method,
      args: [ref, next],
      undo: { method, args: [ref, old] },
      description: `Set ${field} to the whole new map (${what.join(', ')})`,
    },
  ];
}

function editMap(cls: string, record: ExtensionRecord, field: string, writes: readonly Write[], ref: string) {
  const old = mapOf(record, field);
  const remove = `${cls}.remove_from_${field}`;
  const add = `${cls}.add_to_${field}`;
  const operations: PlannedOperation[] = [];
  for (const { key, value } of writes) {
    const k = key!;
    const before = ownValue(old, k);
    if ((value ?? undefined) === before) continue;
    if (before !== undefined) {
      operations.push({
        method: remove,
        args: [ref, k],
        undo: { method: add, args: [ref, k, before] },
        description: `Remove ${field}:${k} (was ${quote(before)})`,
      });
    }
    if (value !== null) {
      operations.push({
        method: add,
        args: [ref, k, value],
        undo: { method: remove, args: [ref, k] },
        description: `Add ${field}:${k} = ${quote(value)}`,
      });
    }
  }
  return operations;
}
