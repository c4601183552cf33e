import type { StatsGroup, StatsReply, StatsSeries, StatsUnit } from '../shared/contracts.ts';

/** One graph of the Performance tab: a title, a unit, and its lines (values aligned with the reply's times). */
export interface ChartSpec {
  readonly key: string;
  readonly title: string;
  readonly unit: StatsUnit;
  readonly lines: readonly { readonly label: string; readonly values: readonly (number | null)[] }[];
}

const GROUP_TITLES: Record<StatsGroup, string> = {
  cpu: 'CPU',
  memory: 'Memory',
  network: 'Network',
  disk: 'Disk',
  load: 'Load',
  other: 'Other',
};

const byDevice = (a: StatsSeries, b: StatsSeries): number =>
  (a.device ?? '').localeCompare(b.device ?? '', undefined, { numeric: true });

/** The mean of each row over the given series, ignoring gaps (a row without any value stays a gap). */
function mean(series: readonly StatsSeries[], rows: number): (number | null)[] {
  return Array.from({ length: rows }, (_, row) => {
    let sum = 0;
    let count = 0;
    for (const s of series) {
      const v = s.values[row];
      if (v === null || v === undefined) continue;
      sum += v;
      count++;
    }
    return count === 0 ? null : sum / count;
  });
}

/**
 * The graphs for a reply: CPU (the total first: a host's own average, or the mean of a VM's vCPUs, then each CPU),
 * memory, one graph per network interface and per disk, load, and anything the product does not know yet.
 */
export function chartsOf(reply: Pick<StatsReply, 'class' | 't' | 'series'>): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const of = (group: StatsGroup) => reply.series.filter((s) => s.group === group);
  const cpus = of('cpu').filter((s) => s.id !== 'cpu_avg');
  const average = of('cpu').find((s) => s.id === 'cpu_avg');
  if (cpus.length || average) {
    const total = average ? average.values : mean(cpus, reply.t.length);
    const prefix = reply.class === 'vm' ? 'vCPU' : 'CPU';
    charts.push({
      key: 'cpu',
      title: GROUP_TITLES.cpu,
      unit: 'fraction',
      lines: [
        { label: 'Total', values: total },
        ...cpus.map((s) => ({ label: s.label.replace(/^CPU/, prefix), values: s.values })),
      ],
    });
  }
  const memory = of('memory');
  if (memory.length) charts.push({ key: 'memory', title: GROUP_TITLES.memory, unit: 'bytes', lines: memory });
  for (const group of ['network', 'disk'] as const) {
    const devices = new Map<string, StatsSeries[]>();
    for (const s of of(group).sort(byDevice)) devices.set(s.device ?? '', [...(devices.get(s.device ?? '') ?? []), s]);
    for (const [device, lines] of devices) {
      const name = group === 'disk' ? device : /^\d+$/.test(device) ? `interface ${device}` : device;
      charts.push({ key: `${group}:${device}`, title: `${GROUP_TITLES[group]}: ${name}`, unit: 'bytes/s', lines });
    }
  }
  for (const group of ['load', 'other'] as const) {
    for (const s of of(group)) {
      charts.push({ key: `${group}:${s.id}`, title: `${GROUP_TITLES[group]}: ${s.label}`, unit: s.unit, lines: [s] });
    }
  }
  return charts;
}

/** The shape of a reply's graphs: when it changes (an interface appears, a VM moves) the graphs are rebuilt. */
export const layoutOf = (charts: readonly ChartSpec[]): string =>
  charts.map((c) => `${c.key}=${c.lines.map((l) => l.label).join(',')}`).join(';');
