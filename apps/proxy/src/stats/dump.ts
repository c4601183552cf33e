import { ascending, isSourceName, parseValue, RrdFormatError, type RrdColumn, type RrdTable } from './rrd-table.ts';

/**
 * Parses a whole RRD (`/vm_rrd`, rrdtool dump XML as xapi writes it) and returns the average archive with `step`
 * (the nearest coarser one if it lacks it) as a table for `uuid`. Rows carry no times in a dump: the newest row
 * ends on the archive's last whole step before `lastupdate`, and rows are oldest first.
 */
export function parseDump(xml: string, uuid: string, step: number): RrdTable {
  const base = Number(/<rrd>[\s\S]*?<step>\s*(\d{1,9})\s*<\/step>/.exec(xml)?.[1]);
  const lastUpdate = Number(/<lastupdate>\s*(\d{1,12})\s*<\/lastupdate>/.exec(xml)?.[1]);
  const firstArchive = xml.indexOf('<rra>');
  if (!(base > 0) || !Number.isSafeInteger(lastUpdate) || firstArchive === -1) {
    throw new RrdFormatError('not an RRD');
  }
  const columns: RrdColumn[] = [...xml.slice(0, firstArchive).matchAll(/<ds>\s*<name>\s*([^<]*?)\s*<\/name>/g)].map(
    (m) => ({ cls: 'vm', uuid, name: m[1]! }),
  );
  const archives = xml
    .slice(firstArchive)
    .split('<rra>')
    .slice(1)
    .map((text) => ({
      cf: /<cf>\s*(\w+)\s*<\/cf>/.exec(text)?.[1],
      step: base * Number(/<pdp_per_row>\s*(\d{1,9})\s*<\/pdp_per_row>/.exec(text)?.[1]),
      text,
    }))
    .filter((a) => a.cf === 'AVERAGE' && a.step > 0)
    .sort((a, b) => a.step - b.step);
  const archive = archives.find((a) => a.step >= step) ?? archives.at(-1);
  if (!archive) throw new RrdFormatError('the RRD has no average archive');
  const database = /<database>([\s\S]*?)<\/database>/.exec(archive.text)?.[1] ?? '';
  const raw = [...database.matchAll(/<row>([\s\S]*?)<\/row>/g)].map((m) =>
    [...m[1]!.matchAll(/<v>([^<]*)<\/v>/g)].map((v) => v[1]!),
  );
  const last = Math.floor(lastUpdate / archive.step) * archive.step;
  const rows = raw.map((values, i) => ({
    t: last - (raw.length - 1 - i) * archive.step,
    v: Float64Array.from(columns, (_, c) => (c < values.length ? parseValue(values[c]!) : NaN)),
  }));
  // Names the product cannot use are dropped, as in rrd_updates.
  const usable = columns.flatMap((column, c) => (isSourceName(column.name) ? [c] : []));
  return ascending(
    archive.step,
    usable.map((c) => columns[c]!),
    rows.map((row) => ({ t: row.t, v: Float64Array.from(usable, (c) => row.v[c]!) })),
  );
}
