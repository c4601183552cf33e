import { setTimeout as sleep } from 'node:timers/promises';
import { protocolError, XapiError, XapiTransportError } from './errors.ts';
import { expectStruct } from './expect.ts';
import type { MalformedRecord } from './connection.ts';
import { parseRecordOrReport } from './records.ts';
import { classFromLowerCase, type KnownClass, type XapiRecord, type XapiRef } from './schema.ts';
import type { XapiSession } from './session.ts';
import { float, isStruct, type XapiValue } from './wire/values.ts';

export type AnyXapiRecord = { [K in KnownClass]: XapiRecord<K> }[KnownClass];

/** One object's change; narrowing on `cls` types `record`. */
export type XapiChange<C extends KnownClass = KnownClass> = {
  [K in C]:
    | { operation: 'add' | 'mod'; cls: K; ref: XapiRef; record: XapiRecord<K> }
    | { operation: 'del'; cls: K; ref: XapiRef };
}[C];

/** Records grouped by class; `of(cls)` gives the typed map (empty when the class has no objects). */
export class RecordsByClass extends Map<KnownClass, Map<XapiRef, AnyXapiRecord>> {
  of<K extends KnownClass>(cls: K): Map<XapiRef, XapiRecord<K>> {
    let records = this.get(cls);
    if (!records) this.set(cls, (records = new Map()));
    return records as unknown as Map<XapiRef, XapiRecord<K>>;
  }
}

/**
 * `snapshot`: the complete current state of the watched classes; replace any cache with it. Sent
 * first, and again after any resync (new session, lost events, unreadable token).
 * `changes`: what happened since the previous batch.
 */
export type EventBatch<C extends KnownClass = KnownClass> =
  | { kind: 'snapshot'; records: RecordsByClass; token: string }
  | { kind: 'changes'; changes: XapiChange<C>[]; token: string };

export interface WatchOptions<C extends KnownClass> {
  classes: readonly C[];
  /** How long each `event.from` may block server-side. Default 30 s. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Called on `SESSION_INVALID` for a fresh session; without it the watch ends with that error. */
  relogin?: () => Promise<XapiSession>;
  /** Delays between retries after transport errors: doubling from `initialMs` up to `maxMs`. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Told about every error the watcher recovers from, and how long it waits before retrying. */
  onRetry?: (error: unknown, delayMs: number) => void;
}

/** The XAPI timeout of the snapshot call: returns at once when objects exist, soon when none do. */
const SNAPSHOT_WAIT_SECONDS = 0.1;
/** Added to the XAPI timeout so the HTTP deadline never fires before XAPI answers an idle `event.from`. */
const HTTP_MARGIN_MS = 30_000;
/** Errors retrying cannot fix. */
const FATAL_TRANSPORT = new Set(['tls', 'too-large', 'aborted']);
const RESYNC_CODES = new Set(['EVENTS_LOST', 'EVENT_FROM_TOKEN_PARSE_FAILURE']);

interface EventFromResult<C extends KnownClass> {
  token: string;
  changes: XapiChange<C>[];
}

/**
 * One event. An event whose record does not parse costs only that object: it is reported and becomes a `del`, so
 * that no cache keeps a record that is no longer the pool's; the object returns with its next readable change.
 */
function parseChange<C extends KnownClass>(
  raw: XapiValue,
  watched: ReadonlySet<KnownClass>,
  report: (malformed: MalformedRecord) => void,
): XapiChange<C> | undefined {
  if (!isStruct(raw)) throw protocolError('event.from: event is not a struct');
  const cls = typeof raw.class === 'string' ? classFromLowerCase(raw.class) : undefined;
  if (!cls || !watched.has(cls)) return undefined;
  const { operation, ref } = raw;
  if (typeof ref !== 'string') throw protocolError('event.from: event without a ref');
  if (operation === 'del') return { operation, cls, ref } as XapiChange<C>;
  if (operation !== 'add' && operation !== 'mod') throw protocolError('event.from: unknown event operation');
  if (raw.snapshot === undefined) throw protocolError(`event.from: ${operation} event without a snapshot`);
  const record = parseRecordOrReport(cls, ref, raw.snapshot, report);
  return (record ? { operation, cls, ref, record } : { operation: 'del', cls, ref }) as XapiChange<C>;
}

function parseEventFrom<C extends KnownClass>(
  value: XapiValue,
  watched: ReadonlySet<KnownClass>,
  report: (malformed: MalformedRecord) => void,
): EventFromResult<C> {
  const result = expectStruct(value, 'event.from');
  if (typeof result.token !== 'string') throw protocolError('event.from: result without a token');
  if (!Array.isArray(result.events)) throw protocolError('event.from: result without events');
  const changes: XapiChange<C>[] = [];
  for (const raw of result.events as readonly XapiValue[]) {
    const change = parseChange<C>(raw, watched, report);
    if (change) changes.push(change);
  }
  return { token: result.token, changes };
}

/** One `event.from` call, from `token` (a snapshot without one), parsed into a batch. */
async function nextBatch<C extends KnownClass>(
  session: XapiSession,
  classes: readonly C[],
  watched: ReadonlySet<KnownClass>,
  token: string | undefined,
  wait: { signal: AbortSignal; timeoutMs: number; timeoutSeconds: number },
): Promise<EventBatch<C>> {
  const value = await session.call(
    'event.from',
    [
      classes.map((cls) => cls.toLowerCase()),
      token ?? '',
      float(token === undefined ? SNAPSHOT_WAIT_SECONDS : wait.timeoutSeconds),
    ],
    { signal: wait.signal, timeoutMs: wait.timeoutMs },
  );
  const result = parseEventFrom<C>(value, watched, (malformed) =>
    session.connection.emit('malformed-record', malformed),
  );
  if (token !== undefined) return { kind: 'changes', changes: result.changes, token: result.token };
  const records = new RecordsByClass(classes.map((cls) => [cls, new Map()]));
  for (const change of result.changes) {
    if (change.operation === 'del') records.get(change.cls)?.delete(change.ref);
    else records.of(change.cls).set(change.ref, change.record);
  }
  return { kind: 'snapshot', records, token: result.token };
}

/**
 * Follows changes to `classes` with `event.from`: a snapshot first, then change batches. Recovers
 * by itself where it can: transport errors back off and resume from the last token; SESSION_INVALID
 * logs in again (through `relogin`) and resyncs; EVENTS_LOST and a rejected token resync. A record
 * that does not parse is reported on the connection (`malformed-record`) and arrives as a `del`. Aborting
 * `signal` (or breaking out of the loop) ends the iteration without an error.
 */
export function watchEvents<C extends KnownClass>(
  session: XapiSession,
  options: WatchOptions<C>,
): AsyncIterable<EventBatch<C>> {
  return { [Symbol.asyncIterator]: () => watch(session, options) };
}

async function* watch<C extends KnownClass>(
  initial: XapiSession,
  options: WatchOptions<C>,
): AsyncGenerator<EventBatch<C>, void, undefined> {
  const watched = new Set<KnownClass>(options.classes);
  const timeoutSeconds = options.timeoutSeconds ?? 30;
  const timeoutMs = timeoutSeconds * 1000 + HTTP_MARGIN_MS;
  const initialDelay = options.backoff?.initialMs ?? 1_000;
  const maxDelay = options.backoff?.maxMs ?? 30_000;

  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  if (options.signal?.aborted) return;
  options.signal?.addEventListener('abort', onAbort, { once: true });

  let session = initial;
  let token: string | undefined;
  let delay = initialDelay;
  const pause = async (error: unknown): Promise<void> => {
    options.onRetry?.(error, delay);
    await sleep(delay, undefined, { signal: stop.signal }).catch(() => {});
    delay = Math.min(delay * 2, maxDelay);
  };

  try {
    while (!stop.signal.aborted) {
      try {
        const batch = await nextBatch(session, options.classes, watched, token, {
          signal: stop.signal,
          timeoutMs,
          timeoutSeconds,
        });
        delay = initialDelay;
        token = batch.token;
        if (batch.kind === 'snapshot' || batch.changes.length > 0) yield batch;
      } catch (error) {
        if (stop.signal.aborted) return;
        if (error instanceof XapiError && error.code === 'SESSION_INVALID') {
          if (!options.relogin) throw error;
          // Invalid again before a snapshot arrived: the new session did not last; do not spin.
          if (token === undefined) await pause(error);
          token = undefined;
          try {
            session = await options.relogin();
          } catch (loginError) {
            if (!(loginError instanceof XapiTransportError) || FATAL_TRANSPORT.has(loginError.kind)) throw loginError;
            await pause(loginError);
          }
        } else if (error instanceof XapiError && RESYNC_CODES.has(error.code)) {
          if (token === undefined) await pause(error);
          token = undefined;
        } else if (error instanceof XapiTransportError && !FATAL_TRANSPORT.has(error.kind)) {
          // A reply that does not parse may have lost events: resync rather than trust the token.
          if (error.kind === 'protocol') token = undefined;
          await pause(error);
        } else throw error;
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}
