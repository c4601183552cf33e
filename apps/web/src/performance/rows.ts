import type { StatsReply } from '../shared/contracts.ts';

/**
 * Appends a reply of newer rows to what is shown and drops rows older than the range. The series must be the same
 * (same ids, same order); otherwise the caller starts over with a full reply.
 */
export function appendRows(current: StatsReply, update: StatsReply, spanSeconds: number): StatsReply | undefined {
  if (update.series.length !== current.series.length) return undefined;
  if (update.series.some((s, i) => s.id !== current.series[i]!.id)) return undefined;
  const last = current.t.at(-1) ?? -Infinity;
  const fresh = update.t.flatMap((t, i) => (t > last ? [i] : []));
  const t = [...current.t, ...fresh.map((i) => update.t[i]!)];
  const newest = t.at(-1) ?? 0;
  const first = t.findIndex((time) => time > newest - spanSeconds);
  return {
    ...update,
    t: t.slice(first),
    series: current.series.map((s, k) => ({
      ...s,
      values: [...s.values, ...fresh.map((i) => update.series[k]!.values[i] ?? null)].slice(first),
    })),
  };
}
