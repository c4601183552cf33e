import type { Tasks } from '../model/tasks.ts';
import { param } from './params.ts';
import { roleOf, sessionOf, VOID, type MethodSpec } from './registry.ts';

/** `task.create`, `destroy`, `cancel` and the explicit setters a task's owner uses (`xapi_task.ml`). */
export function taskMethods(tasks: Tasks): MethodSpec[] {
  const task = param('self', 'task ref');
  const owned = (msg: string, type: string, write: (ref: string, value: unknown) => void): MethodSpec => ({
    name: `task.${msg}`,
    session: true,
    params: [task, param('value', type)],
    role: roleOf('task', msg),
    call: (caller, [ref, value]) => {
      tasks.assertMayOperate(sessionOf(caller), ref as string);
      write(ref as string, value);
      return VOID;
    },
  });
  return [
    {
      name: 'task.create',
      session: true,
      params: [param('label', 'string'), param('description', 'string')],
      role: roleOf('task', 'create'),
      call: (caller, [label, description]) =>
        tasks.create(label as string, caller.host, sessionOf(caller), description as string),
    },
    {
      name: 'task.destroy',
      session: true,
      params: [task],
      role: roleOf('task', 'destroy'),
      call: (caller, [ref]) => {
        tasks.assertMayOperate(sessionOf(caller), ref as string);
        tasks.destroy(ref as string);
        return VOID;
      },
    },
    {
      name: 'task.cancel',
      session: true,
      params: [param('task', 'task ref')],
      role: roleOf('task', 'cancel'),
      call: (caller, [ref]) => {
        tasks.assertMayOperate(sessionOf(caller), ref as string);
        tasks.cancel(ref as string);
        return VOID;
      },
    },
    owned('set_status', 'enum task_status_type', (ref, v) => tasks.write(ref, { status: v })),
    owned('set_progress', 'float', (ref, v) => tasks.write(ref, { progress: v })),
    owned('set_result', 'string', (ref, v) => tasks.write(ref, { result: v })),
    owned('set_error_info', 'string set', (ref, v) => tasks.write(ref, { error_info: v })),
  ];
}
