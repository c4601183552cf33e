import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DvdDrivesView, IsoLibrariesView } from '@xwc/contracts';
import { api } from '../support/api.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** The DVD drive beside the console: the gateway's routes over the simulated pool's ISO libraries and CD drives. */

let stack: Stack;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ pool: { operationMs: 100 } });
  for (const user of ['root', 'vmoperator', 'readonly']) cookies[user] = (await stack.login(user)).cookie;
});
afterAll(() => stack?.close());

const vmUuid = (name: string): string => String(stack.pool.vm(name).record.uuid);
const driveOf = (vm: string): { ref: string; uuid: string } => {
  const [ref] = stack.pool.findRefs('VBD', (r) => r.VM === stack.pool.vm(vm).ref && r.type === 'CD');
  return { ref: ref!, uuid: String(stack.pool.record('VBD', ref!).uuid) };
};
const vdiUuid = (name: string): string => {
  const [ref] = stack.pool.findRefs('VDI', (r) => r.name_label === name);
  return String(stack.pool.record('VDI', ref!).uuid);
};
const discIn = (vbd: string): string => {
  const vdi = String(stack.pool.record('VBD', vbd).VDI);
  return vdi === 'OpaqueRef:NULL' ? '' : String(stack.pool.record('VDI', vdi).name_label);
};
const insert = (user: string, drive: string, body: unknown) =>
  api(stack, 'POST', `/api/objects/vbd/${drive}/insert`, { cookie: cookies[user], body });
const eject = (user: string, drive: string) =>
  api(stack, 'POST', `/api/objects/vbd/${drive}/eject`, { cookie: cookies[user], body: {} });
const dvdAudit = () => stack.audit.json().filter((line) => line.event === 'dvd-change');

describe('listing', () => {
  it("lists a VM's CD drives with the disc in each, and none for a VM without one", async () => {
    const response = await api<DvdDrivesView>(stack, 'GET', `/api/objects/vm/${vmUuid('Windows 11 test')}/cd-drives`, {
      cookie: cookies.readonly,
    });
    expect(response.status).toBe(200);
    const view = response.body;
    expect(view.vm).toEqual({ uuid: vmUuid('Windows 11 test'), name: 'Windows 11 test', powerState: 'Suspended' });
    expect(view.drives).toEqual([
      {
        uuid: driveOf('Windows 11 test').uuid,
        userdevice: '3',
        disc: {
          uuid: vdiUuid('SERVER_EVAL_x64FRE_en-us.iso'),
          name: 'SERVER_EVAL_x64FRE_en-us.iso',
          size: 4942 * 1024 ** 2,
          library: 'ISO library',
        },
      },
    ]);
    const none = await api<DvdDrivesView>(stack, 'GET', `/api/objects/vm/${vmUuid('Debian 12 web')}/cd-drives`, {
      cookie: cookies.readonly,
    });
    expect(none.body.drives).toEqual([]);
  });

  it('lists the ISO libraries the VM’s host reaches, by name, without hidden ones or other hosts’ drives', async () => {
    const response = await api<IsoLibrariesView>(
      stack,
      'GET',
      `/api/objects/vm/${vmUuid('Windows Server 2022')}/isos`,
      {
        cookie: cookies.readonly,
      },
    );
    expect(response.status).toBe(200);
    const { libraries } = response.body;
    expect(libraries.map((l) => [l.name, l.isos.map((i) => i.name)])).toEqual([
      ['DVD drives', ['SCSI 0:0:0:0']],
      [
        'ISO library',
        ['debian-12.7.0-amd64-netinst.iso', 'SERVER_EVAL_x64FRE_en-us.iso', 'ubuntu-24.04.1-live-server-amd64.iso'],
      ],
      ['XCP-ng Tools', ['guest-tools.iso']],
    ]);
    // The DVD drive listed is the one of the host the VM runs on.
    const [dvdSr] = stack.pool.findRefs('SR', (r) => r.uuid === libraries[0]!.uuid);
    const hosts = stack.pool.findRefs('PBD', (r) => r.SR === dvdSr).map((pbd) => stack.pool.record('PBD', pbd).host);
    expect(hosts).toEqual([stack.pool.vm('Windows Server 2022').record.resident_on]);
  });

  it('needs a login and a uuid', async () => {
    expect((await api(stack, 'GET', `/api/objects/vm/${vmUuid('Windows 11 test')}/isos`)).status).toBe(401);
    const bad = await api(stack, 'GET', '/api/objects/vm/not-a-uuid/cd-drives', { cookie: cookies.root });
    expect(bad.status).toBe(400);
  });
});

describe('insert and eject', () => {
  it('eject then insert as a vm-operator, each audited, the pool’s drive changed', async () => {
    const drive = driveOf('Windows Server 2022');
    const ejected = await eject('vmoperator', drive.uuid);
    expect(ejected.status).toBe(200);
    expect(stack.pool.record('VBD', drive.ref).empty).toBe(true);
    const inserted = await insert('vmoperator', drive.uuid, { vdi: vdiUuid('debian-12.7.0-amd64-netinst.iso') });
    expect(inserted.status).toBe(200);
    expect(discIn(drive.ref)).toBe('debian-12.7.0-amd64-netinst.iso');
    expect(dvdAudit().slice(-2)).toEqual([
      expect.objectContaining({ user: 'vmoperator', object: `vbd/${drive.uuid}`, action: 'eject', outcome: 'success' }),
      expect.objectContaining({
        user: 'vmoperator',
        object: `vbd/${drive.uuid}`,
        action: 'insert',
        iso: 'debian-12.7.0-amd64-netinst.iso',
        outcome: 'success',
      }),
    ]);
  });

  it('a read-only user is refused by the pool’s role check (403), and the drive is unchanged', async () => {
    const drive = driveOf('Windows Server 2022');
    const before = discIn(drive.ref);
    const refused = await eject('readonly', drive.uuid);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'RBAC_PERMISSION_DENIED', permission: 'vbd.eject' });
    const empty = driveOf('Ubuntu 24.04 build agent');
    const refusedInsert = await insert('readonly', empty.uuid, { vdi: vdiUuid('guest-tools.iso') });
    expect(refusedInsert.status).toBe(403);
    expect(refusedInsert.body).toMatchObject({ error: 'RBAC_PERMISSION_DENIED', permission: 'vbd.insert' });
    expect(discIn(drive.ref)).toBe(before);
    expect(stack.pool.record('VBD', empty.ref).empty).toBe(true);
    expect(dvdAudit().at(-1)).toMatchObject({ user: 'readonly', outcome: 'failure', detail: 'RBAC_PERMISSION_DENIED' });
  });

  it("maps XAPI's refusals onto clear errors", async () => {
    const full = driveOf('Windows 11 test');
    const empty = driveOf('Ubuntu 24.04 build agent');
    const tools = vdiUuid('guest-tools.iso');
    expect((await insert('root', empty.uuid, { vdi: tools })).status).toBe(200);
    expect((await insert('root', empty.uuid, { vdi: tools })).body).toEqual({
      error: 'DRIVE_NOT_EMPTY',
      message: 'The drive already holds a disc: eject it first.',
      xapiCode: 'VBD_NOT_EMPTY',
    });
    expect((await eject('root', empty.uuid)).status).toBe(200);
    const twice = await eject('root', empty.uuid);
    expect([twice.status, twice.body]).toEqual([
      409,
      { error: 'DRIVE_EMPTY', message: 'The drive is already empty.', xapiCode: 'VBD_IS_EMPTY' },
    ]);
    const suspended = await eject('root', full.uuid);
    expect([suspended.status, suspended.body]).toMatchObject([409, { error: 'VM_SUSPENDED' }]);
    const [disk] = stack.pool.findRefs('VBD', (r) => r.type === 'Disk' && r.VM === stack.pool.vm('Debian 12 web').ref);
    const notDrive = await eject('root', String(stack.pool.record('VBD', disk!).uuid));
    expect([notDrive.status, notDrive.body]).toMatchObject([400, { error: 'NOT_A_DVD_DRIVE' }]);
  });

  it('refuses a disk that is not an ISO, and bodies that are not {vdi: uuid}, before asking the pool', async () => {
    const empty = driveOf('Ubuntu 24.04 build agent');
    const [disk] = stack.pool.findRefs('VDI', (r) => r.name_label === 'Debian 12 web 0');
    const notIso = await insert('root', empty.uuid, { vdi: String(stack.pool.record('VDI', disk!).uuid) });
    expect([notIso.status, notIso.body]).toMatchObject([400, { error: 'NOT_AN_ISO' }]);
    for (const [body, why] of [
      [{}, '"vdi" must be the uuid of an ISO.'],
      [{ vdi: 'guest-tools.iso' }, '"vdi" must be the uuid of an ISO.'],
      [{ vdi: vdiUuid('guest-tools.iso'), force: true }, 'Unknown field "force": the body takes "vdi" only.'],
      [['x'], 'The body must be a JSON object: { "vdi": "<uuid of an ISO>" }.'],
    ] as const) {
      const response = await insert('root', empty.uuid, body);
      expect([response.status, response.body]).toEqual([400, { error: 'BAD_REQUEST', message: why }]);
    }
    expect(stack.pool.record('VBD', empty.ref).empty).toBe(true);
  });

  it('answers 404 for a drive or ISO the pool does not have', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await eject('root', missing)).status).toBe(404);
    expect((await insert('root', driveOf('Ubuntu 24.04 build agent').uuid, { vdi: missing })).status).toBe(404);
  });
});
