import { ascending, parseLegendEntry, parseValue, RrdFormatError, type RrdColumn, type RrdTable } from './rrd-table.ts';

/**
 * Parses `/rrd_updates` (rrdtool `xport` XML, xapi-rrd.md) into a table. Columns whose legend entry is not one the
 * product reads are dropped; a row with fewer values than columns has no value (NaN) for the rest, one with more has
 * the extra ignored; rows without a time are skipped. Only a reply without the `xport` structure is refused.
 */
export function parseXport(xml: string): RrdTable {
  const step = Number(/<meta>[\s\S]*?<step>\s*(\d{1,9})\s*<\/step>/.exec(xml)?.[1]);
  const legend = /<legend>([\s\S]*?)<\/legend>/.exec(xml)?.[1];
  const dataAt = xml.indexOf('<data>');
  if (!xml.includes('<xport>') || !(step > 0) || legend === undefined || dataAt === -1) {
    throw new RrdFormatError('not an rrd_updates reply');
  }
  const entries = [...legend.matchAll(/<entry>([^<]*)<\/entry>/g)].map((m) => parseLegendEntry(m[1]!.trim()));
  const kept = entries.flatMap((column, index) => (column ? [{ column, index }] : []));
  const columns: RrdColumn[] = kept.map((k) => k.column);
  const rows: { t: number; v: Float64Array }[] = [];
  const rowPattern = /<row>([\s\S]*?)<\/row>/g;
  rowPattern.lastIndex = dataAt;
  for (let match = rowPattern.exec(xml); match; match = rowPattern.exec(xml)) {
    const t = Number(/<t>\s*(\d{1,12})\s*<\/t>/.exec(match[1]!)?.[1]);
    if (!Number.isSafeInteger(t)) continue;
    const raw = [...match[1]!.matchAll(/<v>([^<]*)<\/v>/g)].map((m) => m[1]!);
    rows.push({ t, v: Float64Array.from(kept, ({ index }) => (index < raw.length ? parseValue(raw[index]!) : NaN)) });
  }
  return ascending(step, columns, rows);
}
