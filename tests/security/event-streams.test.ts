import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Case 20: live inventory streams (`GET /api/events`) are capped per login and in total with a clear refusal, and a
 * client that stops reading is closed instead of having the gateway buffer for it.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The last 256 Ki characters received (all of a refusal's JSON body). */
  text(): string;
  /** Resolves once `marker` is among the last characters received; rejects after `timeoutMs`. */
  until(marker: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the gateway has ended or dropped the stream. */
  ended: Promise<void>;
  /** Stops reading: the socket is paused, so the kernel's buffers fill and stay full. */
  pause(): void;
  resume(): void;
  close(): void;
}

function openStream(s: Stack, cookie: string, query = ''): Promise<OpenStream> {
  const url = new URL(`${s.baseUrl}/api/events${query}`);
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      // Only a tail is kept: searching a text of megabytes after every chunk would cost more than the test itself.
      let text = '';
      const waiters = new Set<() => void>();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text = (text + chunk).slice(-256 * 1024);
        for (const waiter of waiters) waiter();
      });
      const ended = new Promise<void>((done) => {
        res.once('end', done);
        res.once('close', done);
        res.once('error', () => done());
      });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => text,
        until: (marker, timeoutMs = 20_000) =>
          new Promise((done, fail) => {
            const check = (): void => {
              if (!text.includes(marker)) return;
              waiters.delete(check);
              clearTimeout(timer);
              done();
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`${marker} not seen within ${timeoutMs} ms`));
            }, timeoutMs);
            waiters.add(check);
            check();
          }),
        ended,
        pause: () => {
          res.pause();
          res.socket.pause();
        },
        resume: () => {
          res.socket.resume();
          res.resume();
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

const SNAPSHOT = 'event: snapshot\n';

/**
 * Renames a VM `count` times with a 64 KiB name: about 70 KB of events per rename, to every stream. Each rename waits
 * until `reader` has it (the pool would otherwise fold quick renames of one VM into one change).
 */
async function churn(s: Stack, reader: OpenStream, count: number): Promise<string> {
  const ref = s.pool.vm('Windows Server 2022').ref;
  const long = 'n'.repeat(64 * 1024);
  for (let i = 0; i < count; i++) {
    s.pool.setField('VM', ref, 'name_label', `${long}-${i}`);
    await reader.until(`-${i}"`);
  }
  return `-${count - 1}"`;
}

/** Two windows of one login: one that stops reading after its snapshot, one that keeps reading. */
async function stalledAndReader(s: Stack): Promise<{ stalled: OpenStream; reader: OpenStream }> {
  const { cookie } = await s.login('root');
  const stalled = await openStream(s, cookie);
  await stalled.until(SNAPSHOT);
  stalled.pause();
  const reader = await openStream(s, cookie);
  await reader.until(SNAPSHOT);
  return { stalled, reader };
}

const closedFor = (s: Stack, why: string): boolean =>
  s.logs.json().some((line) => line.msg === 'closing an event stream whose client stopped reading' && line.why === why);

describe('20. event streams', () => {
  it('caps streams per login and in total with 429 TOO_MANY_STREAMS, and frees a slot when a window closes', async () => {
    const s = (stack = await startStack({ env: { EVENT_STREAMS_PER_SESSION: '3', EVENT_STREAMS_TOTAL: '5' } }));
    const a = (await s.login('root')).cookie;
    const b = (await s.login('operator')).cookie;
    const vm = (name: string): string => `?vm=${String(s.pool.vm(name).record.uuid)}`;
    // The main window and two console windows of one login.
    const held = [
      await openStream(s, a),
      await openStream(s, a, vm('Windows Server 2022')),
      await openStream(s, a, vm('Debian 12 web')),
    ];
    for (const stream of held) await stream.until(SNAPSHOT);

    const fourth = await openStream(s, a, vm('Debian 12 web'));
    expect(fourth.status).toBe(429);
    expect(fourth.headers['retry-after']).toBe('10');
    await fourth.ended;
    expect(JSON.parse(fourth.text())).toEqual({
      error: 'TOO_MANY_STREAMS',
      message: expect.stringMatching(/^Too many live views are open for this login\./),
      retryAfter: 10,
    });

    // Another login has its own slots, up to the instance's total.
    held.push(await openStream(s, b), await openStream(s, b, vm('Windows Server 2022')));
    for (const stream of held.slice(3)) expect(stream.status).toBe(200);
    const overall = await openStream(s, b);
    expect(overall.status).toBe(429);
    await overall.ended;
    expect(JSON.parse(overall.text())).toMatchObject({
      error: 'TOO_MANY_STREAMS',
      message: expect.stringMatching(/^The gateway is serving as many live views as it allows\./),
    });

    // Closing a window frees its slot.
    held[1]!.close();
    let again: OpenStream | undefined;
    for (let i = 0; i < 50 && again?.status !== 200; i++) {
      again?.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await openStream(s, a);
    }
    expect(again?.status).toBe(200);
    await again!.until(SNAPSHOT);
    for (const stream of [...held, again!]) stream.close();
  });

  it('closes a stream whose client stops reading once it falls past the backlog, while readers keep up', async () => {
    const s = (stack = await startStack({
      env: { EVENT_STREAM_BACKLOG_KIB: '256', EVENT_STREAM_STALL_TIMEOUT: '600' },
    }));
    const { stalled, reader } = await stalledAndReader(s);
    const last = await churn(s, reader, 300);
    expect(closedFor(s, 'backlog')).toBe(true);
    // What the stalled client still gets is what the kernel already held: the stream ends short of the last change.
    stalled.resume();
    await stalled.ended;
    expect(stalled.text()).not.toContain(last);
    reader.close();
  });

  it('closes a stream whose client takes nothing for the stall timeout', async () => {
    const s = (stack = await startStack({ env: { EVENT_STREAM_STALL_TIMEOUT: '2' } }));
    const { stalled, reader } = await stalledAndReader(s);
    // Enough to fill the kernel's buffers on both sides of a loopback connection.
    await churn(s, reader, 300);
    for (let i = 0; i < 200 && !closedFor(s, 'stalled'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closedFor(s, 'stalled')).toBe(true);
    stalled.resume();
    await stalled.ended;
    reader.close();
  });
});
