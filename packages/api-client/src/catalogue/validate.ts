import { roleAtLeast, ROLE_LABELS, type Role } from '../roles.ts';
import { isPlainField } from './lookup.ts';
import { mapTextProblem, quoteMapText } from './map-text.ts';
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
 * Checks the map key a caller chose for a pattern entry (`xenstore_data:vm-data/<key>`): the character rule of every
 * map write, then the entry's own key rule. Returns why it may not be written, or undefined.
 */
export function validateKey(entry: Entry, key: string | undefined): string | undefined {
  if (!entry.editable || entry.keyPattern === undefined || key === undefined) return undefined;
  const problem = mapTextProblem(key);
  if (problem !== undefined) return `The key ${quoteMapText(key)} ${problem}`;
  if (entry.keyRule && !new RegExp(entry.keyRule.regex).test(key)) return entry.keyRule.message;
  return undefined;
}

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
