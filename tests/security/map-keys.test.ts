import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, takeEvents } from '../support/api.ts';
import { HOSTILE_KEYS, hostileMap, prototypeFingerprint } from '../support/hostile-keys.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Case 13 through the gateway: keys like `__proto__`, `constructor` and `toString` in a pool's maps are data. A pool
 * admin writes them through the raw other_config route, sees them in the object's GET answer, in the inventory and in
 * the event stream, removes them again through the gateway, and logging in still works. A record the pool sends
 * malformed costs only that object: the stream goes on for everything else.
 */

type Sse = { event: string; data: unknown };

/** One open `/api/events` stream, read in the background. */
class EventLog {
  readonly events: Sse[] = [];
  private readonly controller = new AbortController();
  private readonly reading: Promise<void>;
  private failure: unknown;

  constructor(stack: Stack, cookie: string) {
    this.reading = (async () => {
      const response = await fetch(`${stack.baseUrl}/api/events`, {
        headers: { cookie },
        signal: this.controller.signal,
      });
      const decoder = new TextDecoder();
      let pending = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        pending = takeEvents(pending + decoder.decode(chunk, { stream: true }), this.events);
      }
    })().catch((error: unknown) => {
      if (!this.controller.signal.aborted) this.failure = error;
    });
  }

  /** The first event (after `from`) that `match` accepts; fails after `timeoutMs`. */
  async until(match: (event: Sse) => boolean, what: string, from = 0, timeoutMs = 20_000): Promise<Sse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      if (this.failure !== undefined) throw this.failure;
      if (Date.now() > deadline) throw new Error(`no event with ${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.reading;
  }
}

type Change = { op: string; class: string; uuid: string; record?: Record<string, unknown> };
const changesOf = (event: Sse): Change[] => (event.event === 'changes' ? (event.data as Change[]) : []);
const otherConfigOf = (record: unknown): Record<string, string> =>
  (record as { other_config: Record<string, string> }).other_config;

let stack: Stack;
let root: string;

beforeAll(async () => {
  stack = await startStack();
  root = (await stack.login('root')).cookie;
});
afterAll(() => stack?.close());

/** The VM's other_config as the pool stores it. */
const stored = (ref: string): Record<string, string> =>
  stack.pool.record('VM', ref).other_config as Record<string, string>;

describe('13. map keys from the pool through the gateway', () => {
  it('writes, shows, streams and removes hostile keys; logging in still works', async () => {
    const fingerprint = prototypeFingerprint();
    const vm = stack.pool.vm('Ubuntu 24.04 build agent');
    const uuid = String(vm.record.uuid);
    const before = { ...otherConfigOf(vm.record) };
    const stream = new EventLog(stack, root);
    await stream.until((e) => e.event === 'snapshot', 'the snapshot');

    const map = hostileMap();
    const written = await api(stack, 'PATCH', `/api/objects/vm/${uuid}/other-config`, { cookie: root, body: map });
    expect(written.status, written.text).toBe(200);
    expect(otherConfigOf((written.body as { record: unknown }).record)).toEqual({ ...before, ...map });
    // Stored in the pool as entries of the map.
    expect(stored(vm.ref)).toEqual({ ...before, ...map });

    const view = await api<{ record: unknown }>(stack, 'GET', `/api/objects/vm/${uuid}`, { cookie: root });
    expect(otherConfigOf(view.body.record)).toEqual({ ...before, ...map });
    const inventory = await api<{ records: Record<string, unknown> }>(stack, 'GET', '/api/objects/vm', {
      cookie: root,
    });
    expect(otherConfigOf(inventory.body.records[uuid])).toEqual({ ...before, ...map });
    await stream.until(
      (e) =>
        changesOf(e).some(
          (c) => c.uuid === uuid && Object.keys(otherConfigOf(c.record)).length === HOSTILE_KEYS.length + 1,
        ),
      'the hostile keys',
    );
    const streamed = stream.events.flatMap(changesOf).filter((c) => c.uuid === uuid && c.record);
    expect(otherConfigOf(streamed.at(-1)!.record)).toEqual({ ...before, ...map });

    // A new login and a new stream see them too, at once.
    const second = (await stack.login('root')).cookie;
    const fresh = new EventLog(stack, second);
    const snapshot = await fresh.until((e) => e.event === 'snapshot', 'the snapshot');
    const records = (snapshot.data as { records: { vm: Record<string, unknown> } }).records.vm;
    expect(otherConfigOf(records[uuid])).toEqual({ ...before, ...map });
    await fresh.close();

    const mark = stream.events.length;
    const removal = Object.fromEntries(HOSTILE_KEYS.map((key) => [key, null]));
    const removed = await api(stack, 'PATCH', `/api/objects/vm/${uuid}/other-config`, { cookie: root, body: removal });
    expect(removed.status, removed.text).toBe(200);
    expect(stored(vm.ref)).toEqual(before);
    await stream.until(
      (e) => changesOf(e).some((c) => c.uuid === uuid && Object.keys(otherConfigOf(c.record)).length === 1),
      'the removal',
      mark,
    );
    await stream.close();

    const third = await stack.login('root');
    expect((await api(stack, 'GET', '/api/objects/vm', { cookie: third.cookie })).status).toBe(200);
    expect((await api(stack, 'GET', '/api/session', { cookie: third.cookie })).status).toBe(200);
    expect(prototypeFingerprint()).toBe(fingerprint);
  }, 60_000);

  it('removes a key another tool wrote that the gateway would not write, and refuses to rewrite it', async () => {
    const vm = stack.pool.vm('Debian 12 web');
    const uuid = String(vm.record.uuid);
    for (const key of ['tab\tkey', 'line\nfeed', 'nul\u0000key']) {
      stack.pool.setField('VM', vm.ref, 'other_config', { ...stored(vm.ref), [key]: 'written by a script' });
      const view = await api<{ record: unknown }>(stack, 'GET', `/api/objects/vm/${uuid}`, { cookie: root });
      expect(otherConfigOf(view.body.record)[key]).toBe('written by a script');
      const rewrite = await api(stack, 'PATCH', `/api/objects/vm/${uuid}/other-config`, {
        cookie: root,
        body: { [key]: 'new' },
      });
      expect(rewrite.status).toBe(400);
      expect(rewrite.body).toMatchObject({ error: 'INVALID_EXTENSION', key });
      const removed = await api(stack, 'PATCH', `/api/objects/vm/${uuid}/other-config`, {
        cookie: root,
        body: { [key]: null },
      });
      expect(removed.status, removed.text).toBe(200);
      expect(Object.hasOwn(stored(vm.ref), key)).toBe(false);
    }
  });

  it('leaves out a record the pool sends malformed, and goes on streaming everything else', async () => {
    const vm = stack.pool.vm('Windows Server 2022');
    const uuid = String(vm.record.uuid);
    const sr = stack.pool.findRefs('SR')[0]!;
    const srName = String(stack.pool.record('SR', sr).name_label);
    const stream = new EventLog(stack, root);
    await stream.until((e) => e.event === 'snapshot', 'the snapshot');

    // A wrongly typed field, as a broken or hostile pool could send: the VM leaves the inventory, nothing else does.
    let mark = stream.events.length;
    stack.pool.setField('VM', vm.ref, 'power_state', ['Running']);
    await stream.until((e) => changesOf(e).some((c) => c.uuid === uuid && c.op === 'del'), 'the VM left out', mark);
    expect(stack.logs.lines.some((line) => line.includes('left out a record the pool sent malformed'))).toBe(true);
    stack.pool.setField('SR', sr, 'name_label', 'Renamed while a VM is malformed');
    await stream.until(
      (e) => changesOf(e).some((c) => c.record?.name_label === 'Renamed while a VM is malformed'),
      'a later change of another class',
      mark,
    );
    // Only the call the malformed record belongs to fails; logging in and the inventory still work.
    const broken = await api(stack, 'GET', `/api/objects/vm/${uuid}`, { cookie: root });
    expect([502, 503]).toContain(broken.status);
    const again = await stack.login('root');
    const inventory = await api<{ records: Record<string, unknown> }>(stack, 'GET', '/api/objects/vm', {
      cookie: again.cookie,
    });
    expect(inventory.status).toBe(200);
    expect(Object.keys(inventory.body.records)).not.toContain(uuid);
    expect(Object.keys(inventory.body.records).length).toBeGreaterThan(5);

    // Readable again: the VM comes back with its next change.
    mark = stream.events.length;
    stack.pool.setField('VM', vm.ref, 'power_state', 'Running');
    await stream.until((e) => changesOf(e).some((c) => c.uuid === uuid && c.record !== undefined), 'the VM back', mark);
    stack.pool.setField('SR', sr, 'name_label', srName);
    await stream.close();
  }, 60_000);
});
