import { afterEach, expect, it, vi } from 'vitest';
import { EventStream } from '../src/api/events.ts';

afterEach(() => vi.unstubAllGlobals());

const vm = (uuid: string) => ({ $ref: `OpaqueRef:${uuid}`, uuid, name_label: uuid });

function streamOf(text: string): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

it('hands over events that arrived together one at a time, letting other work run between them', async () => {
  const changes = [1, 2, 3].map(
    (n) =>
      `event: changes\ndata: ${JSON.stringify([{ op: 'add', class: 'vm', uuid: `v${n}`, ref: `OpaqueRef:v${n}`, record: vm(`v${n}`) }])}\n\n`,
  );
  const snapshot = `event: snapshot\ndata: ${JSON.stringify({ records: { vm: { a: vm('a') } } })}\n\n`;
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => streamOf(snapshot + changes.join(''))),
  );

  const order: string[] = [];
  const stream = new EventStream({
    snapshot: () => void order.push('snapshot'),
    changes: (batch) => {
      order.push(`changes ${batch.map((c) => c.uuid).join()}`);
      // Queued now: runs before the next event only if the stream yields in between.
      queueMicrotask(() => order.push('other work'));
    },
    sessionEnded: () => void order.push('ended'),
    link: () => undefined,
  });
  stream.start();
  await vi.waitFor(() => expect(order.filter((o) => o.startsWith('changes'))).toHaveLength(3));
  stream.stop();
  expect(order).toEqual([
    'snapshot',
    'changes v1',
    'other work',
    'changes v2',
    'other work',
    'changes v3',
    'other work',
  ]);
});

it('says when the gateway refuses a stream for too many open windows, and tries again after retryAfter', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  try {
    const refusal = {
      error: 'TOO_MANY_STREAMS',
      message: 'Too many live views are open for this login.',
      retryAfter: 10,
    };
    const fetch = vi
      .fn()
      .mockResolvedValueOnce(new Response(JSON.stringify(refusal), { status: 429 }))
      .mockResolvedValueOnce(streamOf(`event: snapshot\ndata: ${JSON.stringify({ records: {} })}\n\n`));
    vi.stubGlobal('fetch', fetch);
    const links: string[] = [];
    const stream = new EventStream({
      snapshot: () => undefined,
      changes: () => undefined,
      sessionEnded: () => void links.push('ended'),
      link: (state, message) => void links.push(message ? `${state}: ${message}` : state),
    });
    stream.start();
    await vi.waitFor(() => expect(links).toContain('limited: Too many live views are open for this login.'));
    vi.advanceTimersByTime(9_000);
    expect(fetch).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    await vi.waitFor(() => expect(links.at(-1)).toBe('live'));
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(links).not.toContain('ended');
    stream.stop();
  } finally {
    vi.useRealTimers();
  }
});
