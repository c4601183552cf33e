import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  caTrust,
  CATALOGUE,
  validateValue,
  XapiConnection,
  type Entry,
  type KnownClass,
  type XapiSession,
} from '@xwc/api-client';
import { api } from '../support/api.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let root: string;
let plain: XapiSession;

type Records = Record<string, Record<string, unknown>>;

beforeAll(async () => {
  stack = await startStack();
  root = (await stack.login('root')).cookie;
  // A plain XAPI client, independent of the gateway, to see what really reached the pool.
  const connection = new XapiConnection({
    url: stack.pool.master.url,
    trust: caTrust(stack.pool.caPem),
    transport: 'xml-rpc',
  });
  plain = await connection.login('root', stack.password('root'));
});
afterAll(async () => {
  await plain?.logout().catch(() => undefined);
  plain?.connection.close();
  await stack?.close();
});

/** A value the entry should accept: the point is to exercise the write path, not the validator. */
function samples(entry: Entry, vmUuid: string): string[] {
  const t = entry.type;
  switch (t.kind) {
    case 'boolean':
      return ['true', 'false'];
    case 'enum':
      return t.options.map((o) => o.value).reverse();
    case 'int':
      return [String(Math.min(t.max, Math.max(t.min, 9000))), String(t.min + 1)];
    case 'boot-order':
      return ['ndc', 'cd'];
    case 'comma-list':
      return [
        t.items
          .slice(0, 2)
          .map((i) => i.value)
          .join(','),
      ];
    case 'datetime':
      return [t.format === 'iso8601' ? '20240102T03:04:05Z' : '1700000000.5'];
    case 'hostname-or-ip':
      return ['syslog.example.net', '192.0.2.10'];
    case 'uuid-or-ref':
      return [vmUuid];
    default:
      return ['iqn.2024-01.net.example:xwc-test', 'xwc-test'];
  }
}

const keyFor = (entry: Entry): string | undefined => entry.key ?? entry.keyPattern?.replace('*', 'xwc-test');
const patchKeyFor = (entry: Entry): string =>
  keyFor(entry) === undefined ? entry.field : `${entry.field}:${keyFor(entry)}`;

async function records(cls: string): Promise<Records> {
  return (await api<{ records: Records }>(stack, 'GET', `/api/objects/${cls.toLowerCase()}`, { cookie: root })).body
    .records;
}

describe('every writable key round-trips and is what a plain XAPI client sees', () => {
  const editable = CATALOGUE.filter((e): e is Extract<Entry, { editable: true }> => e.editable);

  it('covers at least the documented keys', () => {
    expect(editable.length).toBeGreaterThan(40);
  });

  it.each(editable.map((entry) => [entry.id, entry] as const))('%s', async (_id, entry) => {
    const vmUuid = String(stack.pool.vm('Windows Server 2022').record.uuid);
    const all = await records(entry.cls);
    const patchKey = patchKeyFor(entry);
    let written = false;
    for (const [uuid, record] of Object.entries(all)) {
      for (const sample of samples(entry, vmUuid)) {
        const verdict = validateValue(entry, sample, { record });
        if (!verdict.ok) continue;
        const response = await api<{ record: Record<string, unknown> }>(
          stack,
          'PATCH',
          `/api/objects/${entry.cls.toLowerCase()}/${uuid}/extensions`,
          { cookie: root, body: { [patchKey]: sample } },
        );
        expect(response.status, response.text).toBe(200);
        const fresh = await plain.getRecord(entry.cls as KnownClass, String(record.$ref));
        const key = keyFor(entry);
        const seen =
          key === undefined
            ? (fresh as Record<string, unknown>)[entry.field]
            : ((fresh as Record<string, unknown>)[entry.field] as Record<string, string>)[key];
        const expected = verdict.normalized === null ? undefined : verdict.normalized;
        expect(seen === undefined ? undefined : String(seen)).toBe(expected);
        written = true;
        break;
      }
      if (written) break;
    }
    expect(written, `no ${entry.cls} accepted a sample value for ${patchKey}`).toBe(true);
  });
});

describe('all or nothing', () => {
  it('refuses a patch with one bad key and writes none of it', async () => {
    const vm = stack.pool.vm('Debian 12 web');
    const before = await plain.getRecord('VM', vm.ref);
    const response = await api(stack, 'PATCH', `/api/objects/vm/${vm.record.uuid}/extensions`, {
      cookie: root,
      body: { 'other_config:auto_poweron': 'true', 'xenstore_data:data/secret': 'x', 'VCPUs_params:weight': '7' },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'INVALID_EXTENSION', key: 'xenstore_data:data/secret' });
    expect(String((response.body as { message: string }).message)).toMatch(/vm-data\//);
    const after = await plain.getRecord('VM', vm.ref);
    expect(after.other_config).toEqual(before.other_config);
    expect(after.xenstore_data).toEqual(before.xenstore_data);
    expect(after.VCPUs_params).toEqual(before.VCPUs_params);
  });

  it.each([
    ['VCPUs_params:weight', '0'],
    ['VCPUs_params:weight', '12abc'],
    ['HVM_boot_params:order', 'cdd'],
    ['other_config:HideFromXenCenter', 'yes'],
    ['other_config:not-a-documented-key', 'x'],
  ])('refuses %s = %s with a message naming the key', async (key, value) => {
    const vm = stack.pool.vm('Windows Server 2022');
    const response = await api(stack, 'PATCH', `/api/objects/vm/${vm.record.uuid}/extensions`, {
      cookie: root,
      body: { [key]: value },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'INVALID_EXTENSION', key });
  });

  it('refuses an out-of-range network MTU and writes nothing', async () => {
    const [uuid, network] = Object.entries(await records('network'))[0]!;
    const response = await api(stack, 'PATCH', `/api/objects/network/${uuid}/extensions`, {
      cookie: root,
      body: { MTU: '20000' },
    });
    expect(response.status).toBe(400);
    expect((await plain.getRecord('network', String(network.$ref))).MTU).toBe(network.MTU);
  });

  it('undoes the writes already made when XAPI refuses one midway', async () => {
    // vm-admin may set a network's MTU but not its other_config (pool-operator): the second write fails.
    const { cookie } = await stack.login('vmadmin');
    const [uuid, network] = Object.entries(await records('network')).find(([, n]) => n.MTU === 1500)!;
    const before = await plain.getRecord('network', String(network.$ref));
    const response = await api(stack, 'PATCH', `/api/objects/network/${uuid}/extensions`, {
      cookie,
      body: {
        MTU: '9000',
        'other_config:automatic':
          (before.other_config as Record<string, string>).automatic === 'false' ? 'true' : 'false',
      },
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      error: 'RBAC_PERMISSION_DENIED',
      permission: expect.stringMatching(/^network\./),
      rolledBack: true,
    });
    const after = await plain.getRecord('network', String(network.$ref));
    expect(after.MTU).toBe(before.MTU);
    expect(after.other_config).toEqual(before.other_config);
    const audit = stack.audit
      .json()
      .filter((line) => line.event === 'extension-change' && line.object === `network/${uuid}`);
    expect(audit.at(-1)).toMatchObject({ outcome: 'denied', user: 'vmadmin' });
  });

  it('answers 403 with the permission for a read-only user, and 404 for an unknown object', async () => {
    const { cookie } = await stack.login('readonly');
    const vm = stack.pool.vm('Windows Server 2022');
    const denied = await api(stack, 'PATCH', `/api/objects/vm/${vm.record.uuid}/extensions`, {
      cookie,
      body: { 'other_config:auto_poweron': 'false' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ error: 'RBAC_PERMISSION_DENIED', permission: 'vm.remove_from_other_config' });
    const missing = await api(stack, 'PATCH', `/api/objects/vm/00000000-0000-4000-8000-000000000000/extensions`, {
      cookie: root,
      body: { 'other_config:auto_poweron': 'false' },
    });
    expect(missing.status).toBe(404);
  });
});

describe('raw other_config', () => {
  it('edits keys the catalogue does not know, and refuses documented ones', async () => {
    const vm = stack.pool.vm('Ubuntu 24.04 build agent');
    const ok = await api(stack, 'PATCH', `/api/objects/vm/${vm.record.uuid}/other-config`, {
      cookie: root,
      body: { 'xwc.note': 'hello <b>world</b>' },
    });
    expect(ok.status).toBe(200);
    expect((await plain.getRecord('VM', vm.ref)).other_config['xwc.note']).toBe('hello <b>world</b>');
    const documented = await api(stack, 'PATCH', `/api/objects/vm/${vm.record.uuid}/other-config`, {
      cookie: root,
      body: { HideFromXenCenter: 'true' },
    });
    expect(documented.status).toBe(400);
    const removed = await api(stack, 'PATCH', `/api/objects/vm/${vm.record.uuid}/other-config`, {
      cookie: root,
      body: { 'xwc.note': null },
    });
    expect(removed.status).toBe(200);
    expect((await plain.getRecord('VM', vm.ref)).other_config['xwc.note']).toBeUndefined();
  });

  it('rolls back when a keyed permission refuses the second key', async () => {
    // A vm-operator may write `folder` (a protected key open to it) but no other key.
    const { cookie } = await stack.login('vmoperator');
    const vm = stack.pool.vm('Ubuntu 24.04 build agent');
    const before = await plain.getRecord('VM', vm.ref);
    const response = await api(stack, 'PATCH', `/api/objects/vm/${vm.record.uuid}/other-config`, {
      cookie,
      body: { folder: '/Moved', 'xwc.other': 'x' },
    });
    expect(response.status).toBe(403);
    expect((await plain.getRecord('VM', vm.ref)).other_config).toEqual(before.other_config);
  });
});

describe('GET /api/objects/:class/:uuid and the catalogue', () => {
  it('returns the record with each extension, its value, whether it is set, and its entry', async () => {
    const vm = stack.pool.vm('Windows Server 2022');
    const response = await api<{ extensions: { key: string; isSet: boolean; raw?: string; entry: Entry }[] }>(
      stack,
      'GET',
      `/api/objects/vm/${vm.record.uuid}`,
      { cookie: root },
    );
    const weight = response.body.extensions.find((e) => e.key === 'VCPUs_params:weight')!;
    expect(weight.isSet).toBe(true);
    expect(weight.entry.type.kind).toBe('int');
    const hidden = response.body.extensions.find((e) => e.key === 'other_config:HideFromXenCenter')!;
    expect(hidden.isSet).toBe(false);
  });

  it('serves the catalogue as JSON', async () => {
    const response = await api<{ entries: Entry[] }>(stack, 'GET', '/api/catalogue', { cookie: root });
    expect(response.body.entries.length).toBe(CATALOGUE.length);
  });
});
