import { mapLimit } from './lib/pool-of.ts';
import { cpuSecondsOf, pssOf, rssOf, Sampler } from './lib/proc.ts';
import { PullingViewer } from './lib/pulling-viewer.ts';
import { measured, selected, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { startGatewayStack, startScreens, type GatewayStack } from './lib/stack.ts';
import { MB, median, sleep } from './lib/stats.ts';

/**
 * One console watched by 1, 10 and 50 viewers through the shared console engine: the gateway's CPU and memory
 * growth for each count, on a 1024×768 screen changing 10 times a second. A fresh gateway process per measurement
 * (so each growth starts from the same heap), the viewers in this process (so the gateway's CPU is its own).
 */

const COUNTS = [1, 10, 50] as const;
const TARGET_VIEWERS = 50;

interface ScreenCase {
  readonly key: 'text' | 'noise';
  readonly vm: string;
  readonly label: string;
}

const SCREENS: readonly ScreenCase[] = [
  { key: 'text', vm: 'Debian 12 web', label: 'a 320×240 text-like area redrawn (typical)' },
  { key: 'noise', vm: 'Ubuntu 24.04 build agent', label: 'the whole screen redrawn in full colour (worst case)' },
];

interface Outcome {
  cpuPercent: number;
  rssGrowth: number;
  pssGrowth: number;
  /** Complete updates a second each viewer drew: the median viewer and the slowest. */
  fps: number;
  slowestFps: number;
  kibPerViewerPerSecond: number;
  /** This process's CPU over the window (the viewers'), % of one core: not what limits them if well under 100. */
  viewersCpuPercent: number;
}

async function measureOnce(stack: GatewayStack, vm: string, viewers: number, windowMs: number): Promise<Outcome> {
  const gateway = await stack.addGateway({
    env: { CONSOLE_SHARING: 'always', CONSOLES_PER_USER: String(TARGET_VIEWERS * 2) },
  });
  const pid = gateway.child.pid;
  const opened: PullingViewer[] = [];
  try {
    const uuid = await gateway.vmUuid(vm);
    await sleep(500);
    const rss0 = rssOf(pid);
    const pss0 = pssOf(pid);
    opened.push(
      ...(await mapLimit(Array.from({ length: viewers }), 10, () => PullingViewer.open(gateway.rfbConsole(uuid)))),
    );
    // Every viewer has its first screen, then the window starts.
    for (let i = 0; i < 300 && opened.some((v) => v.updates === 0); i++) await sleep(50);
    await sleep(1000);
    const rss = new Sampler(() => rssOf(pid), 250);
    const cpu0 = cpuSecondsOf(pid);
    const ownCpu = process.cpuUsage();
    const updates0 = opened.map((v) => v.updates);
    const bytes0 = opened.reduce((n, v) => n + v.bytes, 0);
    const started = performance.now();
    await sleep(windowMs);
    const seconds = (performance.now() - started) / 1000;
    const cpuPercent = ((cpuSecondsOf(pid) - cpu0) / seconds) * 100;
    const own = process.cpuUsage(ownCpu);
    rss.stop();
    const pss = pssOf(pid);
    const failed = opened.find((v) => v.error);
    if (failed) throw failed.error;
    const fps = opened.map((v, i) => (v.updates - updates0[i]!) / seconds);
    const bytes = opened.reduce((n, v) => n + v.bytes, 0) - bytes0;
    return {
      cpuPercent,
      rssGrowth: Math.max(rss.max, rssOf(pid)) - rss0,
      pssGrowth: pss - pss0,
      fps: median(fps),
      slowestFps: Math.min(...fps),
      kibPerViewerPerSecond: bytes / viewers / seconds / 1024,
      viewersCpuPercent: ((own.user + own.system) / 1e6 / seconds) * 100,
    };
  } finally {
    for (const v of opened) v.close();
    await gateway.stop();
  }
}

export const sharedViewers: Scenario = {
  name: 'shared-viewers',
  title: 'One console, many viewers (engine)',
  method:
    'One console through the shared console engine (CONSOLE_SHARING=always), watched by 1, 10 and 50 viewers that ' +
    'pull as noVNC does (its pixel format and encodings, one request after each complete update) in the ' +
    'benchmark’s process, parsing without decoding (a browser decodes on its own machine; here all share two cores). Behind the console, the bench’s VNC server (its own process; Raw, 1024×768) changes the ' +
    'screen 10 times a second: a 320×240 area (9.8 % of the screen) redrawn with glyph-like text cells at a moving ' +
    'place (a typical console change), or the whole screen redrawn with full-colour noise (the worst case: nothing ' +
    'compresses). A fresh gateway process for every measurement (the project’s allocator settings); after all ' +
    'viewers have their first screen and 1 s more, a 5 s window (quick: 3 s): gateway CPU from /proc/<pid>/stat ' +
    '(utime + stime) over the window, memory growth = peak RSS (sampled every 250 ms) − RSS before the first ' +
    'viewer; PSS growth beside it. 3 runs (quick: 1) of each.',
  allotment: { full: 200, quick: 45 },
  async run(ctx: Context): Promise<Row[]> {
    const runs = ctx.quick ? 1 : 3;
    const windowMs = ctx.quick ? 3000 : 5000;
    const cases = selected(ctx, SCREENS);
    const screens = await startScreens(cases.map((s) => ({ kind: 'changing', content: s.key, fps: 10 })));
    let stack: GatewayStack | undefined;
    try {
      stack = await startGatewayStack({
        consoles: Object.fromEntries(cases.map((s, i) => [s.vm, screens.ports[i]!])),
      });
      const outcomes = new Map<string, Outcome[]>();
      let runStarted = performance.now();
      for (let r = 0; r < runs; r++) {
        if (r > 0 && !ctx.allows(performance.now() - runStarted)) break;
        runStarted = performance.now();
        for (const screen of cases) {
          for (const count of COUNTS) {
            const o = await measureOnce(stack, screen.vm, count, windowMs);
            const key = `${screen.key}.${count}`;
            outcomes.set(key, [...(outcomes.get(key) ?? []), o]);
            ctx.log(
              `  run ${r + 1}/${runs} ${screen.key}, ${count} viewers: CPU ${o.cpuPercent.toFixed(0)} %, ` +
                `RSS +${(o.rssGrowth / MB).toFixed(1)} MB (PSS +${(o.pssGrowth / MB).toFixed(1)} MB), ` +
                `${o.fps.toFixed(1)} updates/s per viewer (slowest ${o.slowestFps.toFixed(1)}), ` +
                `${o.kibPerViewerPerSecond.toFixed(0)} KiB/s per viewer; viewers' process CPU ` +
                `${o.viewersCpuPercent.toFixed(0)} %`,
            );
          }
        }
      }
      const rows: Row[] = [];
      for (const screen of cases) {
        for (const count of COUNTS) {
          const list = outcomes.get(`${screen.key}.${count}`) ?? [];
          const all = (pick: (o: Outcome) => number) => measured(list.map(pick));
          const judged = count === TARGET_VIEWERS;
          const cpu = all((o) => o.cpuPercent);
          const growth = all((o) => o.rssGrowth / MB);
          const delivered =
            `${all((o) => o.fps).value.toFixed(1)} updates/s per viewer (slowest viewer ` +
            `${all((o) => o.slowestFps).value.toFixed(1)}; the screen changes 10 times a second), ` +
            `${all((o) => o.kibPerViewerPerSecond).value.toFixed(0)} KiB/s per viewer; the viewers’ process used ` +
            `${all((o) => o.viewersCpuPercent).value.toFixed(0)} % of a core`;
          rows.push({
            id: `viewers.${screen.key}.cpu.${count}`,
            measure: `Gateway CPU, one console, ${count} viewer${count > 1 ? 's' : ''}, ${screen.label}`,
            unit: '% of a core',
            higherIsBetter: false,
            ours: cpu,
            ...(judged ? { budget: 50, target: { text: '≤ 50 % (50 viewers)', pass: cpu.value <= 50 } } : {}),
            notes: [delivered],
          });
          rows.push({
            id: `viewers.${screen.key}.rss.${count}`,
            measure: `Gateway memory growth, one console, ${count} viewer${count > 1 ? 's' : ''}, ${screen.label}`,
            unit: 'MB',
            higherIsBetter: false,
            ours: growth,
            ...(judged ? { budget: 100, target: { text: '≤ +100 MB (50 viewers)', pass: growth.value <= 100 } } : {}),
            notes: [
              `PSS growth ${all((o) => o.pssGrowth / MB).value.toFixed(1)} MB (one process: RSS and PSS differ only by shared libraries)`,
            ],
          });
        }
        // What each viewer past the first adds, run by run (the first viewer's own cost is the 1-viewer row).
        const first = outcomes.get(`${screen.key}.${COUNTS[0]}`) ?? [];
        const last = outcomes.get(`${screen.key}.${COUNTS.at(-1)}`) ?? [];
        const added = COUNTS.at(-1)! - COUNTS[0]!;
        const perViewer = (pick: (o: Outcome) => number) =>
          measured(last.slice(0, first.length).map((o, i) => (pick(o) - pick(first[i]!)) / added));
        rows.push(
          {
            id: `viewers.${screen.key}.cpu.perViewer`,
            measure: `Gateway CPU per added viewer (${COUNTS[0]} → ${COUNTS.at(-1)}), ${screen.label}`,
            unit: '% of a core',
            higherIsBetter: false,
            ours: perViewer((o) => o.cpuPercent),
          },
          {
            id: `viewers.${screen.key}.rss.perViewer`,
            measure: `Gateway memory per added viewer (${COUNTS[0]} → ${COUNTS.at(-1)}), ${screen.label}`,
            unit: 'MB',
            higherIsBetter: false,
            ours: perViewer((o) => o.rssGrowth / MB),
          },
        );
      }
      return rows;
    } finally {
      await stack?.stop();
      await screens.child.stop();
    }
  },
};
