import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  caTrust,
  CLASS_NAMES,
  jsonrpc,
  SCHEMA,
  watchEvents,
  XapiConnection,
  XapiError,
  XapiSession,
  XapiTransportError,
  xmlrpc,
  type FieldSpec,
  type KnownClass,
  type XapiValue,
} from '@xwc/api-client';
import { startPool, type SimulatedPool } from '@xwc/xapi-sim';
import { HOSTILE_KEYS, hostileMap, prototypeFingerprint } from '../support/hostile-keys.ts';
import { pick, prng } from '../support/prng.ts';

/**
 * Case 12: whatever a host answers — truncated, corrupted, huge, deeply nested, wrongly typed,
 * never finished — the client gives a typed error within its deadline; it never crashes or hangs.
 */
type Answer = { status: number; type: string; body: string | Buffer; hang?: boolean };
let answer: () => Answer = () => ({ status: 200, type: 'application/json', body: '{}' });
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer();
      if (a.hang) {
        res.writeHead(200, { 'content-type': a.type, 'content-length': '1000' });
        res.write(String(a.body).slice(0, 10));
        return;
      }
      res.writeHead(a.status, { 'content-type': a.type });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const VM_RECORD: XapiValue = {
  uuid: '16cef026-8ca3-4a68-a0b1-dac2f8fd1aea',
  name_label: 'vm',
  power_state: 'Running',
  memory_static_max: 4294967296,
  VCPUs_params: { weight: '256' },
  consoles: ['OpaqueRef:1'],
  domid: 3,
};

function validBody(kind: 'json-rpc' | 'xml-rpc'): string {
  return kind === 'json-rpc' ? jsonrpc.encodeResult(2, 1, VM_RECORD) : xmlrpc.encodeSuccess(VM_RECORD);
}

function mutate(random: () => number, kind: 'json-rpc' | 'xml-rpc'): Answer {
  const type = kind === 'json-rpc' ? 'application/json' : 'text/xml';
  const body = validBody(kind);
  switch (Math.floor(random() * 10)) {
    case 0:
      return { status: 200, type, body: body.slice(0, Math.floor(random() * body.length)) };
    case 1: {
      const bytes = Buffer.from(body);
      for (let i = 0; i < 1 + random() * 8; i++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      return { status: 200, type, body: bytes };
    }
    case 2:
      return { status: 200, type, body: 'x'.repeat(2 * 1024 * 1024) };
    case 3: {
      const depth = 5000 + Math.floor(random() * 50_000);
      const nested =
        kind === 'json-rpc' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'<value><array><data>'.repeat(depth)}`;
      return { status: 200, type, body: kind === 'json-rpc' ? `{"jsonrpc":"2.0","result":${nested},"id":1}` : nested };
    }
    case 4: {
      const wrong = pick(random, [
        42,
        'text',
        [1, 2],
        true,
        null,
        { uuid: 7 },
        { power_state: ['x'] },
        { VCPUs_params: 'w' },
      ]);
      return {
        status: 200,
        type,
        body:
          kind === 'json-rpc'
            ? JSON.stringify({ jsonrpc: '2.0', result: wrong, id: 1 })
            : xmlrpc.encodeSuccess(wrong as XapiValue),
      };
    }
    case 5:
      return { status: pick(random, [500, 502, 404, 301, 204]), type: 'text/html', body: '<html>oops</html>' };
    case 6:
      return { status: 200, type, body: '', hang: true };
    case 7:
      return {
        status: 200,
        type,
        body:
          kind === 'json-rpc'
            ? '{"jsonrpc":"2.0","error":{"code":1},"id":1}'
            : '<?xml version="1.0"?><methodResponse><fault><value>x</value></fault></methodResponse>',
      };
    case 8:
      return {
        status: 200,
        type,
        body:
          kind === 'json-rpc'
            ? '{"jsonrpc":"2.0","result":{"__proto__":{"polluted":true}},"id":1}'
            : '<!DOCTYPE x [<!ENTITY a "aaaa">]><methodResponse/>',
      };
    default:
      return {
        status: 200,
        type: pick(random, ['text/plain', 'application/octet-stream']),
        body: '\u0000\u0001\u0002',
      };
  }
}

describe('12. the XAPI client under malformed replies', () => {
  it.each(['json-rpc', 'xml-rpc'] as const)(
    'gives a typed error every time over %s',
    async (kind) => {
      const random = prng(kind === 'json-rpc' ? 12 : 21);
      const connection = new XapiConnection({ url, transport: kind, timeoutMs: 250, maxResponseBytes: 1024 * 1024 });
      const session = new XapiSession(connection, 'OpaqueRef:00000000-0000-4000-8000-000000000000');
      const kinds = new Map<string, number>();
      for (let i = 0; i < 150; i++) {
        answer = () => mutate(random, kind);
        // A call that never settled would hang here: the deadline is proven by the test finishing at all.
        try {
          await session.getRecord('VM', 'OpaqueRef:1');
          kinds.set('ok', (kinds.get('ok') ?? 0) + 1);
        } catch (error) {
          expect(error instanceof XapiError || error instanceof XapiTransportError, String(error)).toBe(true);
          const name = error instanceof XapiTransportError ? error.kind : 'xapi';
          kinds.set(name, (kinds.get(name) ?? 0) + 1);
        }
      }
      connection.close();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(kinds.get('protocol') ?? 0).toBeGreaterThan(25);
      expect(kinds.get('timeout') ?? 0).toBeGreaterThan(3);
      expect((kinds.get('http') ?? 0) + (kinds.get('too-large') ?? 0)).toBeGreaterThan(3);
    },
    120_000,
  );
});

/**
 * Case 13: map keys from the pool are data. Every map field of every modelled class carries the hostile keys
 * (`__proto__`, `constructor`, `toString`, dots, slashes, spaces, Unicode, XML specials, 4 KiB), written through the
 * generic set_/add_to_ messages where XAPI has them (behind the API's back otherwise, as the toolstack writes), and
 * reads back exactly through get_record, get_all_records and event.from over both protocols, then goes again through
 * remove_from_; Object.prototype is untouched and unrelated calls keep working.
 */
describe('13. map keys from the pool are data', () => {
  let pool: SimulatedPool;
  const MAP_TYPES = new Set<FieldSpec['type']>(['map', 'ops_map', 'float_map']);

  beforeAll(async () => {
    pool = await startPool({ authFailureDelayMs: 20, operationMs: 10 });
  });
  afterAll(() => pool?.close());

  interface Target {
    cls: Exclude<KnownClass, 'message'>;
    ref: string;
    field: string;
    spec: FieldSpec;
    /** Written through the generic messages (else with the toolstack's own hand). */
    viaApi: boolean;
    expected: Record<string, XapiValue>;
  }

  /** Messages are not database rows and hold no maps. */
  const MAP_CLASSES = CLASS_NAMES.filter((cls): cls is Exclude<typeof cls, 'message'> => cls !== 'message');

  function targets(): Target[] {
    const strings = hostileMap();
    const floats = Object.fromEntries(HOSTILE_KEYS.map((key, i) => [key, i + 0.5]));
    return MAP_CLASSES.flatMap((cls) => {
      const ref = pool.findRefs(cls, (record) => record.is_control_domain !== true)[0];
      if (ref === undefined) return [];
      const fields: Readonly<Record<string, FieldSpec>> = SCHEMA[cls].fields;
      return Object.entries(fields)
        .filter(([, spec]) => MAP_TYPES.has(spec.type))
        .map(([field, spec]) => ({
          cls,
          ref,
          field,
          spec,
          // blocked_operations takes operation names as keys through the API; the toolstack's hand writes any key.
          viaApi: spec.rw && spec.type === 'map' && field !== 'blocked_operations',
          expected: spec.type === 'float_map' ? floats : strings,
        }));
    });
  }

  const mapOf = (record: unknown, field: string): Record<string, unknown> =>
    (record as Record<string, Record<string, unknown>>)[field]!;

  it.each(['json-rpc', 'xml-rpc'] as const)(
    'carries hostile keys in every map field of every class over %s',
    async (transport) => {
      const fingerprint = prototypeFingerprint();
      const connection = new XapiConnection({ url: pool.master.url, transport, trust: caTrust(pool.caPem) });
      const root = pool.users.find((u) => u.username === 'root')!;
      const session = await connection.login(root.username, root.password);
      const all = targets();
      expect(new Set(all.map((t) => t.cls)).size).toBe(MAP_CLASSES.length);
      expect(all.filter((t) => t.viaApi).length).toBeGreaterThan(20);
      expect(all.filter((t) => t.spec.type !== 'map').length).toBeGreaterThan(1);

      const watch = watchEvents(session, { classes: CLASS_NAMES, timeoutSeconds: 5 })[Symbol.asyncIterator]();
      expect((await watch.next()).value?.kind).toBe('snapshot');

      const originals = all.map((t) => pool.record(t.cls, t.ref)[t.field]);
      const half = Math.floor(HOSTILE_KEYS.length / 2);
      for (const t of all) {
        if (!t.viaApi) {
          pool.setField(t.cls, t.ref, t.field, t.expected);
          continue;
        }
        const first = Object.fromEntries(HOSTILE_KEYS.slice(0, half).map((key) => [key, t.expected[key]!]));
        await session.call(`${t.cls}.set_${t.field}`, [t.ref, first]);
        for (const key of HOSTILE_KEYS.slice(half)) {
          await session.call(`${t.cls}.add_to_${t.field}`, [t.ref, key, t.expected[key]!]);
        }
      }

      for (const t of all) {
        const map = mapOf(await session.getRecord(t.cls, t.ref), t.field);
        expect(map, `${t.cls}.${t.field}`).toEqual(t.expected);
        expect(Object.getPrototypeOf(map)).toBeNull();
      }
      for (const cls of new Set(all.map((t) => t.cls))) {
        const records = await session.getAllRecords(cls);
        for (const t of all.filter((x) => x.cls === cls)) {
          expect(mapOf(records.get(t.ref), t.field), `${cls}.${t.field}`).toEqual(t.expected);
        }
      }
      // The event stream: the changes carry the hostile maps, and a new watch's snapshot holds them.
      const pending = new Set(all.map((t) => `${t.cls}/${t.ref}/${t.field}`));
      const deadline = Date.now() + 30_000;
      while (pending.size > 0 && Date.now() < deadline) {
        const batch = (await watch.next()).value;
        if (batch?.kind !== 'changes') continue;
        for (const change of batch.changes) {
          if (change.operation === 'del') continue;
          for (const t of all.filter((x) => x.cls === change.cls && x.ref === change.ref)) {
            const map = mapOf(change.record, t.field);
            if (Object.keys(map).length === HOSTILE_KEYS.length) {
              expect(map, `${t.cls}.${t.field} in event.from`).toEqual(t.expected);
              pending.delete(`${t.cls}/${t.ref}/${t.field}`);
            }
          }
        }
      }
      expect([...pending]).toEqual([]);
      await watch.return?.();
      for await (const batch of watchEvents(session, { classes: CLASS_NAMES })) {
        if (batch.kind !== 'snapshot') continue;
        for (const t of all) expect(mapOf(batch.records.of(t.cls).get(t.ref), t.field)).toEqual(t.expected);
        break;
      }

      // Removal through remove_from_, key by key; a removed `toString` reads as absent, never as a method.
      for (const [i, t] of all.entries()) {
        if (!t.viaApi) continue;
        for (const key of HOSTILE_KEYS) await session.call(`${t.cls}.remove_from_${t.field}`, [t.ref, key]);
        const map = mapOf(await session.getRecord(t.cls, t.ref), t.field);
        expect(Object.keys(map), `${t.cls}.${t.field}`).toEqual([]);
        expect(map.toString).toBeUndefined();
        await session.call(`${t.cls}.set_${t.field}`, [t.ref, originals[i] as XapiValue]);
      }
      all.forEach((t, i) => !t.viaApi && pool.setField(t.cls, t.ref, t.field, originals[i]));

      // Nothing else in the process was touched, and unrelated calls still work.
      expect(prototypeFingerprint()).toBe(fingerprint);
      expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
      const again = await connection.login(root.username, root.password);
      expect((await again.getAllRecords('pool')).size).toBe(1);
      expect((await again.getAllRecords('SR')).size).toBeGreaterThan(0);
      await again.logout();
      await session.logout();
      connection.close();
    },
    120_000,
  );
});
