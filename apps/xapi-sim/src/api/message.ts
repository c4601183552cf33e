import type { XapiStruct } from '@xwc/api-client';
import { compileFilter, parseFilter } from '../db/filter.ts';
import { wireRecord } from '../db/wire.ts';
import type { MessageRecord, Messages } from '../model/messages.ts';
import { param } from './params.ts';
import { roleOf, VOID, type MethodSpec } from './registry.ts';

const wire = (record: MessageRecord): XapiStruct => wireRecord('message', record as unknown as Record<string, unknown>);
const records = (list: [string, MessageRecord][]): XapiStruct =>
  Object.fromEntries(list.map(([ref, record]) => [ref, wire(record)]));

/** The `message` class: every message is explicit, since messages are not database rows (`xapi_message.ml`). */
export function messageMethods(messages: Messages): MethodSpec[] {
  const method = (msg: string, params: MethodSpec['params'], call: MethodSpec['call']): MethodSpec => ({
    name: `message.${msg}`,
    session: true,
    params,
    role: roleOf('message', msg),
    call,
  });
  return [
    method(
      'create',
      [
        param('name', 'string'),
        param('priority', 'int'),
        param('cls', 'enum cls'),
        param('obj_uuid', 'string'),
        param('body', 'string'),
      ],
      (_, [name, priority, cls, uuid, body]) =>
        messages.create(name as string, priority as number, cls as string, uuid as string, body as string),
    ),
    method('destroy', [param('self', 'message ref')], (_, [ref]) => {
      messages.destroy(ref as string);
      return VOID;
    }),
    method('destroy_many', [param('messages', 'message ref set')], (_, [refs]) => {
      for (const ref of refs as string[]) messages.destroy(ref);
      return VOID;
    }),
    method('get_record', [param('self', 'message ref')], (_, [ref]) => wire(messages.record(ref as string))),
    method('get_by_uuid', [param('uuid', 'string')], (_, [uuid]) => messages.byUuid(uuid as string)),
    method('get_all', [], () => messages.all().map(([ref]) => ref)),
    method('get_all_records', [], () => records(messages.all())),
    method('get_since', [param('since', 'datetime')], (_, [since]) =>
      records(messages.all((m) => m.timestamp > (since as Date))),
    ),
    method('get', [param('cls', 'enum cls'), param('obj_uuid', 'string'), param('since', 'datetime')], (_, args) =>
      records(messages.of(args[0] as string, args[1] as string, args[2] as Date)),
    ),
    method('get_all_records_where', [param('expr', 'string')], (_, [expr]) => {
      const matches = compileFilter('message', parseFilter(expr as string));
      return records(messages.all((m) => matches(m as unknown as Record<string, unknown>)));
    }),
  ];
}
