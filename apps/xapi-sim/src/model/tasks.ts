import { randomUUID } from 'node:crypto';
import { XapiError, xmlrpc, type XapiValue } from '@xwc/api-client';
import type { SessionInfo } from '../auth/accounts.ts';
import type { Database } from '../db/database.ts';
import { assertPermitted, check } from '../api/rbac.ts';

/** Who a task belongs to: its creator's user (`TaskHelper.are_auth_user_ids_of_sessions_equal`). */
type Owner = Pick<SessionInfo, 'username'>;

const COMPLETED = new Set(['success', 'failure', 'cancelled']);

/**
 * Task rows: the tasks of `Async.` calls (pending, progressing, then success with the result as XML-RPC text, failure
 * or cancelled) and the ones clients make with `task.create`. A task may be cancelled or destroyed by its owner's
 * sessions, or by a session holding `task.destroy/any` (pool-operator); a pending task asked to be destroyed goes
 * when it completes (xapi's task GC, here at once).
 */
export class Tasks {
  readonly #owners = new Map<string, string>();

  constructor(private readonly db: Database) {}

  create(name: string, host: string, owner: Owner | undefined, description = ''): string {
    const task = this.db.create('task', {
      name_label: name,
      name_description: description,
      created: new Date(),
      finished: new Date(0),
      status: 'pending',
      resident_on: host,
      progress: 0,
      type: '<none/>',
    });
    if (owner) this.#owners.set(task, owner.username);
    return task;
  }

  /** `TaskHelper.assert_op_valid`: one's own task, or the `task.destroy/any` permission. */
  assertMayOperate(session: SessionInfo, task: string): void {
    this.db.require('task', task);
    if (this.#owners.get(task) === session.username) return;
    assertPermitted(session, [check('task.destroy/any', 'pool-operator')]);
  }

  /** `task.destroy`: a completed task goes now, a pending one is marked and goes when it completes. */
  destroy(task: string): void {
    const row = this.db.require('task', task);
    if (COMPLETED.has(row.status as string)) this.#remove(task);
    else this.db.update('task', task, { current_operations: { ...this.#ops(task), task: 'destroy' } });
  }

  /** `task.cancel`: records the request; the task's operation honours it while it still can. */
  cancel(task: string): void {
    this.db.require('task', task);
    this.db.update('task', task, { current_operations: { [`OpaqueRef:${randomUUID()}`]: 'cancel' } });
  }

  isCancelling(task: string): boolean {
    return this.db.get('task', task) !== undefined && Object.values(this.#ops(task)).includes('cancel');
  }

  /** `TaskHelper.set_cancellable` / `set_not_cancellable`. */
  setCancellable(task: string, cancellable: boolean): void {
    if (this.db.get('task', task)?.status === 'pending') {
      this.db.update('task', task, { allowed_operations: cancellable ? ['cancel'] : [] });
    }
  }

  /** An owner's explicit write (`task.set_status`, `set_progress`…). */
  write(task: string, patch: Record<string, unknown>): void {
    this.db.update('task', task, patch);
  }

  progress(task: string, progress: number): void {
    if (this.db.get('task', task)?.status === 'pending') this.db.update('task', task, { progress });
  }

  /** Completes a task: XAPI stores a result value as its XML-RPC text and a void result as "". */
  succeed(task: string, result: XapiValue): void {
    if (this.db.get('task', task)?.status !== 'pending') return;
    this.#complete(task, { status: 'success', result: result === '' ? '' : xmlrpc.encodeValue(result) });
  }

  /** `TaskHelper.failed`: TASK_CANCELLED makes the task cancelled, any other error a failure. */
  fail(task: string, error: unknown): void {
    if (this.db.get('task', task)?.status !== 'pending') return;
    const info = error instanceof XapiError ? [error.code, ...error.params] : ['INTERNAL_ERROR', String(error)];
    this.#complete(task, { status: info[0] === 'TASK_CANCELLED' ? 'cancelled' : 'failure', error_info: info });
  }

  #complete(task: string, patch: Record<string, unknown>): void {
    this.db.update('task', task, { progress: 1, finished: new Date(), allowed_operations: [], ...patch });
    if (Object.values(this.#ops(task)).includes('destroy')) this.#remove(task);
  }

  #remove(task: string): void {
    this.db.destroy('task', task);
    this.#owners.delete(task);
  }

  #ops(task: string): Record<string, string> {
    return this.db.require('task', task).current_operations as Record<string, string>;
  }
}
