import type { Conn, Endpoint } from './lib/conn.ts';
import { wsEndpoint } from './lib/conn.ts';
import { mapLimit } from './lib/pool-of.ts';
import { rssOf, Sampler, treePss, treeRss } from './lib/proc.ts';
import { startWebsockify, type Child } from './lib/processes.ts';
import { measured, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { startConsolesStack, startTarget } from './lib/stack.ts';
import { GiB, MB, sleep } from './lib/stats.ts';
import { MODE, request } from './lib/wire.ts';

/**
 * 100 consoles whose clients stop reading while the server behind each streams as fast as it may: the
 * proxy's resident memory before the flood and over the stall. Ours is the whole gateway process (TLS CONNECT
 * upstreams through the simulated pool; each console a VM of its own, so each is bridged byte for byte); websockify
 * forks per connection, so its figure sums its processes' PSS (which counts pages shared with the parent once),
 * with their RSS beside it.
 */

const CONSOLES = 100;
const MEMORY_GUARD = 6 * GiB;

interface Growth {
  baseline: number;
  peak: number;
  growth: number;
  /** A second reading beside the first (websockify's RSS beside its PSS), before the flood and at its end. */
  besideBaseline?: number;
  besidePeak?: number;
  stoppedByGuard: boolean;
  seconds: number;
}

async function stall(
  endpoints: readonly Endpoint[],
  read: () => number,
  durationMs: number,
  beside?: () => number,
): Promise<Growth> {
  const conns: Conn[] = await mapLimit(endpoints, 10, (endpoint) => endpoint.connect());
  await sleep(1000);
  const baseline = read();
  const besideBaseline = beside?.();
  for (const conn of conns) {
    conn.pause();
    conn.send(request(MODE.source, 2 ** 50));
  }
  const sampler = new Sampler(read, 250);
  const started = performance.now();
  let stoppedByGuard = false;
  while (performance.now() - started < durationMs) {
    await sleep(250);
    if (sampler.last > MEMORY_GUARD) {
      stoppedByGuard = true;
      break;
    }
  }
  sampler.stop();
  const besidePeak = beside?.();
  const seconds = (performance.now() - started) / 1000;
  for (const conn of conns) conn.close();
  await Promise.race([Promise.all(conns.map((c) => c.closed)), sleep(5000)]);
  return {
    baseline,
    peak: sampler.max,
    growth: sampler.max - baseline,
    ...(besideBaseline !== undefined ? { besideBaseline, besidePeak: besidePeak! } : {}),
    stoppedByGuard,
    seconds,
  };
}

export const stalled: Scenario = {
  name: 'stalled',
  title: 'Stalled clients',
  method:
    `${CONSOLES} consoles (each a VM of its own, the simulator’s scale seed, every console relayed to the target) ` +
    'open and idle, then every client stops reading while the server behind each streams as ' +
    'fast as its socket drains, for 20 s (quick: 5 s). Resident memory sampled every 250 ms from /proc; growth = ' +
    'peak − value just before the flood. Ours: the gateway process alone (TLS CONNECT upstreams through the ' +
    'simulated pool, its own process). websockify: the PSS of its processes summed (one per connection; pages shared ' +
    'with the parent counted once), their RSS beside it.',
  allotment: { full: 110, quick: 25 },
  async run(ctx: Context): Promise<Row[]> {
    const runs = ctx.quick ? 1 : 2;
    const durationMs = ctx.quick ? 5000 : 20_000;
    const children: Child[] = [];
    try {
      const target = await startTarget();
      children.push(target.child);
      const websockify = await startWebsockify(target.port);
      children.push(websockify.child);
      const { stack, uuids } = await startConsolesStack(CONSOLES, target.port);
      children.push(stack.pool, stack.gateway);
      const consoles = uuids.map((uuid) => stack.console(uuid));
      const ours: Growth[] = [];
      const theirs: Growth[] = [];
      let runStarted = performance.now();
      for (let r = 0; r < runs; r++) {
        if (r > 0 && !ctx.allows(performance.now() - runStarted)) break;
        runStarted = performance.now();
        const g = await stall(consoles, () => rssOf(stack.gateway.pid), durationMs);
        ours.push(g);
        ctx.log(
          `  run ${r + 1}/${runs} gateway: ${(g.baseline / MB).toFixed(0)} MB → peak ${(g.peak / MB).toFixed(0)} MB ` +
            `(+${(g.growth / MB).toFixed(1)} MB in ${g.seconds.toFixed(0)} s)`,
        );
        const w = await stall(
          Array.from({ length: CONSOLES }, () => wsEndpoint('websockify', websockify.url)),
          () => treePss(websockify.child.pid),
          durationMs,
          () => treeRss(websockify.child.pid),
        );
        theirs.push(w);
        ctx.log(
          `  run ${r + 1}/${runs} websockify: PSS ${(w.baseline / MB).toFixed(0)} MB → peak ${(w.peak / MB).toFixed(0)} ` +
            `MB (+${(w.growth / MB).toFixed(1)} MB in ${w.seconds.toFixed(0)} s; RSS ${(w.besideBaseline! / MB).toFixed(0)} ` +
            `→ ${(w.besidePeak! / MB).toFixed(0)} MB)${w.stoppedByGuard ? ', memory guard hit' : ''}`,
        );
        await sleep(500);
      }
      const mb = (list: Growth[], pick: (g: Growth) => number, detail?: string) =>
        measured(
          list.map((g) => pick(g) / MB),
          {
            ...(list.some((g) => g.stoppedByGuard) ? { bound: '≥' as const } : {}),
            ...(detail ? { detail } : {}),
          },
        );
      const growth = mb(ours, (g) => g.growth);
      return [
        {
          id: 'stalled.growth',
          measure: `Memory growth, ${CONSOLES} stalled consoles over ${durationMs / 1000} s`,
          unit: 'MB',
          higherIsBetter: false,
          ours: growth,
          peers: {
            websockify: mb(
              theirs,
              (g) => g.growth,
              'sum of PSS over its processes (pages shared with the parent counted once); RSS summed: ' +
                `${theirs.map((g) => ((g.besidePeak! - g.besideBaseline!) / MB).toFixed(0)).join(', ')} MB`,
            ),
          },
          budget: 100,
          target: { text: '≤ 100 MB', pass: growth.value <= 100 },
        },
        {
          id: 'stalled.resident',
          measure: `Resident memory with ${CONSOLES} stalled consoles (peak)`,
          unit: 'MB',
          higherIsBetter: false,
          ours: mb(ours, (g) => g.peak),
          peers: {
            websockify: mb(
              theirs,
              (g) => g.peak,
              `sum of PSS; RSS summed: ${theirs.map((g) => (g.besidePeak! / MB).toFixed(0)).join(', ')} MB`,
            ),
          },
        },
      ];
    } finally {
      for (const child of children.reverse()) await child.stop();
    }
  },
};
