import { roleAtLeast, ROLE_LABELS, type Role } from '../roles.ts';
import { isPlainField } from './lookup.ts';
import { readExtension } from './read.ts';
import type { Entry, ExtensionRecord } from './types.ts';
import { normalizeInput, type Normalized } from './values.ts';

export interface ValidationContext {
  /** The record as it is now (for bounds that widen to the current value and for write conditions). */
  readonly record: ExtensionRecord;
  /** The caller's role, when known: writes it cannot make are refused up front rather than by XAPI. */
  readonly role?: Role;
}

export type ValidationResult = Normalized;

/**
 * Checks one value for an entry and returns the exact string to store, or null to remove the key.
 * `input` null asks for removal.
 */
export function validateValue(entry: Entry, input: string | null, context: ValidationContext): ValidationResult {
  if (!entry.editable) return { ok: false, message: entry.readOnlyReason };
  if (context.role !== undefined && !roleAtLeast(context.role, entry.writeRole)) {
    return {
      ok: false,
      message:
        `Changing ${entry.label} needs the ${ROLE_LABELS[entry.writeRole]} role or higher ` +
        `(this session has ${ROLE_LABELS[context.role]})`,
    };
  }
  const condition = entry.writableWhen;
  if (condition && context.record[condition.field] === condition.notEquals) {
    return { ok: false, message: condition.reason };
  }
  if (input === null) {
    return isPlainField(entry)
      ? { ok: false, message: `${entry.label} cannot be removed: it is a field of the object, not a map key` }
      : { ok: true, normalized: null };
  }
  const current = entry.keyPattern === undefined ? readExtension(entry, context.record) : undefined;
  return normalizeInput(entry.type, input, entry.label, current?.isSet ? current.value : undefined);
}
