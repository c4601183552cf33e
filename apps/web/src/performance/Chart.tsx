import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { ChartSpec } from './charts.ts';
import { formatValue } from './format.ts';

const COLORS = ['#1f6fb2', '#2da44e', '#d4a72c', '#cf222e', '#8250df', '#1b7c83', '#bc4c00', '#57606a'];
const HEIGHT = 180;

const data = (t: readonly number[], spec: ChartSpec): uPlot.AlignedData => [
  t as number[],
  ...spec.lines.map((line) => line.values as (number | null)[]),
];

/** One uPlot graph; hovering any graph of the tab shows every graph's values at that time, with units. */
export function Chart({ spec, t, syncKey }: { spec: ChartSpec; t: readonly number[]; syncKey: string }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const layout = spec.lines.map((line) => line.label).join('\n');

  useEffect(() => {
    const element = holder.current!;
    const muted = getComputedStyle(element).getPropertyValue('--muted').trim() || '#5b6876';
    const axis = { stroke: muted, grid: { stroke: `${muted}33` }, ticks: { stroke: `${muted}55` } };
    const options: uPlot.Options = {
      width: element.clientWidth || 600,
      height: HEIGHT,
      cursor: { sync: { key: syncKey } },
      legend: { live: true },
      scales: {
        y: { range: (_u, _min, max) => [0, spec.unit === 'fraction' ? Math.max(1, max) : max > 0 ? max * 1.1 : 1] },
      },
      axes: [axis, { ...axis, size: 90, values: (_u, ticks) => ticks.map((v) => formatValue(v, spec.unit)) }],
      series: [
        { value: (_u, v) => (v === null ? '—' : new Date(v * 1000).toLocaleString()) },
        ...spec.lines.map((line, i) => ({
          label: line.label,
          stroke: COLORS[i % COLORS.length],
          width: i === 0 ? 2 : 1,
          value: (_u: uPlot, v: number | null) => formatValue(v, spec.unit),
        })),
      ],
    };
    const chart = new uPlot(options, [[]], element);
    plot.current = chart;
    const observer = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
    // Rebuilt only when its lines or unit change; new rows go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout, spec.unit, syncKey]);

  useEffect(() => {
    plot.current?.setData(data(t, spec));
  }, [t, spec, layout]);

  return (
    <figure className="perf-chart" aria-label={spec.title}>
      <figcaption>{spec.title}</figcaption>
      <div ref={holder} className="perf-plot" />
    </figure>
  );
}
