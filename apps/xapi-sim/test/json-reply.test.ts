import { dictOf, float, int32, jsonrpc, type XapiValue } from '@xwc/api-client';
import { describe, expect, it } from 'vitest';
import { eventSnapshot } from '../src/api/event.ts';
import { Database } from '../src/db/database.ts';
import { seededIds } from '../src/db/ids.ts';
import { wireRecord } from '../src/db/wire.ts';
import { encodeResult } from '../src/rpc/json.ts';

const text = (bytes: Buffer): string => bytes.toString('utf8');

describe('JSON-RPC reply encoder', () => {
  it('writes the same bytes as the api-client encoder for every kind of value', () => {
    const values: XapiValue[] = [
      'plain',
      'ünïcode "quoted" \\ \n \u2028',
      '2024-01-02T03:04:05.000Z',
      42,
      -0,
      Number.NaN,
      1.5e300,
      true,
      null,
      new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      new Date(Number.NaN),
      new Date(Date.UTC(12000, 0, 1)),
      float(1),
      int32(7),
      [],
      [1, 'a', [new Date(0)], { x: float(2.5) }],
      { a: 1, b: { c: [null, 'd'] }, e: new Date(0) },
      dictOf([
        ['__proto__', 'data'],
        ['k', 'v'],
      ]),
      { events: [{ id: '1', snapshot: { when: new Date(86_400_000), p: float(0) } }], count: { vm: int32(3) } },
    ];
    for (const value of values) {
      for (const version of [1, 2] as const) {
        expect(text(encodeResult(version, 'id-7', value))).toBe(jsonrpc.encodeResult(version, 'id-7', value));
      }
    }
    const skipped = { a: undefined, b: 1 } as unknown as XapiValue;
    expect(text(encodeResult(2, 3, skipped))).toBe(jsonrpc.encodeResult(2, 3, skipped));
  });

  it("writes an event snapshot's cached text exactly as the struct would encode", () => {
    const db = new Database(seededIds(3));
    const vm = db.create('VM', { name_label: 'a', other_config: { k: 'v' }, last_booted_record: '' });
    db.create('VBD', { VM: vm });
    const snapshot = db.rendered('VM', vm, eventSnapshot);
    const expected = jsonrpc.encodeResult(2, 1, wireRecord('VM', db.record('VM', vm)));
    expect(text(encodeResult(2, 1, snapshot))).toBe(expected);
    // The second reply is written from the cache.
    expect(text(encodeResult(2, 1, snapshot))).toBe(expected);
  });

  it("re-encodes a cached snapshot after a field write and after a change to the record's computed sets", () => {
    const db = new Database(seededIds(4));
    const vm = db.create('VM', { name_label: 'before' });
    const encoded = (): string => text(encodeResult(2, 1, db.rendered('VM', vm, eventSnapshot)));
    expect(encoded()).toContain('"name_label":"before"');
    db.update('VM', vm, { name_label: 'after' });
    expect(encoded()).toContain('"name_label":"after"');
    const vbd = db.create('VBD', { VM: vm });
    expect(encoded()).toContain(`"VBDs":["${vbd}"]`);
    db.destroy('VBD', vbd);
    expect(encoded()).toContain('"VBDs":[]');
  });
});
