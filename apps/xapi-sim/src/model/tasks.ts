import { XapiError, xmlrpc, type XapiValue } from '@xwc/api-client';
import type { Database } from '../db/database.ts';

/** Task rows for `Async.` calls: pending, progressing, then success (result as XML-RPC text) or failure. */
export class Tasks {
  constructor(private readonly db: Database) {}

  create(name: string, host: string): string {
    return this.db.create('task', {
      name_label: name,
      name_description: '',
      created: new Date(),
      finished: new Date(0),
      status: 'pending',
      resident_on: host,
      progress: 0,
      type: '<none/>',
    });
  }

  progress(task: string, progress: number): void {
    if (this.db.get('task', task)?.status === 'pending') this.db.update('task', task, { progress });
  }

  /** Completes a task: XAPI stores a result value as its XML-RPC text and a void result as "". */
  succeed(task: string, result: XapiValue): void {
    if (!this.db.get('task', task)) return;
    this.db.update('task', task, {
      status: 'success',
      progress: 1,
      finished: new Date(),
      result: result === '' ? '' : xmlrpc.encodeValue(result),
    });
  }

  fail(task: string, error: unknown): void {
    if (!this.db.get('task', task)) return;
    const info = error instanceof XapiError ? [error.code, ...error.params] : ['INTERNAL_ERROR', String(error)];
    this.db.update('task', task, { status: 'failure', progress: 1, finished: new Date(), error_info: info });
  }
}
