import type { Database } from '../db/database.ts';
import type { Lifecycle } from '../model/lifecycle.ts';
import type { ParamSpec } from './params.ts';
import { VOID, type Caller, type MethodSpec } from './registry.ts';

const vm: ParamSpec = { name: 'vm', type: 'string' };
const host: ParamSpec = { name: 'host', type: 'string' };
const startPaused: ParamSpec = { name: 'start_paused', type: 'bool' };
const force: ParamSpec = { name: 'force', type: 'bool' };

/** The VM power operations, each with an `Async.` form, and the roles XAPI gives them. */
export function vmMethods(db: Database, lifecycle: Lifecycle): MethodSpec[] {
  const op = (
    msg: string,
    params: ParamSpec[],
    role: MethodSpec['role'],
    run: (args: readonly unknown[], caller: Caller) => Promise<void>,
  ): MethodSpec => ({
    name: `VM.${msg}`,
    session: true,
    params: [vm, ...params],
    role,
    async: true,
    call: async (caller, args) => {
      await run(args, caller);
      return VOID;
    },
  });
  const ref = (args: readonly unknown[]): string => args[0] as string;
  return [
    op('start', [startPaused, force], 'vm-operator', (a, c) =>
      lifecycle.start(ref(a), { paused: a[1] === true, task: c.task }),
    ),
    op('start_on', [host, startPaused, force], 'vm-power-admin', (a, c) => {
      db.require('host', a[1] as string);
      return lifecycle.start(ref(a), { host: a[1] as string, paused: a[2] === true, task: c.task });
    }),
    op('clean_shutdown', [], 'vm-operator', (a, c) => lifecycle.shutdown(ref(a), 'clean', 'external', c.task)),
    op('hard_shutdown', [], 'vm-operator', (a, c) => lifecycle.shutdown(ref(a), 'hard', 'external', c.task)),
    op('shutdown', [], 'vm-operator', (a, c) => lifecycle.shutdown(ref(a), 'clean', 'external', c.task)),
    op('clean_reboot', [], 'vm-operator', (a, c) => lifecycle.reboot(ref(a), 'clean', 'external', c.task)),
    op('hard_reboot', [], 'vm-operator', (a, c) => lifecycle.reboot(ref(a), 'hard', 'external', c.task)),
    op('suspend', [], 'vm-operator', (a, c) => lifecycle.suspend(ref(a), c.task)),
    op('resume', [startPaused, force], 'vm-operator', (a, c) =>
      lifecycle.resume(ref(a), { paused: a[1] === true, task: c.task }),
    ),
    op('pause', [], 'vm-operator', (a, c) => lifecycle.pause(ref(a), true, c.task)),
    op('unpause', [], 'vm-operator', (a, c) => lifecycle.pause(ref(a), false, c.task)),
    op('pool_migrate', [host, { name: 'options', type: 'map' }], 'vm-power-admin', (a, c) =>
      lifecycle.migrate(ref(a), a[1] as string, c.task),
    ),
  ];
}
