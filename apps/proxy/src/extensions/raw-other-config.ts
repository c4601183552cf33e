import { findEntry, OBJECT_REF, type PlannedOperation } from '@xwc/api-client';

export type RawPlan = { ok: true; operations: PlannedOperation[] } | { ok: false; key: string; message: string };

const KEY = /^[\x21-\x7e][\x20-\x7e]{0,255}$/;
const MAX_VALUE = 4096;

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
    if (!KEY.test(key) || key.endsWith(' ')) {
      return {
        ok: false,
        key,
        message: 'Keys are 1–256 printable ASCII characters without leading or trailing spaces.',
      };
    }
    if (findEntry(cls, `other_config:${key}`)) {
      return {
        ok: false,
        key,
        message: `other_config:${key} is a documented extension: edit it in the Extensions panel.`,
      };
    }
    if (value !== null && typeof value !== 'string')
      return { ok: false, key, message: `${key} must be a string, or null to remove it.` };
    if (typeof value === 'string' && value.length > MAX_VALUE) {
      return { ok: false, key, message: `${key} is longer than ${MAX_VALUE} characters.` };
    }
    const old = Object.hasOwn(current, key) ? current[key] : undefined;
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
