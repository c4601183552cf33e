import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ANALYSIS, CHANGES, PREAMBLE, SECTIONS } from './analysis.ts';
import { bundle } from './bundle.ts';
import { consoleKeystroke } from './console-keystroke.ts';
import { eventStreams } from './event-streams.ts';
import { firstFrame } from './first-frame.ts';
import { inventory, inventoryUsers } from './inventory.ts';
import { keystroke } from './keystroke.ts';
import { CHROMIUM } from '../tests/support/chromium.ts';
import { removeGatewayBundle } from './lib/gateway-build.ts';
import { describeMachine } from './lib/machine.ts';
import { installCleanup, ROOT, stopAll } from './lib/processes.ts';
import { printTable, readResults, writeMarkdown, writeResults, type ScenarioOutcome } from './lib/report.ts';
import type { Context, Row, Scenario } from './lib/scenario.ts';
import { TMP } from './lib/stack.ts';
import { within } from './lib/stats.ts';
import { buildUi } from './lib/ui.ts';
import { manyConsoles } from './many-consoles.ts';
import { recording } from './recording.ts';
import { rrd } from './rrd.ts';
import { sharedViewers } from './shared-viewers.ts';
import { stalled } from './stalled.ts';
import { throughput } from './throughput.ts';
import { wall } from './wall.ts';

/**
 * `npm run bench [-- --quick] [-- --only name[,name…]]`: every scenario in bounded time against websockify and raw
 * TCP in the same run; prints the table and, for a whole run, writes bench/results.json and docs/BENCHMARKS.md (a
 * quick run writes bench/results.quick.json and bench/tmp/quick/BENCHMARKS.md, never the full run's files, and judges
 * no target: its sizes
 * are smaller than the targets are set for). Everything binds to loopback; every process started is stopped by PID,
 * also on error and on SIGINT.
 */

const SCENARIOS: readonly Scenario[] = [
  throughput,
  keystroke,
  consoleKeystroke,
  stalled,
  eventStreams,
  manyConsoles,
  sharedViewers,
  firstFrame,
  inventory,
  inventoryUsers,
  bundle,
  rrd,
  wall,
  recording,
];

/**
 * Guards per scenario (seconds): a scenario past its guard (this, or twice its time share if more) is abandoned and
 * its processes stopped.
 */
const GUARD = { full: 200, quick: 60 } as const;
const BUDGET = { full: 2400, quick: 500 } as const;
const QUICK_DIR = 'bench/tmp/quick';

/**
 * The measuring clients run in this process. On this machine kind a page fault on memory the process gave back to
 * the kernel costs tens of microseconds, so glibc returning freed read buffers makes a Node client a bottleneck:
 * this process re-runs itself with malloc trimming off. Every process under test gets the plain environment.
 */
const CLIENT_TUNABLES = 'glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432';
if (process.env.XWC_BENCH_CLIENT !== '1') {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, XWC_BENCH_CLIENT: '1', GLIBC_TUNABLES: CLIENT_TUNABLES },
  });
  // The child handles SIGINT itself (it stops its processes); this one just waits for it.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
  await new Promise(() => undefined);
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    cases: { type: 'string' },
    help: { type: 'boolean', default: false },
    render: { type: 'boolean', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(
    `Usage: npm run bench -- [--quick] [--only ${SCENARIOS.map((s) => s.name).join(',')}]\n` +
      '  --quick  fewer runs, smaller sizes (a few minutes); same table, no target judged, files bench/results.quick.json, bench/tmp/quick\n' +
      '  --only   run these scenarios; prints the table, writes nothing\n' +
      '  --cases  only these cases of the scenarios that have several (e.g. answer-text); writes nothing\n' +
      '  --render rewrite docs/BENCHMARKS.md from bench/results.json (after editing bench/analysis.ts)\n',
  );
  process.exit(0);
}
const TEXT = { preamble: PREAMBLE, changes: CHANGES, analysis: ANALYSIS, sections: SECTIONS };
if (values.render) {
  const { info, outcomes } = readResults(path.join(ROOT, 'bench/results.json'));
  writeMarkdown(path.join(ROOT, 'docs/BENCHMARKS.md'), info, outcomes, TEXT);
  process.stdout.write(`${printTable(outcomes)}\n`);
  process.exit(0);
}
const mode = values.quick ? 'quick' : 'full';
const only = values.only?.split(',').map((s) => s.trim());
const cases = values.cases?.split(',').map((s) => s.trim());
const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown?.length) {
  process.stderr.write(
    `Unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(2);
}
const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));

installCleanup();
const log = (message: string): void => void process.stderr.write(`${message}\n`);

/** websockify, Xvnc and Chromium come from Debian; scripts/system-deps.sh installs what is missing (as root). */
function ensureSystemPackages(): void {
  if (['/usr/bin/websockify', '/usr/bin/Xvnc', CHROMIUM].every((file) => fs.existsSync(file))) return;
  log('Installing the Debian packages the benchmarks need (scripts/system-deps.sh)…');
  const result = spawnSync('bash', [path.join(ROOT, 'scripts/system-deps.sh')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('scripts/system-deps.sh failed: websockify, Xvnc and chromium are needed');
}

/** Work directories left by runs that were killed (their process is gone). */
function removeStaleWorkDirs(): void {
  for (const entry of fs.readdirSync(TMP)) {
    const pid = Number(/^[a-z]+-(\d+)/.exec(entry)?.[1]);
    if (!pid || fs.existsSync(`/proc/${pid}`)) continue;
    fs.rmSync(path.join(TMP, entry), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  ensureSystemPackages();
  fs.mkdirSync(TMP, { recursive: true });
  removeStaleWorkDirs();
  const machine = describeMachine();
  log(
    `Benchmarks (${mode}) on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.kernel}, ` +
      `Node ${machine.node}; load average ${machine.loadAtStart.toFixed(2)}`,
  );
  if (machine.loadAtStart > machine.cores) {
    log(`Warning: the machine is busy (load ${machine.loadAtStart.toFixed(1)}); figures will be lower and noisier.`);
  }
  let ui: string | undefined;
  const ctx: Context = {
    quick: mode === 'quick',
    ...(cases ? { cases } : {}),
    allows: () => true,
    log,
    async uiDir() {
      if (!ui) {
        log('  building the UI from the current sources…');
        ui = await buildUi();
      }
      return ui;
    },
  };
  const outcomes: ScenarioOutcome[] = [];
  let failed = false;
  for (const scenario of selected) {
    const loadBefore = os.loadavg()[0]!;
    log(`${scenario.title}…`);
    const t0 = Date.now();
    const share = scenario.allotment[mode] * 1000;
    try {
      const rows = await within(
        Math.max(GUARD[mode] * 1000, 2 * share),
        scenario.title,
        scenario.run({ ...ctx, allows: (runMs) => Date.now() + runMs < t0 + share }),
      );
      outcomes.push({
        ...describe(scenario),
        seconds: (Date.now() - t0) / 1000,
        loadBefore,
        loadAfter: os.loadavg()[0]!,
        rows: mode === 'quick' ? rows.map(unjudged) : rows,
      });
    } catch (error) {
      failed = true;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`  FAILED: ${message}`);
      outcomes.push({
        ...describe(scenario),
        seconds: (Date.now() - t0) / 1000,
        loadBefore,
        loadAfter: os.loadavg()[0]!,
        rows: [],
        error: message,
      });
      await stopAll();
    }
    log(`  (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await stopAll();
  if (ui) fs.rmSync(ui, { recursive: true, force: true });
  removeGatewayBundle();

  const seconds = (Date.now() - started) / 1000;
  if (seconds > BUDGET[mode]) {
    log(`Warning: the run took ${seconds.toFixed(0)} s, over its ${BUDGET[mode]} s budget (a busy machine?).`);
  }
  process.stdout.write(`\n${printTable(outcomes)}\n\n`);
  if (only || cases) {
    log(`Done in ${seconds.toFixed(0)} s (--only, --cases: no results file written).`);
  } else {
    const command = `npm run bench${mode === 'quick' ? ' -- --quick' : ''}`;
    const info = {
      command,
      mode,
      startedAt: new Date(started).toISOString(),
      seconds,
      machine,
      loadAtEnd: os.loadavg()[0]!,
    } as const;
    const [results, markdown] =
      mode === 'quick'
        ? ['bench/results.quick.json', `${QUICK_DIR}/BENCHMARKS.md`]
        : ['bench/results.json', 'docs/BENCHMARKS.md'];
    fs.mkdirSync(path.join(ROOT, path.dirname(results)), { recursive: true });
    writeResults(path.join(ROOT, results), info, outcomes);
    writeMarkdown(path.join(ROOT, markdown), info, outcomes, TEXT);
    log(`Done in ${seconds.toFixed(0)} s; wrote ${results} and ${markdown}.`);
  }
  process.exitCode = failed ? 1 : 0;
}

/** A quick run's figure keeps its target's text but claims nothing. */
function unjudged(row: Row): Row {
  if (!row.target) return row;
  return { ...row, target: { text: `${row.target.text} — quick run, judged by full runs only` } };
}

function describe(s: Scenario): Pick<ScenarioOutcome, 'name' | 'title' | 'method'> {
  return { name: s.name, title: s.title, method: s.method };
}

main().catch(async (error: unknown) => {
  log(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await stopAll();
  process.exit(1);
});
