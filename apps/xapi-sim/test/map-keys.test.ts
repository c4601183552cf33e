import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float, isStruct, type XapiValue } from '@xwc/api-client';
import { HOSTILE_KEYS, hostileMap, prototypeFingerprint } from '../../../tests/support/hostile-keys.ts';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { jsonCall, login, xmlCall } from './sim-client.ts';

/**
 * The simulated pool stores and returns any map key as XAPI does: `__proto__`, `toString` and the rest are entries of
 * the map through the generic add_to_/remove_from_/set_ messages, get_record, get_all_records(_where) and event.from,
 * in both encodings; XAPI's database refuses an empty key.
 */

let pool: SimulatedPool;
let session: string;
let vm: string;
const FINGERPRINT = prototypeFingerprint();

beforeAll(async () => {
  pool = await startPool({ operationMs: 10, authFailureDelayMs: 10 });
  session = await login(pool);
  vm = pool.vm('Debian 12 web').ref;
});
afterAll(() => pool.close());

type Call = (
  method: string,
  params: readonly XapiValue[],
) => Promise<{ ok: true; value: XapiValue } | { ok: false; code: string; params: string[] }>;

const calls: Record<'json-rpc' | 'xml-rpc', Call> = {
  'json-rpc': async (method, params) => {
    const reply = await jsonCall(pool, method, params);
    return reply.ok ? { ok: true, value: reply.result } : { ok: false, code: reply.code, params: reply.params };
  },
  'xml-rpc': (method, params) => xmlCall(pool, method, params),
};

/** The value of a call that must succeed. */
async function value(call: Call, method: string, params: readonly XapiValue[]): Promise<XapiValue> {
  const outcome = await call(method, params);
  if (!outcome.ok) throw new Error(`${method}: ${outcome.code} ${outcome.params.join(' ')}`);
  return outcome.value;
}

const otherConfig = (record: XapiValue): Record<string, XapiValue> => {
  if (!isStruct(record) || !isStruct(record.other_config)) throw new Error('no other_config');
  return record.other_config as Record<string, XapiValue>;
};

describe.each(['json-rpc', 'xml-rpc'] as const)('map keys over %s', (transport) => {
  const call = calls[transport];

  it('stores every hostile key through set_ and add_to_, returns it everywhere, and removes it with remove_from_', async () => {
    const map = hostileMap();
    const half = Math.floor(HOSTILE_KEYS.length / 2);
    const events = await value(call, 'event.from', [session, ['vm'], '', float(0)]);
    const token = (events as { token: string }).token;

    await value(call, 'VM.set_other_config', [
      session,
      vm,
      Object.fromEntries(HOSTILE_KEYS.slice(0, half).map((k) => [k, map[k]!])),
    ]);
    for (const key of HOSTILE_KEYS.slice(half))
      await value(call, 'VM.add_to_other_config', [session, vm, key, map[key]!]);

    // Stored as entries of the map, not as a prototype.
    const stored = pool.vm(vm).record.other_config as Record<string, string>;
    expect(Object.keys(stored).sort()).toEqual([...HOSTILE_KEYS].sort());
    expect(Object.getOwnPropertyDescriptor(stored, '__proto__')?.value).toBe(map.__proto__);

    const record = await value(call, 'VM.get_record', [session, vm]);
    expect(otherConfig(record)).toEqual(map);
    const all = (await value(call, 'VM.get_all_records', [session])) as Record<string, XapiValue>;
    expect(otherConfig(all[vm]!)).toEqual(map);
    expect(await value(call, 'VM.get_other_config', [session, vm])).toEqual(map);
    const changed = (await value(call, 'event.from', [session, ['vm'], token, float(1)])) as {
      events: { ref: string; snapshot?: XapiValue }[];
    };
    const mine = changed.events.filter((e) => e.ref === vm);
    expect(mine.length).toBeGreaterThan(0);
    expect(otherConfig(mine.at(-1)!.snapshot!)).toEqual(map);

    // A duplicate is refused under any key, as XAPI does.
    const duplicate = await call('VM.add_to_other_config', [session, vm, '__proto__', 'again']);
    expect(duplicate).toMatchObject({ ok: false, code: 'MAP_DUPLICATE_KEY' });

    for (const key of HOSTILE_KEYS) await value(call, 'VM.remove_from_other_config', [session, vm, key]);
    expect(otherConfig(await value(call, 'VM.get_record', [session, vm]))).toEqual({});
    expect(prototypeFingerprint()).toBe(FINGERPRINT);
  });

  it('refuses an empty key in add_to_ and set_, as XAPI’s database does', async () => {
    for (const [method, params] of [
      ['VM.add_to_other_config', [session, vm, '', 'x']],
      ['VM.set_other_config', [session, vm, { '': 'x', ok: 'y' }]],
    ] as const) {
      expect(await call(method, params)).toEqual({
        ok: false,
        code: 'INTERNAL_ERROR',
        params: ['Db_exn.Empty_key_in_map'],
      });
    }
  });

  it('filters on a map holding a hostile key in get_all_records_where', async () => {
    await value(call, 'VM.set_other_config', [
      session,
      vm,
      JSON.parse('{"__proto__": "p", "toString": "t"}') as XapiValue,
    ]);
    const matches = (await value(call, 'VM.get_all_records_where', [
      session,
      `field "other_config" = "(('__proto__' 'p') ('toString' 't'))"`,
    ])) as Record<string, XapiValue>;
    expect(Object.keys(matches)).toEqual([vm]);
    const none = (await value(call, 'VM.get_all_records_where', [
      session,
      `field "other_config" = "(('toString' 't'))"`,
    ])) as Record<string, XapiValue>;
    expect(Object.keys(none)).toEqual([]);
    await value(call, 'VM.set_other_config', [session, vm, {}]);
  });

  it('checks keyed permissions by the key itself, whatever it is called', async () => {
    // A vm-operator may write `folder` only; `__proto__` and `constructor` are ordinary keys needing vm-admin.
    const operator = await login(pool, 'vmoperator');
    for (const key of ['__proto__', 'constructor']) {
      const refused = await call('VM.add_to_other_config', [operator, vm, key, 'x']);
      expect(refused.ok || [refused.code, refused.params[0]]).toEqual([
        'RBAC_PERMISSION_DENIED',
        'vm.add_to_other_config',
      ]);
    }
    expect(await value(call, 'VM.add_to_other_config', [operator, vm, 'folder', '/x'])).toBe('');
    await value(call, 'VM.remove_from_other_config', [session, vm, 'folder']);
  });
});
