import { OBJECT_REF, type PlannedOperation, type XapiCall, type XapiSession, type XapiValue } from '@xwc/api-client';

export type ApplyOutcome =
  { ok: true } | { ok: false; error: unknown; failed: string; rolledBack: boolean; rollbackError?: unknown };

const withRef = (call: XapiCall, ref: string): XapiValue[] =>
  call.args.map((arg) => (arg === OBJECT_REF ? ref : arg)) as XapiValue[];

/**
 * Runs planned writes in order. If one fails, the undos of the writes already made run in reverse,
 * so the object ends as it began; the outcome says whether that rollback itself succeeded.
 */
export async function applyPlan(
  xapi: XapiSession,
  ref: string,
  operations: readonly PlannedOperation[],
): Promise<ApplyOutcome> {
  const done: PlannedOperation[] = [];
  for (const operation of operations) {
    try {
      await xapi.call(operation.method, withRef(operation, ref), { timeoutMs: 120_000 });
      done.push(operation);
    } catch (error) {
      for (const made of done.reverse()) {
        if (!made.undo) continue;
        try {
          await xapi.call(made.undo.method, withRef(made.undo, ref), { timeoutMs: 120_000 });
        } catch (rollbackError) {
          return { ok: false, error, failed: operation.description, rolledBack: false, rollbackError };
        }
      }
      return { ok: false, error, failed: operation.description, rolledBack: true };
    }
  }
  return { ok: true };
}
