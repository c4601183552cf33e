import { findEntry, mapTextProblem, OBJECT_REF, ownValue, quoteMapText, type PlannedOperation } from '@xwc/api-client';

export type RawPlan = { ok: true; operations: PlannedOperation[] } | { ok: false; key: string; message: string };

/** Longest key and value written (characters); XAPI itself sets no bound, keys of 4 KiB are seen in the wild. */
const MAX_KEY = 4096;
const MAX_VALUE = 4096;

/** Why a key may not be written, or undefined: the catalogue's character rule (the extensions route's) and a length. */
function keyProblem(key: string): string | undefined {
  // XAPI's database refuses an empty key (Db_exn.Empty_key_in_map).
  if (key === '') return 'A key must not be empty.';
  const problem = mapTextProblem(key);
  if (problem !== undefined) return `The key ${quoteMapText(key)} ${problem}.`;
  if (key.length > MAX_KEY) return `The key ${quoteMapText(key)} is longer than ${MAX_KEY} characters.`;
  return undefined;
}

/**
 * Plans edits of `other_config` keys the catalogue does not know. Documented keys are refused here:
 * they must go through the validating extensions route.
 */
export function planRawOtherConfig(
  cls: string,
  current: Readonly<Record<string, string>>,
  patch: Readonly<Record<string, unknown>>,
): RawPlan {
  const operations: PlannedOperation[] = [];
  const method = (verb: 'add_to' | 'remove_from'): string => `${cls}.${verb}_other_config`;
  for (const [key, value] of Object.entries(patch)) {
    const refuse = (message: string): RawPlan => ({ ok: false, key, message });
    const old = ownValue(current, key);
    if (findEntry(cls, `other_config:${key}`)) {
      return refuse(`other_config:${quoteMapText(key)} is a documented extension: edit it in the Extensions panel.`);
    }
    if (value !== null && typeof value !== 'string') {
      return refuse(`The value of ${quoteMapText(key)} must be a string, or null to remove the key.`);
    }
    // Any key the object holds may be removed, whatever wrote it; only what is written must follow the rule.
    if (value !== null || old === undefined) {
      const problem = keyProblem(key);
      if (problem !== undefined) return refuse(problem);
    }
    if (value !== null) {
      const problem = mapTextProblem(value);
      if (problem !== undefined) return refuse(`The value of ${quoteMapText(key)} ${problem}.`);
      if (value.length > MAX_VALUE) {
        return refuse(`The value of ${quoteMapText(key)} is longer than ${MAX_VALUE} characters.`);
      }
    }
    if (old === value || (old === undefined && value === null)) continue;
    const restore = old === undefined ? undefined : { method: method('add_to'), args: [OBJECT_REF, key, old] };
    if (old !== undefined) {
      operations.push({
        method: method('remove_from'),
        args: [OBJECT_REF, key],
        undo: restore,
        description: `remove ${key}`,
      });
    }
    if (value !== null) {
      operations.push({
        method: method('add_to'),
        args: [OBJECT_REF, key, value],
        undo: { method: method('remove_from'), args: [OBJECT_REF, key] },
        description: `set ${key}`,
      });
    }
  }
  return { ok: true, operations };
}
