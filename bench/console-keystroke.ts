import { KeyTimer, summarise, type Summary } from './lib/keys.ts';
import { cpuSecondsOf, Sampler } from './lib/proc.ts';
import { RfbViewer } from './lib/rfb-viewer.ts';
import { measured, selected, pairedRatio, runPair, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { echoedKeys } from './lib/screen.ts';
import { startGatewayStack, startScreens, TARGET_VM, type Gateway, type GatewayStack } from './lib/stack.ts';
import { MB, sleep } from './lib/stats.ts';

/**
 * Keystroke round trip on a console screen, through the shared console engine and through today's pass-through,
 * measured in the same run. A VNC server behind the VM's console (bench/servers/screen.ts) echoes each typed key
 * by drawing a cell of its bottom line; the key's round trip ends when a viewer that reads as noVNC does (the same
 * code on both paths: bench/lib/rfb-viewer.ts) has a complete update showing that cell. Two gateway processes on one
 * simulated pool, with the same settings but CONSOLE_SHARING: the default `on-demand` (a lone viewer is bridged byte
 * for byte: pass-through) and `always` (the engine).
 */

const READ_RATE = 20 * MB;

interface ScreenCase {
  readonly key: string;
  readonly vm: string;
  readonly spec: Record<string, unknown>;
  readonly flood: boolean;
  readonly label: string;
}

/** The demo pool's running VMs, one per screen. */
const SCREENS: readonly ScreenCase[] = [
  { key: 'idle', vm: 'Windows Server 2022', spec: { kind: 'idle' }, flood: false, label: 'idle screen' },
  ...(
    [
      ['answer', 'text', 'Ubuntu 24.04 build agent', 'text-like'],
      ['answer', 'noise', TARGET_VM, 'full-colour'],
      ['push', 'noise', '<img src=x onerror=alert(1)>', 'full-colour'],
    ] as const
  ).map(([pace, content, vm, looks]) => ({
    key: `${pace}-${content}`,
    vm,
    spec: { kind: 'flood', content, pace },
    flood: true,
    label:
      `saturating ${looks} screen, ${pace === 'push' ? 'server writing without requests' : 'server answering requests'}` +
      ', reader 20 MB/s',
  })),
];

type PathName = 'engine' | 'pass-through';

interface Run {
  keys: Summary;
  updatesPerSecond: number;
  bytesPerUpdate: number;
  mbPerSecond: number;
  /** The gateway process's CPU over the run, % of one core. */
  cpuPercent: number;
}

/** Sequence numbers never repeat within the scenario: echo cells left by an earlier run cannot pass for a new key. */
const keys = { next: 0 };

async function measure(gateway: Gateway, uuid: string, flood: boolean, durationMs: number): Promise<Run> {
  const timer = new KeyTimer();
  const viewer = await RfbViewer.open(gateway.rfbConsole(uuid), {
    ...(flood ? { readRate: READ_RATE } : {}),
    onUpdate: (v) => {
      for (const seq of echoedKeys(v.screen)) timer.echoed(seq);
    },
  });
  try {
    // Let the first screen arrive and, under a flood, every buffer on the way fill before the first key.
    await sleep(flood ? 1000 : 300);
    const cpu = new Sampler(() => cpuSecondsOf(gateway.child.pid), 1000);
    const started = performance.now();
    const updates = viewer.updates;
    const bytes = viewer.bytes;
    keys.next = await timer.type(keys.next, durationMs, (seq) => viewer.type(seq));
    cpu.stop();
    const seconds = (performance.now() - started) / 1000;
    if (viewer.error) throw viewer.error;
    const n = viewer.updates - updates;
    return {
      keys: summarise(timer.result()),
      updatesPerSecond: n / seconds,
      bytesPerUpdate: (viewer.bytes - bytes) / Math.max(1, n),
      mbPerSecond: (viewer.bytes - bytes) / MB / seconds,
      cpuPercent: ((cpu.last - cpu.samples[0]!.value) / seconds) * 100,
    };
  } finally {
    viewer.close();
    await Promise.race([viewer.closed, sleep(2000)]);
    // The gateway lets go of the console (the engine closes its upstream) before the next run opens it again.
    await sleep(300);
  }
}

const describeRuns = (runs: readonly Run[]): string => {
  const m = (pick: (r: Run) => number) => measured(runs.map(pick)).value;
  const echoed = runs.map((r) => `${r.keys.answered}/${r.keys.sent}`).join(', ');
  return (
    `${m((r) => r.updatesPerSecond).toFixed(1)} updates/s of ${(m((r) => r.bytesPerUpdate) / 1024).toFixed(0)} KiB ` +
    `(${m((r) => r.mbPerSecond).toFixed(1)} MB/s), gateway CPU ${m((r) => r.cpuPercent).toFixed(0)} % of a core, ` +
    `keys echoed per run ${echoed}`
  );
};

export const consoleKeystroke: Scenario = {
  name: 'console-keystroke',
  title: 'Keystroke round trip on a console screen, engine beside pass-through',
  method:
    'A VNC server behind three VMs’ consoles (its own process; RFB 3.8, 1024×768, Raw): an idle screen, and two ' +
    'saturating screens that write 128×128 rectangles (64 KiB, the byte flood’s frame) over the top 1024×640 as fast ' +
    'as the socket drains, without waiting for requests: glyph-like text cells in 8 colours, or the byte flood’s ' +
    'pseudo-random bytes (full colour, incompressible). Each key press (a KeyEvent every 25 ms, its number in the ' +
    'keysym) is echoed by drawing an 8×16 cell of the bottom line, written behind what the server has queued. The ' +
    'viewer reads as noVNC does (noVNC’s encodings, one request after each complete update, decoding everything; ' +
    'the same code on both paths) and a key’s round trip ends with the first complete update showing its cell; ' +
    'under a saturating screen it reads at most 20 MB/s and keys start after 1 s. Two gateways on one simulated ' +
    'pool with the same settings (the project’s allocator settings, default buffers) but CONSOLE_SHARING: ' +
    '`on-demand` (a lone viewer is bridged byte for byte: pass-through) and `always` (the engine). Runs are made in ' +
    'pairs in alternating order, 5 pairs (quick: 1) of 2 s idle (quick: 1 s) and 3 s under a saturating screen ' +
    '(quick: 2 s); ratios are engine ÷ pass-through within each pair. Keys not echoed in time count with their wait ' +
    'so far (≥).',
  allotment: { full: 190, quick: 30 },
  async run(ctx: Context): Promise<Row[]> {
    const pairs = ctx.quick ? 1 : 5;
    const idleMs = ctx.quick ? 1000 : 2000;
    const floodMs = ctx.quick ? 2000 : 3000;
    const cases = selected(ctx, SCREENS);
    const screens = await startScreens(cases.map((s) => s.spec));
    let stack: GatewayStack | undefined;
    try {
      stack = await startGatewayStack({
        consoles: Object.fromEntries(cases.map((s, i) => [s.vm, screens.ports[i]!])),
      });
      const engine = await stack.addGateway({ env: { CONSOLE_SHARING: 'always' } });
      const gateways: Record<PathName, Gateway> = { engine, 'pass-through': stack.primary };
      const uuids = await Promise.all(cases.map((s) => stack!.vmUuid(s.vm)));
      const runs = Object.fromEntries(
        cases.map((s) => [s.key, { engine: [] as Run[], 'pass-through': [] as Run[] }]),
      ) as Record<string, Record<PathName, Run[]>>;

      let pairStarted = performance.now();
      for (let pair = 0; pair < pairs; pair++) {
        if (pair > 0 && !ctx.allows(performance.now() - pairStarted)) break;
        pairStarted = performance.now();
        for (const [i, screen] of cases.entries()) {
          const durationMs = screen.flood ? floodMs : idleMs;
          const one = (path: PathName) => async (): Promise<Run> => {
            const run = await measure(gateways[path], uuids[i]!, screen.flood, durationMs);
            runs[screen.key]![path].push(run);
            const k = run.keys;
            ctx.log(
              `  pair ${pair + 1}/${pairs} ${screen.key} ${path}: p50 ${k.p50.toFixed(1)} ms, p99 ${k.p99.toFixed(1)} ms ` +
                `(${k.answered}/${k.sent} echoed), ${run.updatesPerSecond.toFixed(1)} updates/s, ` +
                `${(run.bytesPerUpdate / 1024).toFixed(0)} KiB each, gateway CPU ${run.cpuPercent.toFixed(0)} %`,
            );
            return run;
          };
          await runPair(pair, one('engine'), one('pass-through'));
        }
      }

      const rows: Row[] = [];
      for (const screen of cases) {
        const ours = runs[screen.key]!.engine;
        const theirs = runs[screen.key]!['pass-through'];
        for (const key of ['p50', 'p99'] as const) {
          const pick = (list: Run[]) =>
            measured(
              list.map((r) => r.keys[key]),
              list.some((r) => r.keys.censored) ? { bound: '≥' } : {},
            );
          const engineM = pick(ours);
          const ratio = pairedRatio(
            ours.map((r) => r.keys[key]),
            theirs.map((r) => r.keys[key]),
          );
          const censored = ours.some((r) => r.keys.censored);
          const target =
            key !== 'p99'
              ? undefined
              : screen.flood
                ? { text: '≤ 50 ms', pass: engineM.value <= 50 && !censored }
                : { text: '≤ 1.5× pass-through (paired)', pass: ratio.value <= 1.5 && !censored };
          rows.push({
            id: `console-keystroke.${screen.key}.${key}`,
            measure: `Keystroke round trip, ${screen.label}, ${key}`,
            unit: 'ms',
            higherIsBetter: false,
            ours: engineM,
            paired: { name: 'pass-through', theirs: pick(theirs), ratio },
            ...(target ? { target } : {}),
            ...(target?.text === '≤ 50 ms' ? { budget: 50 } : {}),
            ...(key === 'p99'
              ? { notes: [`engine: ${describeRuns(ours)}`, `pass-through: ${describeRuns(theirs)}`] }
              : {}),
          });
        }
      }
      return rows;
    } finally {
      await stack?.stop();
      await screens.child.stop();
    }
  },
};
