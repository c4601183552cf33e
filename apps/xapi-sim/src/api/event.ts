import { int32, XapiError, type XapiStruct, type XapiValue } from '@xwc/api-client';
import type { Accounts } from '../auth/accounts.ts';
import type { ChangedRow, Database, Render } from '../db/database.ts';
import { EVENT_TABLES, TABLE_NAMES, type TableName } from '../db/tables.ts';
import { recordJson, wireRecord } from '../db/wire.ts';
import type { MessageEvent, Messages } from '../model/messages.ts';
import { withJson } from '../rpc/json.ts';
import { param } from './params.ts';
import { sessionOf, type MethodSpec } from './registry.ts';

type Subscription = { readonly all: true } | { readonly all: false; readonly table: string; readonly ref?: string };

/** `"*"`, `"<class>"` (any case) or `"<class>/<ref>"`; anything else fails as XAPI's parser does. */
function parseSubscription(text: string): Subscription {
  if (text === '*') return { all: true };
  const parts = text.split('/');
  if (parts.length === 1) return { all: false, table: text.toLowerCase() };
  if (parts.length === 2) return { all: false, table: parts[0]!.toLowerCase(), ref: parts[1]! };
  throw new XapiError('EVENT_SUBSCRIPTION_PARSE_FAILURE', [text]);
}

const TOKEN = /^(-?\d+),(-?\d+)$/;

/** `%020Ld,%020Ld` (database generation, message generation); `""` means from the beginning. */
export function formatToken(generation: number, messageGeneration = 0): string {
  return `${String(generation).padStart(20, '0')},${String(messageGeneration).padStart(20, '0')}`;
}

function parseToken(token: string): { since: number; messagesSince: number } {
  if (token === '') return { since: 0, messagesSince: 0 };
  const m = TOKEN.exec(token);
  if (!m) throw new XapiError('EVENT_FROM_TOKEN_PARSE_FAILURE', [token]);
  return { since: Number(m[1]), messagesSince: Number(m[2]) };
}

/** `event.from` and `event.inject` (`xapi_event.ml`). */
export function eventMethods(db: Database, accounts: Accounts, messages: Messages): MethodSpec[] {
  return [
    {
      name: 'event.from',
      session: true,
      params: [param('classes', 'string set'), param('token', 'string'), param('timeout', 'float')],
      role: 'read-only',
      call: (caller, [classes, token, timeout]) =>
        eventFrom(
          { db, accounts, messages },
          sessionOf(caller).ref,
          classes as string[],
          token as string,
          timeout as number,
        ),
    },
    {
      name: 'event.inject',
      session: true,
      params: [param('class', 'string'), param('ref', 'string')],
      role: 'read-only',
      call: (_, [cls, ref]) => {
        const table = db.tableOf(ref as string);
        if (!table || table.toLowerCase() !== (cls as string).toLowerCase()) {
          throw new XapiError('HANDLE_INVALID', [cls as string, ref as string]);
        }
        db.touch(table, ref as string);
        return formatToken(db.generation - 1);
      },
    },
  ];
}

interface EventSources {
  readonly db: Database;
  readonly accounts: Accounts;
  readonly messages: Messages;
}

/**
 * Blocks until a subscribed object changes after `token` or `timeout` seconds pass (empty batches are not
 * returned while time remains), then reports messages written and deleted, then adds, mods and dels. A session
 * destroyed while waiting fails with SESSION_INVALID.
 */
async function eventFrom(
  { db, accounts, messages }: EventSources,
  session: string,
  classes: readonly string[],
  token: string,
  timeout: number,
): Promise<XapiValue> {
  const subscriptions = classes.map(parseSubscription);
  const { since, messagesSince } = parseToken(token);
  const wantsMessages = subscriptions.some((s) => s.all || (s.table === 'message' && s.ref === undefined));
  const deadline = Date.now() + Math.max(0, timeout) * 1000;
  const accept = (table: TableName, ref: string): boolean =>
    EVENT_TABLES.has(table) &&
    subscriptions.some((s) => s.all || (s.table === table.toLowerCase() && (s.ref === undefined || s.ref === ref)));
  for (;;) {
    if (!accounts.lookup(session)) throw new XapiError('SESSION_INVALID', [session]);
    const generation = db.generation;
    const { adds, mods, dels } = db.changesSince(since, accept);
    const written = wantsMessages ? messages.eventsSince(messagesSince) : { generation: 0, events: [] };
    if (written.events.length + adds.length + mods.length + dels.length > 0 || Date.now() >= deadline) {
      const event = (operation: string, withSnapshot: boolean) => (row: ChangedRow) =>
        eventRecord(db, row, operation, withSnapshot);
      return {
        events: [
          ...written.events.map(messageEvent),
          ...adds.map(event('add', true)),
          ...mods.map(event('mod', true)),
          ...dels.map(event('del', false)),
        ],
        valid_ref_counts: Object.fromEntries(TABLE_NAMES.map((t) => [t.toLowerCase(), int32(db.count(t))])),
        token: formatToken(generation, written.generation),
      };
    }
    await nextChange(db, accounts, session, deadline - Date.now());
  }
}

function eventRecord(db: Database, row: ChangedRow, operation: string, withSnapshot: boolean): XapiStruct {
  const event: Record<string, XapiValue> = {
    id: String(row.generation),
    timestamp: '0.0',
    class: row.table.toLowerCase(),
    operation,
    ref: row.ref,
  };
  if (withSnapshot) event.snapshot = db.rendered(row.table, row.ref, eventSnapshot);
  return event;
}

/** A row's event snapshot: the wire struct (XML-RPC) carrying its JSON text, encoded once per version of the row. */
export const eventSnapshot: Render<XapiStruct> = (table, record) =>
  Object.freeze(withJson(wireRecord(table, record), () => recordJson(table, record)));

/** A message written or deleted: xapi's event carries id 0 and, for a write, the message as its snapshot. */
function messageEvent(change: MessageEvent): XapiStruct {
  const event: Record<string, XapiValue> = {
    id: '0',
    timestamp: '0.0',
    class: 'message',
    operation: change.operation,
    ref: change.ref,
  };
  if (change.operation === 'add') event.snapshot = wireRecord('message', { ...change.record });
  return event;
}

/** Resolves on the next database write, when `session` is destroyed, or after `ms`. */
function nextChange(db: Database, accounts: Accounts, session: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      offChange();
      offDestroyed();
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref();
    const offChange = db.onChange(done);
    const offDestroyed = accounts.onDestroyed((ref) => {
      if (ref === session) done();
    });
  });
}
