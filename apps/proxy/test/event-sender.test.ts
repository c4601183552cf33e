import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { EventSender, type Overflow } from '../src/http/event-sender.ts';

/** A client socket that takes writes only when the test lets it: `read()` drains everything written so far. */
class SlowClient extends Writable {
  readonly received: string[] = [];
  private pending: (() => void)[] = [];
  constructor() {
    super({ highWaterMark: 1024, decodeStrings: false });
  }
  override _write(chunk: string, _encoding: string, callback: () => void): void {
    this.received.push(chunk);
    this.pending.push(callback);
  }
  /** Acknowledges every write so far. */
  read(): void {
    const callbacks = this.pending;
    this.pending = [];
    for (const callback of callbacks) callback();
  }
  /** Reads until nothing more arrives, or for `rounds` rounds. */
  async readAll(rounds = 10_000): Promise<string> {
    for (let i = 0; i < rounds && (this.pending.length > 0 || i === 0); i++) {
      this.read();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return this.received.join('');
  }
  buffered(): number {
    return this.writableLength;
  }
}

function sender(limits: { backlogChars?: number; stallTimeoutMs?: number } = {}) {
  const client = new SlowClient();
  const overflows: Overflow[] = [];
  const events = new EventSender(
    client,
    { backlogChars: limits.backlogChars ?? 1 << 30, stallTimeoutMs: limits.stallTimeoutMs ?? 60_000 },
    (why) => overflows.push(why),
  );
  return { client, overflows, events };
}

describe('EventSender', () => {
  it('hands a large event to the socket a slice at a time, keeping what it copies small', async () => {
    const { client, events } = sender();
    const big = `"${'x'.repeat(200_000)}"`;
    events.send('snapshot', [big], 'snapshot');
    // The client has read nothing: only the first slice was handed over, the rest waits as a shared string.
    expect(client.buffered()).toBeLessThanOrEqual(16 * 1024 + 64);
    expect(await client.readAll()).toBe(`event: snapshot\ndata: ${big}\n\n`);
  });

  it('never splits a surrogate pair between slices', async () => {
    const { client, events } = sender();
    // An emoji straddling every possible slice boundary near 16 Ki characters.
    const text = `${'a'.repeat(16 * 1024 - 1)}😀${'b'.repeat(16 * 1024 - 2)}😀😀`;
    events.send('changes', [text]);
    const pieces = client.received.slice();
    const all = await client.readAll();
    expect(all).toBe(`event: changes\ndata: ${text}\n\n`);
    // A lone surrogate would come back from UTF-8 as U+FFFD.
    for (const piece of [...pieces, ...client.received]) expect(Buffer.from(piece).toString()).toBe(piece);
  });

  it('drops events queued before a snapshot: the snapshot replaces them', async () => {
    const { client, events } = sender();
    // The first snapshot is still on its way when the rest arrives.
    events.send('snapshot', [`{"records":{"x":"${'s'.repeat(50_000)}"}}`], 'snapshot');
    events.send('changes', ['[1]']);
    events.send('changes', ['[2]']);
    events.send('snapshot', ['{"records":{"vm":{}}}'], 'snapshot');
    events.send('changes', ['[3]']);
    const all = await client.readAll();
    expect(all.match(/^event: .*$/gm)).toEqual(['event: snapshot', 'event: snapshot', 'event: changes']);
    expect(all).not.toContain('[1]');
    expect(all).toContain('[3]');
  });

  it('gives up a stream whose unsent events pass the backlog, not counting the snapshot', async () => {
    const { client, overflows, events } = sender({ backlogChars: 10_000 });
    events.send('snapshot', [`"${'s'.repeat(50_000)}"`], 'snapshot');
    for (let i = 0; i < 4; i++) events.send('changes', [`"${'c'.repeat(2000)}"`]);
    expect(overflows).toEqual([]);
    events.send('changes', [`"${'c'.repeat(2000)}"`]);
    expect(overflows).toEqual(['backlog']);
    // Nothing more is written once given up.
    events.send('changes', ['[]']);
    expect(await client.readAll()).not.toContain('data: []');
  });

  it('does not count the bulk load after a snapshot as backlog, and keeps it after the snapshot', async () => {
    const { client, overflows, events } = sender({ backlogChars: 10_000 });
    events.send('snapshot', [`"${'s'.repeat(20_000)}"`], 'snapshot');
    for (let i = 0; i < 10; i++) events.send('changes', [`"${'d'.repeat(5000)}"`], 'load');
    events.send('changes', [`"${'c'.repeat(2000)}"`]);
    expect(overflows).toEqual([]);
    const all = await client.readAll();
    expect(all.match(/^event: .*$/gm)).toEqual(['event: snapshot', ...Array(11).fill('event: changes')]);
  });

  it('keeps a reader that falls behind and catches up within the backlog', async () => {
    const { client, overflows, events } = sender({ backlogChars: 10_000 });
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3; i++) events.send('changes', [`"${'c'.repeat(2000)}"`]);
      await client.readAll();
    }
    expect(overflows).toEqual([]);
    expect(client.received.join('').match(/^event: changes$/gm)).toHaveLength(150);
  });

  it('gives up a stream whose client takes nothing for the stall timeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { client, overflows, events } = sender({ stallTimeoutMs: 5000 });
      events.send('snapshot', [`"${'s'.repeat(200_000)}"`], 'snapshot');
      vi.advanceTimersByTime(4000);
      // It reads some: the timer starts again.
      await client.readAll(4);
      vi.advanceTimersByTime(4000);
      expect(overflows).toEqual([]);
      vi.advanceTimersByTime(1000);
      expect(overflows).toEqual(['stalled']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes keep-alive comments only when idle, and ends after what is queued', async () => {
    const { client, events } = sender();
    events.send('changes', [`"${'c'.repeat(40_000)}"`]);
    events.comment('ping');
    events.send('session-ended', ['{"message":"bye"}']);
    events.end();
    const all = await client.readAll();
    expect(all).not.toContain(': ping');
    expect(all.endsWith('event: session-ended\ndata: {"message":"bye"}\n\n')).toBe(true);
    expect(client.writableEnded).toBe(true);
  });
});
