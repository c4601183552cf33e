import { RRD_ARCHIVES } from '@xwc/contracts';
import { Frame, type RrdObject } from './sources.ts';
import type { RunLog } from './run-log.ts';

/** xapi's RRD XML (the rrd library's `Rrd_updates` export and `Rrd.to_xml` dump), written as xapi writes it. */

/** `Utils.f_to_s`: four decimals, `0.0`, `NaN`, `Infinity`. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return value === 0 ? '0.0' : value.toFixed(4);
}

/** The archive step every row time is a multiple of: rows end on whole steps. */
export const lastRowTime = (nowSeconds: number, step: number): number => Math.floor(nowSeconds / step) * step;

/** Every column of `objects` for the rows at `times` (newest first), as the legend and one vector per column. */
function columnsOf(objects: readonly RrdObject[], frame: Frame): { legend: string[]; values: Float64Array[] } {
  const legend: string[] = [];
  const values: Float64Array[] = [];
  for (const object of objects) {
    for (const column of object.columns) {
      const out = new Float64Array(frame.times.length);
      column.fill(frame, out);
      legend.push(`AVERAGE:${object.cls}:${object.uuid}:${column.name}`);
      values.push(out);
    }
  }
  return { legend, values };
}

/** `/rrd_updates`: rows newest first, every column of every object. */
export function xport(objects: readonly RrdObject[], times: readonly number[], step: number, runs: RunLog): string {
  const { legend, values } = columnsOf(objects, new Frame(times, step, runs));
  const out: string[] = [
    `<xport><meta><start>${times.at(-1) ?? 0}</start><step>${step}</step><end>${times[0] ?? 0}</end>`,
    `<rows>${times.length}</rows><columns>${legend.length}</columns><legend>`,
    ...legend.map((entry) => `<entry>${entry}</entry>`),
    '</legend></meta><data>',
  ];
  times.forEach((t, row) => {
    out.push(`<row><t>${t}</t>`);
    for (const column of values) out.push(`<v>${formatValue(column[row]!)}</v>`);
    out.push('</row>');
  });
  out.push('</data></xport>');
  return out.join('');
}

/** `/host_rrd` and `/vm_rrd`: the whole RRD, every archive, rows oldest first, as of `lastUpdate` (Unix seconds). */
export function dump(object: RrdObject, lastUpdate: number, runs: RunLog): string {
  const base = RRD_ARCHIVES[0]!.step;
  const out: string[] = [`<?xml version="1.0"?><rrd><version>0003</version><step>${base}</step>`];
  out.push(`<lastupdate>${lastUpdate}</lastupdate>`);
  for (const column of object.columns) {
    out.push(
      `<ds><name>${column.name}</name><type>GAUGE</type><minimal_heartbeat>300.0000</minimal_heartbeat>`,
      '<min>0.0</min><max>Infinity</max><last_ds>0.0</last_ds><value>0.0</value><unknown_sec>0</unknown_sec></ds>',
    );
  }
  for (const archive of RRD_ARCHIVES) {
    const last = lastRowTime(lastUpdate, archive.step);
    const times = Array.from({ length: archive.rows }, (_, i) => last - (archive.rows - 1 - i) * archive.step);
    const { values } = columnsOf([object], new Frame(times, archive.step, runs));
    out.push(
      `<rra><cf>AVERAGE</cf><pdp_per_row>${archive.step / base}</pdp_per_row><params><xff>0.5000</xff></params>`,
      '<cdp_prep>',
      ...object.columns.map(
        () =>
          '<ds><primary_value>0.0</primary_value><secondary_value>0.0</secondary_value><value>0.0</value>' +
          '<unknown_datapoints>0</unknown_datapoints></ds>',
      ),
      '</cdp_prep><database>',
    );
    times.forEach((_t, row) => {
      out.push('<row>');
      for (const column of values) out.push(`<v>${formatValue(column[row]!)}</v>`);
      out.push('</row>');
    });
    out.push('</database></rra>');
  }
  out.push('</rrd>');
  return out.join('');
}
