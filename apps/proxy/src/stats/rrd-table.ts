import { describeSource, type StatsSeries } from '@xwc/contracts';
import { isXapiUuid } from '../console/location.ts';

/** One column of a pool reply: whose data source it is. */
export interface RrdColumn {
  readonly cls: 'vm' | 'host';
  readonly uuid: string;
  readonly name: string;
}

/** Statistics as parsed from the pool, once: row times ascending, one vector of values per column (NaN = none). */
export interface RrdTable {
  readonly step: number;
  readonly t: Float64Array;
  readonly columns: readonly RrdColumn[];
  readonly values: readonly Float64Array[];
}

/** Thrown for a reply that is not statistics at all; odd columns and values are tolerated instead. */
export class RrdFormatError extends Error {}

const SOURCE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Data-source names the product passes on: short, plain ASCII. */
export const isSourceName = (name: string): boolean => SOURCE_NAME.test(name);

/** A legend entry `CF:class:uuid:source`; undefined for one the product cannot use (the column is skipped). */
export function parseLegendEntry(entry: string): RrdColumn | undefined {
  const [cf, cls, uuid, name, ...rest] = entry.split(':');
  if (rest.length || cf !== 'AVERAGE' || (cls !== 'vm' && cls !== 'host')) return undefined;
  if (!uuid || !isXapiUuid(uuid) || !name || !isSourceName(name)) return undefined;
  return { cls, uuid, name };
}

/** A value as rrdtool writes it; anything unreadable or infinite counts as no value. */
export function parseValue(text: string): number {
  const value = Number(text);
  return Number.isFinite(value) ? value : NaN;
}

/** Rows in ascending time, each time once (the pool writes newest first). */
export function ascending(
  step: number,
  columns: readonly RrdColumn[],
  rows: readonly { t: number; v: Float64Array }[],
): RrdTable {
  const sorted = [...rows].sort((a, b) => a.t - b.t).filter((row, i, all) => i === 0 || all[i - 1]!.t !== row.t);
  return {
    step,
    t: Float64Array.from(sorted, (row) => row.t),
    columns,
    values: columns.map((_, c) => Float64Array.from(sorted, (row) => row.v[c]!)),
  };
}

/** The series of one object, for rows after `since`, in the API's units. */
export function seriesOf(
  table: RrdTable,
  cls: 'vm' | 'host',
  uuid: string,
  since: number,
): { t: number[]; series: StatsSeries[] } {
  let first = 0;
  while (first < table.t.length && table.t[first]! <= since) first++;
  const series: StatsSeries[] = [];
  table.columns.forEach((column, c) => {
    if (column.cls !== cls || column.uuid !== uuid) return;
    const source = describeSource(column.name);
    const values = Array.from(table.values[c]!.subarray(first), (v) => (Number.isNaN(v) ? null : v * source.scale));
    series.push({
      id: column.name,
      group: source.group,
      unit: source.unit,
      label: source.label,
      ...(source.device === undefined ? {} : { device: source.device }),
      values,
    });
  });
  return { t: Array.from(table.t.subarray(first)), series };
}
