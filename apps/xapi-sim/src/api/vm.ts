import type { Database } from '../db/database.ts';
import type { Lifecycle } from '../model/lifecycle.ts';
import { operationError, refreshAllowedOperations } from '../model/operations.ts';
import { param, type ParamSpec } from './params.ts';
import { roleOf, VOID, type Caller, type MethodSpec } from './registry.ts';

const vm = param('vm', 'VM ref');
const host = param('host', 'host ref');
const startPaused = param('start_paused', 'bool');
const force = param('force', 'bool');

/** The VM power operations, each with an `Async.` form and the role xapi's data model gives it. */
export function vmMethods(db: Database, lifecycle: Lifecycle): MethodSpec[] {
  const op = (
    msg: string,
    params: ParamSpec[],
    run: (args: readonly unknown[], caller: Caller) => Promise<void>,
  ): MethodSpec => ({
    name: `VM.${msg}`,
    session: true,
    params: [vm, ...params],
    role: roleOf('VM', msg),
    async: true,
    call: async (caller, args) => {
      await run(args, caller);
      return VOID;
    },
  });
  const ref = (args: readonly unknown[]): string => args[0] as string;
  return [
    op('start', [startPaused, force], (a, c) => lifecycle.start(ref(a), { paused: a[1] === true, task: c.task })),
    op('start_on', [host, startPaused, force], (a, c) => {
      db.require('host', a[1] as string);
      return lifecycle.start(ref(a), { host: a[1] as string, paused: a[2] === true, task: c.task });
    }),
    op('clean_shutdown', [], (a, c) => lifecycle.shutdown(ref(a), 'clean', 'external', c.task)),
    op('hard_shutdown', [], (a, c) => lifecycle.shutdown(ref(a), 'hard', 'external', c.task)),
    op('shutdown', [], (a, c) => lifecycle.shutdown(ref(a), 'clean', 'external', c.task)),
    op('clean_reboot', [], (a, c) => lifecycle.reboot(ref(a), 'clean', 'external', c.task)),
    op('hard_reboot', [], (a, c) => lifecycle.reboot(ref(a), 'hard', 'external', c.task)),
    op('suspend', [], (a, c) => lifecycle.suspend(ref(a), c.task)),
    op('resume', [startPaused, force], (a, c) => lifecycle.resume(ref(a), { paused: a[1] === true, task: c.task })),
    op('resume_on', [host, startPaused, force], (a, c) => {
      db.require('host', a[1] as string);
      return lifecycle.resume(ref(a), { host: a[1] as string, paused: a[2] === true, task: c.task });
    }),
    op('pause', [], (a, c) => lifecycle.pause(ref(a), true, c.task)),
    op('unpause', [], (a, c) => lifecycle.pause(ref(a), false, c.task)),
    op('pool_migrate', [host, param('options', '(string -> string) map')], (a, c) =>
      lifecycle.migrate(ref(a), a[1] as string, c.task),
    ),
    {
      // Checked leniently, as the operation itself would be (`strict:false`), whether or not the simulator performs it.
      name: 'VM.assert_operation_valid',
      session: true,
      params: [param('self', 'VM ref'), param('op', 'enum vm_operations')],
      role: roleOf('VM', 'assert_operation_valid'),
      async: true,
      call: (_, [self, operation]) => {
        const error = operationError(db, self as string, operation as string, false);
        if (error) throw error;
        return VOID;
      },
    },
    {
      name: 'VM.update_allowed_operations',
      session: true,
      params: [param('self', 'VM ref')],
      role: roleOf('VM', 'update_allowed_operations'),
      async: true,
      call: (_, [self]) => {
        db.require('VM', self as string);
        refreshAllowedOperations(db, self as string);
        return VOID;
      },
    },
  ];
}
