import fs from 'node:fs';
import type { Machine } from './machine.ts';
import type { Measured, Peer, Row } from './scenario.ts';

/** Turns the scenarios' rows into the printed table, bench/results.json and docs/BENCHMARKS.md. */

export interface ScenarioOutcome {
  name: string;
  title: string;
  method: string;
  seconds: number;
  loadBefore: number;
  /** 1-minute load average when it ended (absent in results written before it was recorded). */
  loadAfter?: number;
  rows: Row[];
  error?: string;
}

export interface RunInfo {
  command: string;
  mode: 'full' | 'quick';
  startedAt: string;
  seconds: number;
  machine: Machine;
  /** 1-minute load average when the run ended. */
  loadAtEnd?: number;
}

const PEERS: Peer[] = ['websockify', 'raw TCP'];

export function format(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Every figure is a median; with several runs their range follows it, e.g. "230 MB (225–236)". */
function range(m: Measured): string {
  const finite = m.samples.filter(Number.isFinite);
  if (finite.length < 2) return '';
  const lo = format(Math.min(...finite));
  const hi = format(Math.max(...finite));
  return lo === hi ? '' : ` (${lo}–${hi})`;
}

function cell(m: Measured | undefined, unit: string): string {
  if (!m) return '';
  return `${m.bound ? `${m.bound} ` : ''}${format(m.value)} ${unit}${range(m)}`;
}

function pairedText(row: Row): { theirs: string; ratio: string } {
  const p = row.paired!;
  return {
    theirs: `${p.name}: ${cell(p.theirs, row.unit)}`,
    ratio: `${times(p.ratio.value)}${range(p.ratio)}, ${p.ratio.samples.length} pair${p.ratio.samples.length === 1 ? '' : 's'}`,
  };
}

const ratio = (a: number, b: number): number => (b === 0 || !Number.isFinite(b) ? NaN : a / b);
const times = (r: number): string => (Number.isFinite(r) ? `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×` : '—');

/** Every figure's ratios: ours to each peer and to the budget; each peer to ours and to the other peer. */
export function ratiosOf(row: Row): {
  ours: Record<string, number>;
  peers: Partial<Record<Peer, Record<string, number>>>;
} {
  const ours: Record<string, number> = {};
  const peers: Partial<Record<Peer, Record<string, number>>> = {};
  for (const peer of PEERS) {
    const p = row.peers?.[peer];
    if (!p) continue;
    ours[peer] = ratio(row.ours.value, p.value);
    const own: Record<string, number> = { ours: ratio(p.value, row.ours.value) };
    for (const other of PEERS) {
      const o = row.peers?.[other];
      if (other !== peer && o) own[other] = ratio(p.value, o.value);
    }
    peers[peer] = own;
  }
  if (row.budget !== undefined) ours.budget = ratio(row.ours.value, row.budget);
  return { ours, peers };
}

function ratioText(row: Row): string {
  const { ours } = ratiosOf(row);
  return Object.entries(ours)
    .map(([k, v]) => `${times(v)} ${k === 'budget' ? 'target' : k}`)
    .join(', ');
}

function mark(row: Row, plain = false): string {
  const t = row.target;
  if (!t) return '';
  if (t.pass === undefined) return `${plain ? 'NOT JUDGED' : 'not judged'}: ${t.text}`;
  if (plain) return `${t.pass ? 'PASS' : 'MISS'} ${t.text}`;
  return `${t.pass ? '✅ pass' : '❌ miss'}: ${t.text}`;
}

const failure = (o: ScenarioOutcome): string => o.error!.split('\n')[0]!.replace(/\|/g, '/');

/**
 * The main table (XWC beside websockify and raw TCP), then the paired comparisons (XWC beside another of its own
 * paths, run in alternating pairs) in a table of their own.
 */
export function tableLines(outcomes: readonly ScenarioOutcome[]): string[] {
  const lines = [
    '| Scenario | Measure | XWC | websockify | raw TCP | Ratios (XWC to …) | Target |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const o of outcomes) {
    if (o.error) {
      lines.push(`| ${o.title} | **failed**: ${failure(o)} | | | | | |`);
      continue;
    }
    for (const row of o.rows.filter((r) => !r.paired)) {
      lines.push(
        `| ${o.title} | ${row.measure} | ${cell(row.ours, row.unit)} | ${cell(row.peers?.websockify, row.unit)} | ` +
          `${cell(row.peers?.['raw TCP'], row.unit)} | ${ratioText(row)} | ${mark(row)} |`,
      );
    }
  }
  const paired = outcomes.flatMap((o) => o.rows.filter((r) => r.paired).map((row) => ({ o, row })));
  if (paired.length === 0) return lines;
  lines.push(
    '',
    '### Paired comparisons',
    '',
    'Each XWC figure beside another path measured in the same run, the runs made in pairs in alternating order ' +
      '(A then B, B then A, …); the ratio is taken within each pair: its median, and the range over the pairs.',
    '',
    '| Scenario | Measure | XWC | Compared with | XWC ÷ it, per pair | Target |',
    '|---|---|---|---|---|---|',
  );
  for (const { o, row } of paired) {
    const p = pairedText(row);
    lines.push(
      `| ${o.title} | ${row.measure} | ${cell(row.ours, row.unit)} | ${p.theirs} | ${p.ratio} | ${mark(row)} |`,
    );
  }
  return lines;
}

/** The table for a terminal: aligned columns, no Markdown pipes. */
export function printTable(outcomes: readonly ScenarioOutcome[]): string {
  const rows: string[][] = [['Measure', 'XWC', 'websockify', 'raw TCP', 'Ratios', 'Target']];
  for (const o of outcomes) {
    if (o.error) {
      rows.push([`${o.title}: FAILED ${o.error.split('\n')[0]}`, '', '', '', '', '']);
      continue;
    }
    for (const row of o.rows) {
      const p = row.paired ? pairedText(row) : undefined;
      rows.push([
        row.measure,
        cell(row.ours, row.unit),
        p ? p.theirs : cell(row.peers?.websockify, row.unit),
        p ? '' : cell(row.peers?.['raw TCP'], row.unit),
        p ? `${p.ratio} ${row.paired!.name}` : ratioText(row),
        mark(row, true),
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.min(80, Math.max(...rows.map((r) => r[c]!.length))));
  return rows
    .map((r) =>
      r
        .map((text, c) => text.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function writeResults(file: string, info: RunInfo, outcomes: readonly ScenarioOutcome[]): void {
  const json = {
    ...info,
    scenarios: outcomes.map((o) => ({
      name: o.name,
      title: o.title,
      method: o.method,
      seconds: Math.round(o.seconds * 10) / 10,
      loadBefore: Math.round(o.loadBefore * 100) / 100,
      ...(o.loadAfter !== undefined ? { loadAfter: Math.round(o.loadAfter * 100) / 100 } : {}),
      ...(o.error ? { error: o.error } : {}),
      figures: o.rows.map((row) => {
        const r = ratiosOf(row);
        return {
          id: row.id,
          measure: row.measure,
          unit: row.unit,
          higherIsBetter: row.higherIsBetter,
          ours: { ...row.ours, ratios: r.ours },
          ...(row.peers
            ? {
                peers: Object.fromEntries(
                  Object.entries(row.peers).map(([name, m]) => [name, { ...m, ratios: r.peers[name as Peer] }]),
                ),
              }
            : {}),
          ...(row.paired ? { paired: row.paired } : {}),
          ...(row.budget !== undefined ? { budget: row.budget } : {}),
          ...(row.target ? { target: row.target } : {}),
          ...(row.notes ? { notes: row.notes } : {}),
        };
      }),
    })),
  };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** Reads back what writeResults wrote, to render the Markdown again (after editing bench/analysis.ts). */
export function readResults(file: string): { info: RunInfo; outcomes: ScenarioOutcome[] } {
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as RunInfo & {
    scenarios: (Omit<ScenarioOutcome, 'rows'> & { figures: Row[] })[];
  };
  const { scenarios, command, mode, startedAt, seconds, machine, loadAtEnd } = json;
  return {
    info: { command, mode, startedAt, seconds, machine, ...(loadAtEnd !== undefined ? { loadAtEnd } : {}) },
    outcomes: scenarios.map(({ figures, ...rest }) => ({ ...rest, rows: figures })),
  };
}

/**
 * The analysis quotes figures by their key in bench/results.json, never typed: `{id}` is the figure with its unit
 * and range, `{id:ratio}` a paired figure's per-pair ratio with its range, `{id:theirs}` the path it was paired
 * with. A key the run did not produce reads "(not measured: id)".
 */
export function fill(text: string, figures: ReadonlyMap<string, Row>): string {
  return text.replace(/\{([a-zA-Z0-9.-]+)(?::(ratio|theirs))?\}/g, (_, id: string, part?: string) => {
    const row = figures.get(id);
    if (!row) return `(not measured: ${id})`;
    if (part === 'ratio' && row.paired) {
      const r = row.paired.ratio;
      return `${times(r.value)}${range(r)} over ${r.samples.length} pairs`;
    }
    if (part === 'theirs' && row.paired) return cell(row.paired.theirs, row.unit);
    return cell(row.ours, row.unit);
  });
}

export function writeMarkdown(
  file: string,
  info: RunInfo,
  outcomes: readonly ScenarioOutcome[],
  text: {
    preamble: string;
    changes: readonly string[];
    analysis: Readonly<Record<string, string>>;
    /** Analysis sections shown after the missed targets, each a title and its text. */
    sections: readonly { title: string; text: string }[];
  },
): void {
  const { preamble, changes, analysis, sections } = text;
  const figures = new Map(outcomes.flatMap((o) => o.rows.map((r) => [r.id, r] as const)));
  const m = info.machine;
  const out: string[] = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run bench` (bench/run.ts); edit bench/analysis.ts for the explanations, not this file. -->',
    '',
    preamble,
    '',
    `Produced by \`${info.command}\` (${info.mode} run) on ${info.startedAt}, in ${Math.round(info.seconds)} s. ` +
      "Every figure is the median of the runs listed in `bench/results.json`, which also holds each run's value and " +
      'every ratio. XWC is this project; websockify and raw TCP were measured in the same run, on the same machine.',
    '',
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| Memory | ${m.memoryGiB} GiB |`,
    `| OS, kernel | ${m.os}, ${m.kernel} |`,
    `| Node.js | ${m.node} (${m.ws}) |`,
    `| Chromium | ${m.chromium} |`,
    `| websockify | ${m.websockify} (python3-numpy ${m.numpy}) |`,
    `| VNC server behind the console (time to first frame) | ${m.xvnc} |`,
    `| Load average (1 min) | ${m.loadAtStart.toFixed(2)} at start, ${info.loadAtEnd?.toFixed(2) ?? '—'} at end (2 cores shared with other work) |`,
    '',
    '## Results',
    '',
    ...tableLines(outcomes),
    '',
  ];
  const notes: string[] = [];
  for (const o of outcomes) {
    for (const row of o.rows) {
      const details = [row.ours.detail, ...(row.notes ?? [])].filter(Boolean);
      for (const peer of PEERS) {
        const d = row.peers?.[peer]?.detail;
        if (d && d !== row.ours.detail) details.push(`${peer}: ${d}`);
      }
      const pd = row.paired?.theirs.detail;
      if (pd && pd !== row.ours.detail) details.push(`${row.paired!.name}: ${pd}`);
      if (details.length) notes.push(`- *${row.measure}*: ${details.join('; ')}.`);
    }
  }
  if (notes.length) out.push('### Details', '', ...notes, '');
  out.push('## What profiling changed', '', ...changes.map((change) => `- ${change}`), '');
  const missed = outcomes.flatMap((o) => o.rows.filter((r) => r.target?.pass === false));
  if (missed.length) {
    out.push('## What limits the missed targets', '');
    for (const row of missed) {
      const beside = row.paired ? `, beside ${row.paired.name}` : '';
      out.push(`### ${row.measure}${beside}`, '', fill(analysis[row.id] ?? 'Not analysed yet.', figures), '');
    }
  }
  for (const section of sections) out.push(`## ${section.title}`, '', fill(section.text, figures), '');
  out.push('## How each scenario is measured', '');
  for (const o of outcomes) {
    out.push(
      `- **${o.title}** (\`--only ${o.name}\`, ${Math.round(o.seconds)} s, load ${o.loadBefore.toFixed(2)} before` +
        `${o.loadAfter !== undefined ? `, ${o.loadAfter.toFixed(2)} after` : ''}): ${fill(o.method, figures)}`,
    );
  }
  out.push('');
  fs.writeFileSync(file, out.join('\n'));
}
