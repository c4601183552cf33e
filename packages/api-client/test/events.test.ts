import { afterEach, describe, expect, it } from 'vitest';
import { XapiConnection, type MalformedRecord } from '../src/connection.ts';
import { XapiError, XapiTransportError } from '../src/errors.ts';
import { watchEvents, type EventBatch, type WatchOptions } from '../src/events.ts';
import type { XapiSession } from '../src/session.ts';
import { XapiFloat, type XapiValue } from '../src/wire/values.ts';
import { startFakeXapi, type FakeXapi } from './support/fake-xapi.ts';

/** One scripted answer to `event.from`: a result, a XAPI error, a dropped connection, or a delayed result. */
type Step = { result: XapiValue } | { error: string } | { drop: true } | { delayMs: number; result: XapiValue };

interface EventFromCall {
  session: string;
  classes: XapiValue;
  token: string;
  timeout: number;
}

interface Harness {
  connection: XapiConnection;
  session: XapiSession;
  calls: EventFromCall[];
  logins: () => number;
}

const servers: FakeXapi[] = [];
const connections: XapiConnection[] = [];

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const vm = (name: string, power_state = 'Running') => ({ uuid: `uuid-${name}`, name_label: name, power_state });
const event = (cls: string, operation: string, ref: string, snapshot?: XapiValue) => ({
  id: '1',
  timestamp: '0.0',
  class: cls,
  operation,
  ref,
  ...(snapshot === undefined ? {} : { snapshot }),
});
const batch = (token: string, ...events: XapiValue[]) => ({ result: { events, valid_ref_counts: {}, token } });

/** A fake XAPI whose `event.from` follows `script`; once the script is spent, calls hang until aborted. */
async function harness(script: Step[]): Promise<Harness> {
  let logins = 0;
  const calls: EventFromCall[] = [];
  const never = new Promise<never>(() => {});
  const server = await startFakeXapi({
    raw: (req, _res, body) => {
      if (!body.includes('event.from') || !script[0] || !('drop' in script[0])) return false;
      script.shift();
      req.socket.destroy();
      return true;
    },
    handler: async (method, params) => {
      if (method === 'session.login_with_password') return `OpaqueRef:session-${++logins}`;
      if (method !== 'event.from') return '';
      const [session, classes, token, timeout] = params;
      calls.push({
        session: String(session),
        classes: classes ?? null,
        token: String(token),
        timeout: timeout instanceof XapiFloat ? timeout.value : Number(timeout),
      });
      const step = script.shift();
      if (!step) return never;
      if ('error' in step) throw new XapiError(step.error, step.error === 'SESSION_INVALID' ? [String(session)] : []);
      if ('delayMs' in step) await new Promise((resolve) => setTimeout(resolve, step.delayMs));
      return (step as { result: XapiValue }).result;
    },
  });
  servers.push(server);
  const connection = new XapiConnection({ url: server.url, timeoutMs: 5_000 });
  connections.push(connection);
  const session = await connection.login('root', 'secret');
  return { connection, session, calls, logins: () => logins };
}

/** Collects `count` batches, then stops the watch by leaving the loop. */
async function take<C extends 'VM' | 'host'>(
  session: XapiSession,
  count: number,
  options: Partial<WatchOptions<C>> = {},
): Promise<EventBatch<C>[]> {
  const batches: EventBatch<C>[] = [];
  const watch = watchEvents<C>(session, {
    classes: ['VM', 'host'] as C[],
    timeoutSeconds: 5,
    backoff: { initialMs: 10, maxMs: 40 },
    ...options,
  });
  for await (const item of watch) {
    batches.push(item);
    if (batches.length >= count) break;
  }
  return batches;
}

describe('watchEvents', () => {
  it('yields a snapshot, then typed changes, passing tokens and ignoring unwatched classes', async () => {
    const h = await harness([
      batch('t1', event('vm', 'add', 'OpaqueRef:vm1', vm('web01')), event('host', 'add', 'OpaqueRef:h1', {})),
      batch(
        't2',
        event('vm', 'mod', 'OpaqueRef:vm1', vm('web01', 'Halted')),
        event('sr', 'add', 'OpaqueRef:sr1', {}),
        event('bond', 'add', 'OpaqueRef:b1', {}),
        event('host', 'del', 'OpaqueRef:h1'),
      ),
      batch('t3'),
      batch('t4', event('vm', 'add', 'OpaqueRef:vm2', vm('db01'))),
    ]);
    const [snapshot, changes, more] = await take(h.session, 3);

    if (snapshot?.kind !== 'snapshot') return expect.unreachable('the first batch is a snapshot');
    expect(snapshot.token).toBe('t1');
    expect(snapshot.records.of('VM').get('OpaqueRef:vm1')?.name_label).toBe('web01');
    expect(snapshot.records.of('VM').get('OpaqueRef:vm1')?.memory_static_max).toBe(0);
    expect([...snapshot.records.of('host').keys()]).toEqual(['OpaqueRef:h1']);

    if (changes?.kind !== 'changes') return expect.unreachable('the second batch holds changes');
    expect(changes.token).toBe('t2');
    expect(changes.changes.map((c) => [c.operation, c.cls, c.ref])).toEqual([
      ['mod', 'VM', 'OpaqueRef:vm1'],
      ['del', 'host', 'OpaqueRef:h1'],
    ]);
    const mod = changes.changes[0]!;
    expect(mod.cls === 'VM' && mod.operation === 'mod' ? mod.record.power_state : undefined).toBe('Halted');

    // The empty `t3` batch is not yielded.
    expect(more).toMatchObject({ kind: 'changes', token: 't4' });
    expect(h.calls.map((c) => c.token)).toEqual(['', 't1', 't2', 't3']);
    expect(h.calls[0]!.classes).toEqual(['vm', 'host']);
    expect(h.calls[0]!.timeout).toBeLessThan(1);
    expect(h.calls[1]!.timeout).toBe(5);
    expect(new Set(h.calls.map((c) => c.session))).toEqual(new Set([h.session.ref]));
  });

  it('on SESSION_INVALID logs in again through relogin and resyncs with a fresh snapshot', async () => {
    const h = await harness([
      batch('t1', event('vm', 'add', 'OpaqueRef:vm1', vm('web01'))),
      { error: 'SESSION_INVALID' },
      batch('t9', event('vm', 'add', 'OpaqueRef:vm2', vm('db01'))),
      batch('t10', event('vm', 'del', 'OpaqueRef:vm1')),
    ]);
    const relogin = () => h.connection.login('root', 'secret');
    const batches = await take(h.session, 3, { relogin });
    expect(batches.map((b) => b.kind)).toEqual(['snapshot', 'snapshot', 'changes']);
    const resync = batches[1]!;
    expect(resync.kind === 'snapshot' ? [...resync.records.of('VM').keys()] : []).toEqual(['OpaqueRef:vm2']);
    expect(h.logins()).toBe(2);
    expect(h.calls.map((c) => [c.session, c.token])).toEqual([
      ['OpaqueRef:session-1', ''],
      ['OpaqueRef:session-1', 't1'],
      ['OpaqueRef:session-2', ''],
      ['OpaqueRef:session-2', 't9'],
    ]);
  });

  it('retries a relogin that failed in transit, and ends when relogin is refused', async () => {
    const h = await harness([batch('t1'), { error: 'SESSION_INVALID' }, { error: 'SESSION_INVALID' }, batch('t2')]);
    let attempts = 0;
    const relogin = async () => {
      attempts++;
      if (attempts === 1) throw new XapiTransportError('network', 'connection refused');
      return h.connection.login('root', 'secret');
    };
    const batches = await take(h.session, 2, { relogin });
    expect(batches.map((b) => b.kind)).toEqual(['snapshot', 'snapshot']);
    expect(attempts).toBe(2);

    const refused = await harness([batch('t1'), { error: 'SESSION_INVALID' }]);
    const error = await take(refused.session, 5, {
      relogin: async () => {
        throw new XapiError('SESSION_AUTHENTICATION_FAILED', ['root', 'Authentication failure']);
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as XapiError).code).toBe('SESSION_AUTHENTICATION_FAILED');
  });

  it('ends with SESSION_INVALID when there is no relogin', async () => {
    const h = await harness([batch('t1'), { error: 'SESSION_INVALID' }]);
    const error = await take(h.session, 5).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(XapiError);
    expect((error as XapiError).code).toBe('SESSION_INVALID');
    expect((error as XapiError).message).not.toContain(h.session.ref);
  });

  it('backs off after a transport error and resumes from the same token', async () => {
    const h = await harness([
      batch('t1', event('vm', 'add', 'OpaqueRef:vm1', vm('web01'))),
      // The first drop hits a pooled connection and is resent at once (event.from changes nothing);
      // the next two hit fresh connections and are retried after backing off.
      { drop: true },
      { drop: true },
      { drop: true },
      batch('t2', event('vm', 'mod', 'OpaqueRef:vm1', vm('web01', 'Paused'))),
    ]);
    const retries: [unknown, number][] = [];
    const batches = await take(h.session, 2, { onRetry: (error, delay) => void retries.push([error, delay]) });
    expect(batches.map((b) => b.kind)).toEqual(['snapshot', 'changes']);
    expect(retries.map(([error, delay]) => [(error as XapiTransportError).kind, delay])).toEqual([
      ['network', 10],
      ['network', 20],
    ]);
    expect(h.calls.map((c) => c.token)).toEqual(['', 't1']);
  });

  for (const code of ['EVENTS_LOST', 'EVENT_FROM_TOKEN_PARSE_FAILURE']) {
    it(`resyncs after ${code}`, async () => {
      const h = await harness([
        batch('t1'),
        { error: code },
        batch('t5', event('vm', 'add', 'OpaqueRef:vm3', vm('x'))),
      ]);
      const batches = await take(h.session, 2);
      expect(batches.map((b) => b.kind)).toEqual(['snapshot', 'snapshot']);
      expect(h.calls.map((c) => c.token)).toEqual(['', 't1', '']);
    });
  }

  it('resyncs after a reply it cannot parse', async () => {
    const h = await harness([
      batch('t1'),
      batch('t2', event('vm', 'mod', 'OpaqueRef:vm1')),
      batch('t3', event('vm', 'add', 'OpaqueRef:vm1', vm('ok'))),
    ]);
    const retries: unknown[] = [];
    const batches = await take(h.session, 2, { onRetry: (error) => void retries.push(error) });
    expect(batches.map((b) => b.kind)).toEqual(['snapshot', 'snapshot']);
    expect((retries[0] as XapiTransportError).kind).toBe('protocol');
  });

  it('leaves out a record that does not parse, reporting it, and goes on with every other record and change', async () => {
    const h = await harness([
      batch(
        't1',
        event('vm', 'add', 'OpaqueRef:bad', { ...vm('bad'), power_state: 42 }),
        event('vm', 'add', 'OpaqueRef:vm1', vm('web01')),
        event('host', 'add', 'OpaqueRef:h1', { uuid: 'h1', other_config: { __proto__: null, toString: 'x' } }),
      ),
      batch(
        't2',
        event('vm', 'mod', 'OpaqueRef:vm1', { ...vm('web01'), other_config: 'not a map' }),
        event('host', 'mod', 'OpaqueRef:h1', { uuid: 'h1', name_label: 'renamed' }),
      ),
      batch(
        't3',
        event('vm', 'mod', 'OpaqueRef:vm1', vm('web01', 'Halted')),
        event('vm', 'mod', 'OpaqueRef:bad', vm('fixed')),
      ),
    ]);
    const reported: MalformedRecord[] = [];
    h.connection.on('malformed-record', (malformed) => reported.push(malformed));
    const retries: unknown[] = [];
    const [snapshot, changes, later] = await take(h.session, 3, { onRetry: (error) => void retries.push(error) });

    if (snapshot?.kind !== 'snapshot') return expect.unreachable('the first batch is a snapshot');
    expect([...snapshot.records.of('VM').keys()]).toEqual(['OpaqueRef:vm1']);
    expect(snapshot.records.of('host').get('OpaqueRef:h1')?.other_config).toEqual({ toString: 'x' });
    // A record that became unreadable leaves the caches (a del) rather than staying as it was.
    if (changes?.kind !== 'changes') return expect.unreachable('the second batch holds changes');
    expect(changes.changes.map((c) => [c.operation, c.cls, c.ref])).toEqual([
      ['del', 'VM', 'OpaqueRef:vm1'],
      ['mod', 'host', 'OpaqueRef:h1'],
    ]);
    if (later?.kind !== 'changes') return expect.unreachable('the third batch holds changes');
    expect(
      later.changes.map((c) => [c.operation, c.ref, c.cls === 'VM' && c.operation !== 'del' && c.record.name_label]),
    ).toEqual([
      ['mod', 'OpaqueRef:vm1', 'web01'],
      ['mod', 'OpaqueRef:bad', 'fixed'],
    ]);
    expect(reported.map(({ cls, ref, error }) => [cls, ref, error.message])).toEqual([
      ['VM', 'OpaqueRef:bad', 'VM.power_state: unexpected number for a enum field'],
      ['VM', 'OpaqueRef:vm1', 'VM.other_config: unexpected string for a map field'],
    ]);
    // No retry, no resync: every call went on from the previous token.
    expect(retries).toEqual([]);
    expect(h.calls.map((c) => c.token)).toEqual(['', 't1', 't2']);
  });

  it('ends with other XAPI errors', async () => {
    const h = await harness([{ error: 'RBAC_PERMISSION_DENIED' }]);
    const error = await take(h.session, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as XapiError).code).toBe('RBAC_PERMISSION_DENIED');
  });

  it('gives event.from an HTTP deadline longer than its XAPI timeout', async () => {
    const h = await harness([
      batch('t1'),
      { delayMs: 400, result: batch('t2', event('vm', 'add', 'r', vm('slow'))).result },
    ]);
    const short = new XapiConnection({ url: h.connection.url, timeoutMs: 100 });
    connections.push(short);
    const session = await short.login('root', 'secret');
    const batches = await take(session, 2, { timeoutSeconds: 1 });
    expect(batches.map((b) => b.kind)).toEqual(['snapshot', 'changes']);
  });

  it('stops promptly and quietly when its signal is aborted mid-call', async () => {
    const h = await harness([batch('t1')]);
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const item of watchEvents(h.session, { classes: ['VM'], signal: controller.signal })) {
        seen.push(item.kind);
        // The next event.from blocks forever on the server: abort while it is pending.
        setTimeout(() => controller.abort(), 30);
      }
    })();
    await expect(done).resolves.toBeUndefined();
    expect(seen).toEqual(['snapshot']);
    expect(h.calls).toHaveLength(2);
  });

  it('does not start when the signal is already aborted', async () => {
    const h = await harness([]);
    const seen: unknown[] = [];
    for await (const item of watchEvents(h.session, { classes: ['VM'], signal: AbortSignal.abort() })) seen.push(item);
    expect(seen).toEqual([]);
    expect(h.calls).toEqual([]);
  });
});
