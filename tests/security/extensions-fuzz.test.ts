import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  caTrust,
  CATALOGUE,
  mapTextProblem,
  readExtensions,
  XapiConnection,
  type KnownClass,
  type XapiSession,
} from '@xwc/api-client';
import { api } from '../support/api.ts';
import { pick, prng } from '../support/prng.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Case 11: thousands of random and malformed PATCH bodies. Afterwards the pool holds exactly what
 * the accepted requests wrote, every documented value in it still reads as valid, and the server
 * still answers.
 */
const SEED = 20261125;
const MAX_REQUESTS = 2000;
const MAX_MS = 60_000;

let stack: Stack;
let root: string;
let plain: XapiSession;

beforeAll(async () => {
  stack = await startStack();
  root = (await stack.login('root')).cookie;
  const connection = new XapiConnection({ url: stack.pool.master.url, trust: caTrust(stack.pool.caPem) });
  plain = await connection.login('root', stack.password('root'));
});
afterAll(async () => {
  plain?.connection.close();
  await stack?.close();
});

const TARGETS: [KnownClass, string][] = [
  ['VM', 'Windows Server 2022'],
  ['VM', 'Debian 12 web'],
  ['network', ''],
  ['PIF', ''],
  ['host', ''],
];

const JUNK = [
  '',
  ' ',
  'true',
  'TRUE',
  'false',
  'on',
  'off',
  '0',
  '-1',
  '1',
  '1500',
  '9000',
  '65536',
  '65537',
  '1e3',
  '0x10',
  '12abc',
  'cdn',
  'dcc',
  'x',
  'half',
  'full',
  '100',
  '1000',
  '10',
  'cdrom',
  'http://mirror.example/debian',
  'nfs,http',
  'nfs,nfs',
  '192.0.2.1',
  'syslog.example.net',
  '-bad-.host',
  '<script>alert(1)</script>',
  'a\r\nb',
  'é',
  'x'.repeat(5000),
  '20240102T03:04:05Z',
  'not a date',
];

function randomKey(random: () => number, cls: KnownClass): string {
  const entries = CATALOGUE.filter((e) => e.cls === cls);
  const roll = random();
  if (roll < 0.6 && entries.length) {
    const entry = pick(random, entries);
    const key = entry.key ?? entry.keyPattern?.replace('*', pick(random, ['a', 'x/y', '', '../etc']));
    return key === undefined ? entry.field : `${entry.field}:${key}`;
  }
  if (roll < 0.75)
    return pick(random, ['xenstore_data:data/x', 'xenstore_data:vm-data', 'other_config:', ':x', 'name_label', 'uuid']);
  if (roll < 0.9)
    return `other_config:${pick(random, ['foo', 'HideFromXenCenter ', 'hidefromxencenter', 'ethtool-xyz'])}`;
  return pick(random, ['__proto__', 'constructor', 'MTU', 'VCPUs_params:weight', 'HVM_boot_params:order']);
}

function randomBody(random: () => number, cls: KnownClass): string {
  const roll = random();
  if (roll < 0.08)
    return pick(random, ['', '{', 'null', '[]', '"x"', '{"a":', '{"a":1}', '{"a":{"b":"c"}}', '1', 'true']);
  const body: Record<string, unknown> = {};
  const count = 1 + Math.floor(random() * 3);
  for (let i = 0; i < count; i++) {
    const value = random() < 0.1 ? pick(random, [null, 1, true, ['x'], { a: 'b' }]) : pick(random, JUNK);
    body[randomKey(random, cls)] = value;
  }
  return JSON.stringify(body);
}

describe('11. extensions API fuzzing', () => {
  it('lets nothing invalid reach XAPI, and the pool ends as the accepted requests left it', async () => {
    const random = prng(SEED);
    const targets = await Promise.all(
      TARGETS.map(async ([cls, name]) => {
        const records = (
          await api<{ records: Record<string, { $ref: string; name_label?: string }> }>(
            stack,
            'GET',
            `/api/objects/${cls.toLowerCase()}`,
            {
              cookie: root,
            },
          )
        ).body.records;
        const [uuid, record] = Object.entries(records).find(([, r]) => !name || r.name_label === name)!;
        return { cls, uuid, ref: record.$ref };
      }),
    );
    const lastAccepted = new Map<string, Record<string, unknown>>();
    const statuses = new Map<number, number>();
    const started = Date.now();
    let sent = 0;
    while (sent < MAX_REQUESTS && Date.now() - started < MAX_MS) {
      const target = pick(random, targets);
      const response = await fetch(
        `${stack.baseUrl}/api/objects/${target.cls.toLowerCase()}/${target.uuid}/extensions`,
        {
          method: 'PATCH',
          headers: { cookie: root, origin: stack.baseUrl, 'content-type': 'application/json' },
          body: randomBody(random, target.cls),
        },
      );
      sent++;
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const text = await response.text();
      expect([200, 400], text).toContain(response.status);
      if (response.status === 200)
        lastAccepted.set(target.uuid, (JSON.parse(text) as { record: Record<string, unknown> }).record);
    }
    expect(sent).toBeGreaterThan(1000);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(sent / 2);

    for (const target of targets) {
      const now = (await plain.getRecord(target.cls, target.ref)) as Record<string, unknown>;
      const expected = lastAccepted.get(target.uuid);
      if (expected) {
        for (const field of ['other_config', 'xenstore_data', 'HVM_boot_params', 'VCPUs_params', 'logging', 'MTU']) {
          if (field in expected) expect(now[field], `${target.cls}.${field}`).toEqual(expected[field]);
        }
      }
      // Every documented value the pool now holds must read back as valid.
      for (const extension of readExtensions(target.cls, now)) {
        if (extension.isSet && extension.entry.editable) {
          expect(extension.problem, `${target.cls} ${extension.key}=${String(extension.raw)}`).toBeUndefined();
        }
      }
    }
    expect((await fetch(`${stack.baseUrl}/api/health`)).status).toBe(200);
  }, 120_000);
});

/**
 * Case 14: one character rule for every map write, the raw other_config route and the extensions route alike (one
 * piece of code, the catalogue's): control characters and non-characters are refused with a 400 naming the key and
 * the character; everything else is stored exactly and reads back the same through JSON-RPC and XML-RPC.
 */
describe('14. one character rule for raw other_config and extensions', () => {
  const REFUSED: [string, string][] = [
    ['NUL', '\u0000'],
    ['TAB', '\t'],
    ['LF', '\n'],
    ['CR', '\r'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
    ['NEL (C1)', '\u0085'],
    ['an unpaired surrogate', '\ud800'],
    ['U+FFFF', '\uffff'],
  ];
  const ACCEPTED = ['ünïcödé ключ 日本語', '😀 𝄞 astral', '<&>"\'', ']]>', '&amp; &#0;', 'inner  spaces '];

  const patch = (uuid: string, kind: 'other-config' | 'extensions', body: Record<string, unknown>) =>
    api<{ error?: string; key?: string; message?: string }>(stack, 'PATCH', `/api/objects/vm/${uuid}/${kind}`, {
      cookie: root,
      body,
    });

  it.each(REFUSED)('refuses %s in keys and values on both routes, naming the key and the character', async (_, ch) => {
    const vm = stack.pool.vm('Debian 12 web');
    const uuid = String(vm.record.uuid);
    const before = await plain.getRecord('VM', vm.ref);
    const cases: [kind: 'other-config' | 'extensions', key: string, value: string, wrong: string][] = [
      ['other-config', `xwc.key${ch}`, 'v', `xwc.key${ch}`],
      ['other-config', 'xwc.value', `v${ch}`, `v${ch}`],
      ['extensions', `xenstore_data:vm-data/key${ch}`, 'v', `vm-data/key${ch}`],
      ['extensions', 'xenstore_data:vm-data/value', `v${ch}`, `v${ch}`],
    ];
    for (const [kind, key, value, wrong] of cases) {
      const response = await patch(uuid, kind, { [key]: value });
      expect(response.status, `${kind} ${JSON.stringify(key)}`).toBe(400);
      expect(response.body).toMatchObject({ error: 'INVALID_EXTENSION', key });
      expect(response.body.message).toContain(mapTextProblem(wrong));
    }
    const after = await plain.getRecord('VM', vm.ref);
    expect(after.other_config).toEqual(before.other_config);
    expect(after.xenstore_data).toEqual(before.xenstore_data);
  });

  it('stores every accepted class of text exactly, read back the same through JSON-RPC and XML-RPC', async () => {
    const vm = stack.pool.vm('Debian 12 web');
    const uuid = String(vm.record.uuid);
    for (const [i, text] of ACCEPTED.entries()) {
      expect((await patch(uuid, 'other-config', { [`xwc.${text}`]: text })).status).toBe(200);
      expect((await patch(uuid, 'extensions', { [`xenstore_data:vm-data/t${i}`]: text })).status).toBe(200);
    }
    for (const transport of ['json-rpc', 'xml-rpc'] as const) {
      const connection = new XapiConnection({
        url: stack.pool.master.url,
        transport,
        trust: caTrust(stack.pool.caPem),
      });
      const session = await connection.login('root', stack.password('root'));
      const record = await session.getRecord('VM', vm.ref);
      for (const [i, text] of ACCEPTED.entries()) {
        expect(record.other_config[`xwc.${text}`], `${transport}: ${text}`).toBe(text);
        expect(record.xenstore_data[`vm-data/t${i}`], `${transport}: ${text}`).toBe(text);
      }
      await session.logout();
      connection.close();
    }
    const cleanup = Object.fromEntries(ACCEPTED.map((text) => [`xwc.${text}`, null]));
    expect((await patch(uuid, 'other-config', cleanup)).status).toBe(200);
    const extensions = Object.fromEntries(ACCEPTED.map((_, i) => [`xenstore_data:vm-data/t${i}`, null]));
    expect((await patch(uuid, 'extensions', extensions)).status).toBe(200);
  });
});
