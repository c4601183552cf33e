import { describe, expect, it } from 'vitest';
import { HOSTILE_KEYS, hostileMap, PROTOTYPE_KEYS, prototypeFingerprint } from '../../../tests/support/hostile-keys.ts';
import { planPatch } from '../src/catalogue/plan.ts';
import { ownValue } from '../src/dict.ts';
import { XapiTransportError } from '../src/errors.ts';
import { parseRecord } from '../src/records.ts';
import * as jsonrpc from '../src/wire/jsonrpc.ts';
import { float, type XapiValue } from '../src/wire/values.ts';
import * as xmlrpc from '../src/wire/xmlrpc.ts';

/**
 * Map keys from the pool are data (SECURITY.md #13): both wire protocols decode and encode every key, `__proto__`
 * included, as an own entry; records' maps have no prototype, so a key a map lacks is absent, never a method.
 */

const FINGERPRINT = prototypeFingerprint();

/** A value through one protocol: encoded as the simulator answers, decoded as the client reads replies. */
const roundTrips: Record<'json-rpc' | 'xml-rpc', (value: XapiValue) => XapiValue> = {
  'json-rpc': (value) => {
    const reply = jsonrpc.decodeReply(jsonrpc.encodeResult(2, 1, value));
    if (!reply.ok) throw new Error('not a result');
    return reply.result;
  },
  'xml-rpc': (value) => {
    const response = xmlrpc.decodeResponse(xmlrpc.encodeSuccess(value));
    if (response.kind !== 'value') throw new Error('not a value');
    const outcome = xmlrpc.unwrapStatus(response.value);
    if (!outcome.ok) throw new Error('not a success');
    return outcome.value;
  },
};

/** A request through one protocol: encoded as the client calls, decoded as the simulator reads calls. */
const requests: Record<'json-rpc' | 'xml-rpc', (params: XapiValue[]) => XapiValue[]> = {
  'json-rpc': (params) => jsonrpc.decodeRequest(jsonrpc.encodeRequest('VM.set_other_config', params, 1)).params,
  'xml-rpc': (params) => xmlrpc.decodeCall(xmlrpc.encodeCall('VM.set_other_config', params)).params,
};

describe.each(['json-rpc', 'xml-rpc'] as const)('map keys over %s', (transport) => {
  it('decodes every hostile key as an own entry of its struct, both in replies and in calls', () => {
    const map = hostileMap();
    const inReply = (roundTrips[transport]({ other_config: map }) as Record<string, Record<string, string>>)
      .other_config!;
    const inCall = requests[transport]([map])[0] as Record<string, string>;
    for (const got of [inReply, inCall]) {
      expect(Object.keys(got).sort()).toEqual([...HOSTILE_KEYS].sort());
      for (const key of HOSTILE_KEYS) expect(Object.getOwnPropertyDescriptor(got, key)?.value).toBe(map[key]);
    }
    expect(prototypeFingerprint()).toBe(FINGERPRINT);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never turns a `__proto__` member into a prototype, even when it holds a struct', () => {
    const evil = JSON.parse('{"__proto__": {"polluted": "yes"}, "toString": "text"}') as XapiValue;
    const decoded = roundTrips[transport]({ other_config: evil }) as Record<string, Record<string, unknown>>;
    const inner = decoded.other_config!;
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(Object.hasOwn(inner, '__proto__')).toBe(true);
    expect(inner.polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(inner, '__proto__')?.value).toEqual({ polluted: 'yes' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(prototypeFingerprint()).toBe(FINGERPRINT);
  });

  it('parses records into maps without a prototype, keeping every key and reading missing ones as absent', () => {
    const other = hostileMap(HOSTILE_KEYS.filter((key) => key !== 'toString'));
    const raw = roundTrips[transport]({
      uuid: 'u',
      other_config: other,
      VCPUs_params: {},
      current_operations: JSON.parse('{"__proto__": "clean_shutdown"}') as XapiValue,
    });
    const vm = parseRecord('VM', raw);
    expect(vm.other_config).toEqual(other);
    for (const field of ['other_config', 'VCPUs_params', 'current_operations', 'platform'] as const) {
      const map = vm[field] as Record<string, string>;
      expect(Object.getPrototypeOf(map), field).toBeNull();
      expect(map.toString, field).toBeUndefined();
      expect(map.valueOf, field).toBe(field === 'other_config' ? other.valueOf : undefined);
    }
    expect(ownValue(vm.current_operations, '__proto__')).toBe('clean_shutdown');
    expect(vm.VCPUs_params.hasOwnProperty).toBeUndefined();
    expect(prototypeFingerprint()).toBe(FINGERPRINT);
  });

  it('turns numbers in a map into strings and float maps into numbers, whatever the key', () => {
    const raw = roundTrips[transport]({
      uuid: 'm',
      VCPUs_utilisation: JSON.parse('{"__proto__": 0.5, "constructor": 0.25}') as XapiValue,
      other_config: JSON.parse('{"__proto__": 1, "valueOf": true}') as XapiValue,
    });
    const metrics = parseRecord('VM_metrics', raw);
    expect(ownValue(metrics.VCPUs_utilisation, '__proto__')).toBe(0.5);
    expect(ownValue(metrics.VCPUs_utilisation, 'constructor')).toBe(0.25);
    expect(ownValue(metrics.other_config, '__proto__')).toBe('1');
    expect(ownValue(metrics.other_config, 'valueOf')).toBe('true');
    expect(Object.getPrototypeOf(metrics.VCPUs_utilisation)).toBeNull();
  });

  it('still refuses a map value of the wrong type, under any key', () => {
    const raw = roundTrips[transport]({ uuid: 'u', platform: JSON.parse('{"__proto__": ["x"]}') as XapiValue });
    expect(() => parseRecord('VM', raw)).toThrow(XapiTransportError);
    expect(() => parseRecord('VM', raw)).toThrow('VM.platform: unexpected struct for a map field');
  });

  it('encodes float maps and every prototype key as members', () => {
    const value = Object.fromEntries(PROTOTYPE_KEYS.map((key, i) => [key, float(i + 0.5)]));
    const decoded = roundTrips[transport](value) as Record<string, number>;
    expect(Object.keys(decoded).sort()).toEqual([...PROTOTYPE_KEYS].sort());
    PROTOTYPE_KEYS.forEach((key, i) => expect(Object.getOwnPropertyDescriptor(decoded, key)?.value).toBe(i + 0.5));
  });
});

describe('extension writes keep the hostile keys a map already holds', () => {
  it('sends them back in a whole-map set_ and undo, and edits no other key', () => {
    const record = {
      xenstore_data: JSON.parse('{"__proto__": "p", "constructor": "c", "vm-data/a": "1"}') as Record<string, string>,
      other_config: JSON.parse('{"__proto__": "p"}') as Record<string, string>,
    };
    const plan = planPatch('VM', record, { 'xenstore_data:vm-data/b': '2', 'other_config:HideFromXenCenter': 'true' });
    if (!plan.ok) return expect.unreachable(plan.message);
    const set = plan.operations.find((op) => op.method === 'VM.set_xenstore_data')!;
    expect(Object.entries(set.args[1] as object)).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['vm-data/a', '1'],
      ['vm-data/b', '2'],
    ]);
    expect(Object.entries(set.undo!.args[1] as object)).toEqual(Object.entries(record.xenstore_data));
    expect(plan.operations.map((op) => [op.method, op.args.slice(1)])).toContainEqual([
      'VM.add_to_other_config',
      ['HideFromXenCenter', 'true'],
    ]);
    expect(plan.operations.filter((op) => op.method.startsWith('VM.remove_from'))).toEqual([]);
  });
});

describe('the nesting guards stay (SECURITY.md #12)', () => {
  it('refuses JSON nested deeper than 256 in maps too', () => {
    const deep = `${'{"k":'.repeat(300)}"x"${'}'.repeat(300)}`;
    expect(() => jsonrpc.decodeReply(`{"jsonrpc":"2.0","result":${deep},"id":1}`)).toThrow(/nesting too deep/);
  });

  it('refuses XML nested deeper than 256', () => {
    const deep = `${'<value><struct><member><name>__proto__</name>'.repeat(300)}`;
    expect(() => xmlrpc.decodeResponse(`<methodResponse><params><param>${deep}`)).toThrow(/nesting too deep/);
  });
});
