import fs from 'node:fs';
import path from 'node:path';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/processes.ts';

/**
 * `npx tsx bench/profile.ts <file.cpuprofile> [--top N] [--from S]`: summarises a V8 CPU profile (from
 * `node --cpu-prof`, e.g. a gateway of a benchmark run with XWC_BENCH_PROFILE=<dir>): the share of the busy time
 * spent in each function itself (self) and under it (total), busiest first, and the share of each source area;
 * frames in a bundle with a source map beside it are shown where they are in the sources.
 * `--from` leaves out the first S seconds (start-up: loading and compiling modules). Idle time is listed apart.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '25' }, from: { type: 'string', default: '0' } },
  allowPositionals: true,
});
const file = positionals[0];
const top = Number(values.top);
const fromUs = Number(values.from) * 1e6;
if (!file || !fs.existsSync(file) || !(top > 0) || !(fromUs >= 0)) {
  process.stderr.write('Usage: npx tsx bench/profile.ts <file.cpuprofile> [--top N] [--from seconds]\n');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
if (!Array.isArray(profile.nodes) || !Array.isArray(profile.samples) || !Array.isArray(profile.timeDeltas)) {
  process.stderr.write(`${file}: not a V8 CPU profile (nodes, samples and timeDeltas expected)\n`);
  process.exit(2);
}

/** Source maps of bundles (the benchmarks run the gateway bundled, as production does), by the bundle's path. */
const maps = new Map<string, { map: SourceMap; dir: string } | null>();
function sourceMapOf(file: string): { map: SourceMap; dir: string } | null {
  if (!maps.has(file)) {
    const mapFile = `${file}.map`;
    maps.set(
      file,
      fs.existsSync(mapFile)
        ? {
            map: new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8')) as SourceMapPayload),
            dir: path.dirname(file),
          }
        : null,
    );
  }
  return maps.get(file)!;
}

/** A frame in a bundle, moved to where its function is in the sources. */
function original(frame: CallFrame): CallFrame {
  if (!frame.url.startsWith('file://') || frame.lineNumber < 0) return frame;
  const file = frame.url.slice('file://'.length);
  const sm = sourceMapOf(file);
  const entry = sm?.map.findEntry(frame.lineNumber, frame.columnNumber);
  if (!sm || !entry || !('originalSource' in entry) || !entry.originalSource) return frame;
  const source = entry.originalSource.startsWith('file://')
    ? entry.originalSource.slice('file://'.length)
    : path.resolve(sm.dir, entry.originalSource);
  return { ...frame, url: `file://${source}`, lineNumber: entry.originalLine, columnNumber: entry.originalColumn };
}

for (const node of profile.nodes) node.callFrame = original(node.callFrame);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Where a function lives, shortened: the repository's own files relative to it, Node's own modules by name. */
function place(url: string, line: number): string {
  if (!url) return '';
  const local = url.startsWith('file://') ? url.slice('file://'.length) : url;
  return `${local.startsWith(ROOT) ? path.relative(ROOT, local) : local}:${line + 1}`;
}

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = place(url, lineNumber);
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

/** A coarse source area, to see at a glance where the time goes. */
function area(n: ProfileNode): string {
  const { url, functionName } = n.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const local = url.startsWith('file://') ? url.slice('file://'.length) : url;
  if (local.startsWith('node:')) return local.replace(/^node:(internal\/)?/, 'node:').split('/')[0]!;
  const rel = path.relative(ROOT, local);
  const m =
    /^(packages\/[^/]+\/src(?:\/[^/]+(?=\/))?|apps\/[^/]+\/src\/[^/]+(?:\/[^/]+(?=\/))?|node_modules\/[^/]+)/.exec(rel);
  return m ? m[1]! : rel;
}

const self = new Map<string, number>();
const total = new Map<string, number>();
const areas = new Map<string, number>();
let all = 0;
let idle = 0;
let clock = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i + 1] ?? 0;
  clock += profile.timeDeltas[i] ?? 0;
  if (clock < fromUs) continue;
  const node = byId.get(profile.samples[i]!)!;
  all += dt;
  if (node.callFrame.functionName === '(idle)') {
    idle += dt;
    continue;
  }
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  areas.set(area(node), (areas.get(area(node)) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const l = label(byId.get(id)!);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + dt);
  }
}

const busy = all - idle;
const pct = (us: number, of: number): string => `${((us / of) * 100).toFixed(1).padStart(5)} %`;
const list = (title: string, map: Map<string, number>): void => {
  process.stdout.write(`\n${title} (% of busy time)\n`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${pct(us, busy)}  ${name}\n`);
  }
};
process.stdout.write(
  `${path.basename(file)}: ${(all / 1e6).toFixed(1)} s profiled${fromUs ? ` from ${fromUs / 1e6} s on` : ''}, busy ${pct(busy, all).trim()}, idle ${pct(idle, all).trim()}\n`,
);
list('Areas, self time', areas);
list('Functions, self time', self);
list('Functions, total time (self and callees)', total);
