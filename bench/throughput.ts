import type { Conn, Endpoint } from './lib/conn.ts';
import { PatternChecker, slice } from './lib/pattern.ts';
import { treeCpuSeconds } from './lib/proc.ts';
import { measured, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { startPaths, type Path } from './lib/stack.ts';
import { GiB, MB, MiB, sleep } from './lib/stats.ts';
import { MODE, request, RESULT_BYTES } from './lib/wire.ts';

/**
 * Bulk transfer, both directions, through four paths to the same TCP source/sink (its own process):
 * raw TCP (the physical limit), the bridge alone with a plain TCP upstream (like for like with websockify),
 * the whole gateway (login, XAPI console lookup, TLS CONNECT through the simulated pool's relay), and websockify.
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
}

const MESSAGE = 64 * 1024;

async function serverToClient(endpoint: Endpoint, bytes: number, limitMs: number): Promise<Transfer> {
  const conn = await endpoint.connect();
  const checker = new PatternChecker();
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let end = 0;
  conn.onData((chunk) => {
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
  };
}

const LABEL: Record<Path, string> = {
  raw: 'raw TCP',
  bridge: 'bridge, plain TCP upstream',
  gateway: 'whole gateway, TLS CONNECT upstream',
  websockify: 'websockify',
};

export const throughput: Scenario = {
  name: 'throughput',
  title: 'Throughput',
  method:
    'One connection, a fixed byte count (1 GiB; quick: 128 MiB) capped at 20 s (quick: 10 s), server→client and ' +
    'client→server (64 KiB WebSocket messages). Source/sink in its own process; the bridge, websockify, the gateway ' +
    'and the simulated pool each in their own. Every byte is checked against a repeating pseudo-random pattern and ' +
    'counted (a lost tail fails the run). One 32 MiB warm-up per path and direction is discarded.',
  allotment: { full: 130, quick: 30 },
  async run(ctx: Context): Promise<Row[]> {
    const bytes = ctx.quick ? 128 * MiB : GiB;
    const runs = ctx.quick ? 1 : 3;
    const limitMs = ctx.quick ? 10_000 : 20_000;
    const { endpoints, proxyPid, stop } = await startPaths();
    try {
      const paths = Object.keys(endpoints) as Path[];
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

      for (const dir of ['s2c', 'c2s'] as const) for (const path of paths) await run(dir, path, 32 * MiB);
      const results: Record<Direction, Record<Path, Transfer[]>> = {
        s2c: { raw: [], bridge: [], gateway: [], websockify: [] },
        c2s: { raw: [], bridge: [], gateway: [], websockify: [] },
      };
      let runStarted = performance.now();
      for (let r = 0; r < runs; r++) {
        if (r > 0 && !ctx.allows(performance.now() - runStarted)) break;
        runStarted = performance.now();
        for (const dir of ['s2c', 'c2s'] as const) {
          for (const path of paths) {
            const t = await run(dir, path, bytes);
            results[dir][path].push(t);
            ctx.log(
              `  run ${r + 1}/${runs} ${dir} ${LABEL[path]}: ${t.mbps.toFixed(0)} MB/s` +
                `${t.exact ? '' : ` NOT EXACT (${t.bytes} of ${bytes} bytes${t.timedOut ? ', time limit' : ''})`}`,
            );
          }
        }
      }

      const rows: Row[] = [];
      for (const dir of ['s2c', 'c2s'] as const) {
        const m = (path: Path) => {
          const list = results[dir][path];
          const inexact = list.filter((t) => !t.exact).length;
          return measured(
            list.map((t) => t.mbps),
            inexact ? { detail: `${inexact} of ${list.length} runs not byte-exact` } : {},
          );
        };
        const raw = m('raw');
        const ws = m('websockify');
        const arrow = dir === 's2c' ? 'server→client' : 'client→server';
        const exactNote = (path: Path): string[] =>
          results[dir][path].every((t) => t.exact)
            ? [`every run byte-exact (${results[dir][path].length} × ${bytes / MiB} MiB, tail included)`]
            : [`NOT byte-exact in ${results[dir][path].filter((t) => !t.exact).length} runs`];
        const bridgeM = m('bridge');
        const gatewayM = m('gateway');
        rows.push({
          id: `throughput.${dir}.bridge`,
          measure: `Throughput ${arrow}, bridge (plain TCP upstream)`,
          unit: 'MB/s',
          higherIsBetter: true,
          ours: bridgeM,
          peers: { websockify: ws, 'raw TCP': raw },
          target: {
            text: '≥ 0.6× raw TCP and ≥ 1.2× websockify',
            pass: bridgeM.value >= 0.6 * raw.value && bridgeM.value >= 1.2 * ws.value,
          },
          notes: exactNote('bridge'),
        });
        rows.push({
          id: `throughput.${dir}.gateway`,
          measure: `Throughput ${arrow}, whole gateway (TLS CONNECT upstream)`,
          unit: 'MB/s',
          higherIsBetter: true,
          ours: gatewayM,
          peers: { websockify: ws, 'raw TCP': raw },
          target: { text: '≥ 1.0× websockify', pass: gatewayM.value >= ws.value },
          notes: exactNote('gateway'),
        });
      }
      for (const dir of ['s2c', 'c2s'] as const) {
        const cpu = (path: Path) => measured(results[dir][path].map((t) => t.cpuPerGiB ?? NaN));
        for (const path of ['bridge', 'gateway'] as const) {
          rows.push({
            id: `throughput.${dir}.cpu.${path}`,
            measure: `Proxy CPU per GiB ${dir === 's2c' ? 'server→client' : 'client→server'}, ${LABEL[path]}`,
            unit: 'CPU s/GiB',
            higherIsBetter: false,
            ours: cpu(path),
            peers: { websockify: cpu('websockify') },
            ...(path === 'gateway'
              ? { notes: ['the gateway process only; the simulated pool’s TLS and relay are not counted'] }
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
