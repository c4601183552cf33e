import type { Conn, Endpoint } from './lib/conn.ts';
import { PatternChecker, slice } from './lib/pattern.ts';
import { treeCpuSeconds } from './lib/proc.ts';
import { measured, pairedRatio, type Context, type Measured, type Row, type Scenario } from './lib/scenario.ts';
import { startPaths, type Path } from './lib/stack.ts';
import { GiB, MB, median, MiB, sleep } from './lib/stats.ts';
import { MODE, request, RESULT_BYTES } from './lib/wire.ts';

/**
 * Bulk transfer, both directions, through six paths to the same TCP source/sink (its own process): raw TCP (the
 * physical limit), the bridge alone with a plain TCP upstream (like for like with websockify), websockify, the whole
 * gateway (login, XAPI console lookup, TLS CONNECT through the simulated pool's relay), and the TLS path's peers
 * through the same relay: a minimal TLS→WebSocket pipe and the raw TLS stream read by the client itself.
 * A fixed byte count per transfer, capped in time; every byte is checked against the pattern and counted,
 * so lost, reordered or truncated data (including a lost tail) fails the run.
 */

type Direction = 's2c' | 'c2s';

interface Transfer {
  mbps: number;
  /** CPU seconds the proxy's processes spent per GiB moved (none for raw TCP). */
  cpuPerGiB?: number;
  exact: boolean;
  bytes: number;
  timedOut: boolean;
  /** Mean bytes per message (WebSocket) or read (TCP, TLS) the client received: what the path coalesced. */
  meanMessage: number;
}

const MESSAGE = 64 * 1024;

async function serverToClient(endpoint: Endpoint, bytes: number, limitMs: number): Promise<Transfer> {
  const conn = await endpoint.connect();
  const checker = new PatternChecker();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let end = 0;
  let messages = 0;
  conn.onData((chunk) => {
    messages++;
    checker.push(chunk);
    if (checker.offset >= bytes && end === 0) {
      end = performance.now();
      done();
    }
  });
  const start = performance.now();
  conn.send(request(MODE.source, bytes));
  const timer = setTimeout(done, limitMs);
  await Promise.race([finished, conn.closed]);
  clearTimeout(timer);
  const timedOut = end === 0;
  if (timedOut) end = performance.now();
  // The source ends after its last byte; anything arriving after the count (or a count short at close) is wrong.
  if (!timedOut) await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 3000))]);
  conn.close();
  return {
    mbps: checker.offset / MB / ((end - start) / 1000),
    exact: !timedOut && checker.ok && checker.offset === bytes,
    bytes: checker.offset,
    timedOut,
    meanMessage: checker.offset / Math.max(1, messages),
  };
}

async function clientToServer(endpoint: Endpoint, bytes: number, limitMs: number): Promise<Transfer> {
  const conn: Conn = await endpoint.connect();
  let reply = Buffer.alloc(0);
  let gotReply!: () => void;
  const replied = new Promise<void>((resolve) => (gotReply = resolve));
  conn.onData((chunk) => {
    reply = Buffer.concat([reply, chunk]);
    if (reply.length >= RESULT_BYTES) gotReply();
  });
  const start = performance.now();
  const deadline = start + limitMs;
  conn.send(request(MODE.sink, bytes));
  let sent = 0;
  while (sent < bytes && performance.now() < deadline) {
    const n = Math.min(MESSAGE, bytes - sent);
    const more = conn.send(slice(sent, n));
    sent += n;
    if (!more) await conn.drained();
  }
  const timer = setTimeout(gotReply, Math.max(1, deadline - performance.now()));
  await Promise.race([replied, conn.closed]);
  clearTimeout(timer);
  const end = performance.now();
  conn.close();
  const received = reply.length >= RESULT_BYTES ? Number(reply.readBigUInt64BE(0)) : 0;
  const timedOut = reply.length < RESULT_BYTES;
  return {
    mbps: (timedOut ? sent : received) / MB / ((end - start) / 1000),
    exact: !timedOut && received === bytes && reply[8] === 1,
    bytes: received,
    timedOut,
    meanMessage: MESSAGE,
  };
}

const LABEL: Record<Path, string> = {
  raw: 'raw TCP',
  rawTls: 'raw TLS',
  bridge: 'bridge, plain TCP upstream',
  websockify: 'websockify',
  tlsPipe: 'minimal TLS→WebSocket pipe',
  gateway: 'whole gateway, TLS CONNECT upstream',
};
const PATHS = Object.keys(LABEL) as Path[];

/**
 * Round r's order of the paths: the list rotated by r, and reversed in odd rounds, so every two paths run in both
 * orders and at different places in the round over the rounds.
 */
export function roundOrder<T>(list: readonly T[], r: number): T[] {
  const rotated = [...list.slice(r % list.length), ...list.slice(0, r % list.length)];
  return r % 2 ? rotated.reverse() : rotated;
}

/** The comparisons reported, each ratio taken within a round (the two runs of a pair are in the same round). */
const COMPARISONS: readonly { ours: Path; theirs: Path; s2c?: { min: number; text: string } }[] = [
  { ours: 'bridge', theirs: 'websockify', s2c: { min: 1.2, text: '≥ 1.2× websockify' } },
  { ours: 'bridge', theirs: 'raw', s2c: { min: 0.6, text: '≥ 0.6× raw TCP' } },
  { ours: 'gateway', theirs: 'tlsPipe', s2c: { min: 0.8, text: '≥ 0.8× the minimal TLS pipe' } },
  { ours: 'gateway', theirs: 'rawTls', s2c: { min: 0.5, text: '≥ 0.5× raw TLS' } },
  { ours: 'gateway', theirs: 'websockify', s2c: { min: 1.0, text: '≥ 1.0× websockify' } },
];

export const throughput: Scenario = {
  name: 'throughput',
  title: 'Throughput',
  method:
    'One connection, a fixed byte count (384 MiB; quick: 64 MiB) capped at 20 s, server→client and ' +
    'client→server (64 KiB WebSocket messages), through six paths to the same target: raw TCP, raw TLS (the ' +
    'measuring client reads the console stream through the simulated pool’s TLS relay itself), the bridge alone ' +
    '(plain TCP upstream), websockify, a minimal TLS→WebSocket pipe (tls.connect + CONNECT + ws, as Xen ' +
    'Orchestra’s console proxy) and the whole gateway (TLS CONNECT through the same relay). Every process under ' +
    'test has the same GLIBC_TUNABLES (the gateway’s deployed setting); one measuring client reads every path. ' +
    'Rounds of one run per path and direction, the order rotated each round and reversed every other; each ratio ' +
    'is taken within a round (a pair of runs) and reported as the median with its range over ≥ 5 rounds. Every ' +
    'byte is checked against a repeating pseudo-random pattern and counted (a lost tail fails the run). One 32 MiB ' +
    'warm-up per path and direction is discarded. "Message" is the mean WebSocket message (or TCP/TLS read) the ' +
    'client received: what the proxy coalesced.',
  allotment: { full: 330, quick: 40 },
  async run(ctx: Context): Promise<Row[]> {
    const bytes = ctx.quick ? 64 * MiB : 384 * MiB;
    const rounds = ctx.quick ? 2 : 5;
    const minRounds = ctx.quick ? 1 : 5;
    const limitMs = 20_000;
    const { endpoints, proxyPid, stop } = await startPaths();
    try {
      const run = async (dir: Direction, path: Path, n: number): Promise<Transfer> => {
        const pid = proxyPid[path];
        const cpu0 = pid ? treeCpuSeconds(pid) : 0;
        const t =
          dir === 's2c'
            ? await serverToClient(endpoints[path], n, limitMs)
            : await clientToServer(endpoints[path], n, limitMs);
        // websockify's per-connection process must have exited and been reaped for its CPU to show in the parent.
        if (pid) await sleep(300);
        return pid ? { ...t, cpuPerGiB: (treeCpuSeconds(pid) - cpu0) / (t.bytes / GiB) } : t;
      };

      for (const dir of ['s2c', 'c2s'] as const) for (const path of PATHS) await run(dir, path, 32 * MiB);
      const empty = (): Record<Path, Transfer[]> =>
        Object.fromEntries(PATHS.map((p) => [p, [] as Transfer[]])) as Record<Path, Transfer[]>;
      const results: Record<Direction, Record<Path, Transfer[]>> = { s2c: empty(), c2s: empty() };
      let roundStarted = performance.now();
      for (let r = 0; r < rounds; r++) {
        if (r >= minRounds && !ctx.allows(performance.now() - roundStarted)) break;
        roundStarted = performance.now();
        for (const dir of roundOrder(['s2c', 'c2s'] as const, r)) {
          for (const path of roundOrder(PATHS, r)) {
            const t = await run(dir, path, bytes);
            results[dir][path].push(t);
            ctx.log(
              `  round ${r + 1}/${rounds} ${dir} ${LABEL[path]}: ${t.mbps.toFixed(0)} MB/s, ` +
                `message ${(t.meanMessage / 1024).toFixed(1)} KiB` +
                `${t.exact ? '' : ` NOT EXACT (${t.bytes} of ${bytes} bytes${t.timedOut ? ', time limit' : ''})`}`,
            );
          }
        }
      }

      const rows: Row[] = [];
      const summary = (dir: Direction, path: Path): string => {
        const list = results[dir][path];
        const inexact = list.filter((t) => !t.exact).length;
        const message = median(list.map((t) => t.meanMessage)) / 1024;
        return (
          `${inexact ? `NOT byte-exact in ${inexact} of ${list.length} runs` : `every run byte-exact`} ` +
          `(${list.length} × ${bytes / MiB} MiB), message ${message.toFixed(1)} KiB`
        );
      };
      const mbps = (dir: Direction, path: Path): Measured =>
        measured(
          results[dir][path].map((t) => t.mbps),
          { detail: summary(dir, path) },
        );
      for (const dir of ['s2c', 'c2s'] as const) {
        const arrow = dir === 's2c' ? 'server→client' : 'client→server';
        for (const c of COMPARISONS) {
          const ours = mbps(dir, c.ours);
          const ratio = pairedRatio(
            results[dir][c.ours].map((t) => t.mbps),
            results[dir][c.theirs].map((t) => t.mbps),
          );
          const target = dir === 's2c' ? c.s2c : undefined;
          rows.push({
            id: `throughput.${dir}.${c.ours}.vs.${c.theirs}`,
            measure: `Throughput ${arrow}, ${LABEL[c.ours]}`,
            unit: 'MB/s',
            higherIsBetter: true,
            ours,
            paired: { name: LABEL[c.theirs], theirs: mbps(dir, c.theirs), ratio },
            ...(target ? { target: { text: target.text, pass: ratio.value >= target.min } } : {}),
          });
        }
      }
      for (const dir of ['s2c', 'c2s'] as const) {
        const cpu = (path: Path): Measured => measured(results[dir][path].map((t) => t.cpuPerGiB ?? NaN));
        const arrow = dir === 's2c' ? 'server→client' : 'client→server';
        for (const [ours, theirs] of [
          ['bridge', 'websockify'],
          ['gateway', 'tlsPipe'],
        ] as const) {
          rows.push({
            id: `throughput.${dir}.cpu.${ours}.vs.${theirs}`,
            measure: `Proxy CPU per GiB ${arrow}, ${LABEL[ours]}`,
            unit: 'CPU s/GiB',
            higherIsBetter: false,
            ours: cpu(ours),
            paired: {
              name: LABEL[theirs],
              theirs: cpu(theirs),
              ratio: pairedRatio(
                results[dir][ours].map((t) => t.cpuPerGiB ?? NaN),
                results[dir][theirs].map((t) => t.cpuPerGiB ?? NaN),
              ),
            },
            ...(ours === 'gateway'
              ? { notes: ['the proxy process only; the simulated pool’s TLS relay is not counted (the same for both)'] }
              : {}),
          });
        }
      }
      return rows;
    } finally {
      await stop();
    }
  },
};
