import type { Conn } from './lib/conn.ts';
import { PatternChecker } from './lib/pattern.ts';
import { mapLimit } from './lib/pool-of.ts';
import { cpuSecondsOf, rssOf, Sampler } from './lib/proc.ts';
import type { Child } from './lib/processes.ts';
import { measured, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { startConsolesStack, startTarget } from './lib/stack.ts';
import { MB, sleep } from './lib/stats.ts';
import { MODE, request } from './lib/wire.ts';

/**
 * Many consoles through one gateway process, each the console of a VM of its own with one viewer (so the default
 * CONSOLE_SHARING=on-demand bridges each byte for byte): a real console WebSocket (login cookie, XAPI console
 * lookup, TLS CONNECT through the simulated pool's relay to the target), all opened first, then each asks for a
 * small update every second. The gateway's resident memory and CPU over that window come from /proc; every console
 * must receive every byte of every update, in order, before the target ends it.
 */

const UPDATE_BYTES = 2048;
const OPEN_CONCURRENCY = 25;
const SETTLE_MS = 15_000;

interface Outcome {
  consoles: number;
  openSeconds: number;
  baselineRss: number;
  peakRss: number;
  perConsole: number;
  cpuPercent: number;
  complete: number;
  seconds: number;
}

async function runOnce(ctx: Context, count: number, updates: number): Promise<Outcome> {
  const children: Child[] = [];
  try {
    const target = await startTarget();
    children.push(target.child);
    const { stack, uuids } = await startConsolesStack(count, target.port);
    children.push(stack.pool, stack.gateway);
    // A login reads the pool's inventory (Inventories.warm): the consoles are measured from once all of it is in (a
    // device class is answered once the device classes, read after the tree's, are).
    const inventory = await fetch(`${stack.url}/api/objects/vbd`, { headers: { cookie: stack.cookie } });
    if (inventory.status !== 200) throw new Error(`the login's inventory: ${inventory.status}`);
    await inventory.arrayBuffer();
    // Loading it leaves ~100 MB of garbage (the pool's replies, parsed): V8's memory reducer collects it ~8 s after
    // the allocations stop. Consoles opened before would be measured on top of the inventory's load.
    await sleep(SETTLE_MS);
    const baselineRss = rssOf(stack.gateway.pid);
    const opening = performance.now();
    const conns: Conn[] = await mapLimit(uuids, OPEN_CONCURRENCY, (uuid) => stack.console(uuid).connect());
    const openSeconds = (performance.now() - opening) / 1000;
    ctx.log(`  ${count} consoles open in ${openSeconds.toFixed(1)} s`);
    const checkers = conns.map(() => new PatternChecker());
    conns.forEach((conn, i) => conn.onData((chunk) => checkers[i]!.push(chunk)));
    const sampler = new Sampler(() => rssOf(stack.gateway.pid), 500);
    const cpuBefore = cpuSecondsOf(stack.gateway.pid);
    const started = performance.now();
    for (const conn of conns) conn.send(request(MODE.ticker, updates, UPDATE_BYTES, 1000));
    // The target ends each console after its last update; wait for all, bounded.
    const closed = Promise.all(conns.map((c) => c.closed));
    await Promise.race([closed, sleep(updates * 1000 + 15_000)]);
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = cpuSecondsOf(stack.gateway.pid) - cpuBefore;
    sampler.stop();
    for (const conn of conns) conn.close();
    const expected = updates * UPDATE_BYTES;
    const complete = checkers.filter((c) => c.ok && c.offset === expected).length;
    return {
      consoles: count,
      openSeconds,
      baselineRss,
      peakRss: sampler.max,
      perConsole: (sampler.max - baselineRss) / count,
      cpuPercent: (cpuSeconds / seconds) * 100,
      complete,
      seconds,
    };
  } finally {
    for (const child of children.reverse()) await child.stop();
  }
}

export const manyConsoles: Scenario = {
  name: 'many-consoles',
  title: 'Many consoles',
  method:
    '1,000 consoles (quick: 200), each the console of a running VM of its own (the simulator’s scale seed, 11,000 ' +
    'VMs on 20 hosts; quick: 3,000) with one viewer, so the default CONSOLE_SHARING=on-demand bridges each byte for ' +
    'byte; opened through one gateway process (25 at a time), then each receives a 2 KiB update every second for ' +
    '30 s (quick: 6 s) from the target behind every VM’s console, through TLS CONNECT tunnels to the simulated pool ' +
    '(its own process). The bench’s login reads the pool’s inventory, as every login does: consoles open once all ' +
    'of it is in and 15 s have passed (V8 collects the load’s garbage meanwhile). Gateway RSS sampled every 500 ms, CPU from /proc/<pid>/stat over the window; per console = (peak − RSS ' +
    'before the first console) / consoles. Each console must get every byte, in order.',
  allotment: { full: 170, quick: 40 },
  async run(ctx: Context): Promise<Row[]> {
    const count = ctx.quick ? 200 : 1000;
    const updates = ctx.quick ? 6 : 30;
    const runs = ctx.quick ? 1 : 2;
    const outcomes: Outcome[] = [];
    let runStarted = performance.now();
    for (let r = 0; r < runs; r++) {
      if (r > 0 && !ctx.allows(performance.now() - runStarted)) break;
      runStarted = performance.now();
      const o = await runOnce(ctx, count, updates);
      outcomes.push(o);
      ctx.log(
        `  run ${r + 1}/${runs}: RSS ${(o.baselineRss / MB).toFixed(0)} → peak ${(o.peakRss / MB).toFixed(0)} MB, ` +
          `${((o.perConsole / 1024) | 0).toString()} KiB per console, CPU ${o.cpuPercent.toFixed(1)} %, ` +
          `${o.complete}/${o.consoles} complete`,
      );
    }
    const all = (pick: (o: Outcome) => number, detail?: string) =>
      measured(outcomes.map(pick), detail ? { detail } : {});
    const peak = all((o) => o.peakRss / MB);
    // A quick run opens fewer consoles: it shows the RSS projected to 1,000, and claims nothing (bench/run.ts).
    const projected = all((o) => (o.baselineRss + 1000 * o.perConsole) / MB);
    const complete = outcomes.every((o) => o.complete === o.consoles);
    const bytesNote = complete
      ? `every console received all ${updates} updates byte-exact, in every run`
      : `INCOMPLETE: ${outcomes.map((o) => `${o.complete}/${o.consoles}`).join(', ')} consoles received every byte`;
    return [
      {
        id: 'many.resident',
        measure: `Resident memory of the gateway with ${count.toLocaleString('en')} consoles (peak)`,
        unit: 'MB',
        higherIsBetter: false,
        ours: peak,
        budget: 300,
        target: { text: '≤ 300 MB (1,000 consoles)', pass: count >= 1000 && peak.value <= 300 && complete },
        notes: [bytesNote, ...(count < 1000 ? [`projected to 1,000 consoles: ${projected.value.toFixed(0)} MB`] : [])],
      },
      {
        id: 'many.baseline',
        measure: 'Resident memory before the first console (the login’s inventory of the pool in)',
        unit: 'MB',
        higherIsBetter: false,
        ours: all((o) => o.baselineRss / MB),
      },
      {
        id: 'many.per-console',
        measure: 'Resident memory per console',
        unit: 'KiB',
        higherIsBetter: false,
        ours: all((o) => o.perConsole / 1024, 'peak minus the RSS before the first console, divided by the consoles'),
      },
      {
        id: 'many.cpu',
        measure: `Gateway CPU, ${count.toLocaleString('en')} consoles × one ${UPDATE_BYTES / 1024} KiB update/s`,
        unit: '% of a core',
        higherIsBetter: false,
        ours: all((o) => o.cpuPercent),
      },
      {
        id: 'many.open',
        measure: `Time to open ${count.toLocaleString('en')} consoles (${OPEN_CONCURRENCY} at a time)`,
        unit: 's',
        higherIsBetter: false,
        ours: all((o) => o.openSeconds),
      },
    ];
  },
};
