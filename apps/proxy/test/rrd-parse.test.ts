import { describe, expect, it } from 'vitest';
import { parseDump } from '../src/stats/dump.ts';
import { RrdFormatError, seriesOf } from '../src/stats/rrd-table.ts';
import { parseXport } from '../src/stats/xport.ts';

const VM = '0b8f7e5c-7d1e-4a5b-9c3d-2e1f0a9b8c7d';

describe('rrd_updates (xport) replies', () => {
  it('keeps the columns it can read, in time order, with gaps for NaN and short rows', () => {
    const table = parseXport(
      '<xport><meta><step>60</step><legend>' +
        `<entry>AVERAGE:vm:${VM}:cpu0</entry><entry>AVERAGE:vm:not-a-uuid:cpu0</entry>` +
        `<entry>AVERAGE:vm:${VM}:memory_internal_free</entry></legend></meta><data>` +
        '<row><t>120</t><v>0.5</v><v>1</v><v>2048.0</v></row>' +
        '<row><t>60</t><v>NaN</v></row>' +
        '<row><t>60</t><v>0.9</v></row>' +
        '</data></xport>',
    );
    expect(table.step).toBe(60);
    expect(table.columns.map((c) => c.name)).toEqual(['cpu0', 'memory_internal_free']);
    const { t, series } = seriesOf(table, 'vm', VM, 0);
    expect(t).toEqual([60, 120]);
    expect(series.map((s) => s.values)).toEqual([
      [null, 0.5],
      [null, 2048 * 1024],
    ]);
    expect(seriesOf(table, 'vm', VM, 60).t).toEqual([120]);
  });

  it.each(['', '<html>busy</html>', '<xport><meta></meta></xport>', '<xport><meta><step>0</step></meta></xport>'])(
    'refuses %j, which is not a reply',
    (xml) => expect(() => parseXport(xml)).toThrow(RrdFormatError),
  );
});

describe('whole RRDs (dumps)', () => {
  const dump = (rows: string) =>
    '<rrd><version>0003</version><step>5</step><lastupdate>1000</lastupdate>' +
    '<ds><name>cpu0</name></ds><ds><name>bad name!</name></ds><ds><name>vif_0_rx</name></ds>' +
    '<rra><cf>MAX</cf><pdp_per_row>1</pdp_per_row><database><row><v>9</v><v>9</v><v>9</v></row></database></rra>' +
    `<rra><cf>AVERAGE</cf><pdp_per_row>12</pdp_per_row><database>${rows}</database></rra>` +
    '</rrd>';

  it('reads the average archive of the step asked for, timing rows back from the last update', () => {
    const table = parseDump(dump('<row><v>0.1</v><v>7</v><v>10</v></row><row><v>Infinity</v><v>7</v></row>'), VM, 60);
    expect(table.step).toBe(60);
    expect(Array.from(table.t)).toEqual([900, 960]);
    expect(seriesOf(table, 'vm', VM, 0).series).toEqual([
      expect.objectContaining({ id: 'cpu0', values: [0.1, null] }),
      expect.objectContaining({ id: 'vif_0_rx', device: '0', values: [10, null] }),
    ]);
  });

  it('refuses a dump without an average archive', () => {
    expect(() => parseDump(dump('').replace('<cf>AVERAGE</cf>', '<cf>MIN</cf>'), VM, 60)).toThrow(RrdFormatError);
  });
});
