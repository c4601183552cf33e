import { afterAll, beforeAll, expect, it } from 'vitest';
import { readEvents } from '../support/api.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** On a large pool the device records follow the core snapshot in slices, so no browser task parses them all at once. */

let stack: Stack;
let root: string;

beforeAll(async () => {
  stack = await startStack({ pool: { seed: 'scale', hosts: 4, vms: 800 } });
  root = (await stack.login('root')).cookie;
});
afterAll(() => stack?.close());

it('sends the core classes first, then every device record as additions of at most 1,000 per message', async () => {
  const vbds = stack.pool.findRefs('VBD').map((ref) => String(stack.pool.record('VBD', ref).uuid));
  expect(vbds.length).toBeGreaterThanOrEqual(800);

  const added = new Set<string>();
  const events = await readEvents(
    stack,
    root,
    (seen) => {
      for (const e of seen.filter((e) => e.event === 'changes'))
        for (const c of e.data as { op: string; class: string; uuid: string }[])
          if (c.class === 'vbd' && c.op !== 'del') added.add(c.uuid);
      return vbds.every((uuid) => added.has(uuid));
    },
    20_000,
  );

  expect(events[0]!.event).toBe('snapshot');
  const snapshot = events[0]!.data as { records: Record<string, Record<string, unknown>> };
  expect(Object.keys(snapshot.records.vm!).length).toBeGreaterThan(800);
  expect(snapshot.records.vbd).toBeUndefined();
  const slices = events.filter((e) => e.event === 'changes').map((e) => (e.data as unknown[]).length);
  expect(slices.length).toBeGreaterThan(1);
  expect(Math.max(...slices)).toBeLessThanOrEqual(1000);
  expect(vbds.filter((uuid) => !added.has(uuid))).toEqual([]);
});
