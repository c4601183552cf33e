import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { Desktop } from '../src/rfb/index.ts';
import { login, ok, xmlCall } from './sim-client.ts';

/** The desktop's line for the DVD drive (its eighth). */
const DVD_LINE = 7;

let pool: SimulatedPool;
const s: Record<string, string> = {};

beforeAll(async () => {
  pool = await startPool({ operationMs: 150, authFailureDelayMs: 10 });
  for (const user of ['root', 'vmoperator', 'readonly']) s[user] = await login(pool, user);
});
afterAll(() => pool.close());

const failure = (code: string, ...params: string[]) => ({ ok: false, code, params });
const drive = (vm: string, type = 'CD'): string =>
  pool.findRefs('VBD', (r) => r.VM === pool.vm(vm).ref && r.type === type)[0]!;
const iso = (name: string): string => pool.findRefs('VDI', (r) => r.name_label === name)[0]!;
const nameIn = (vbd: string): string => {
  const vdi = pool.record('VBD', vbd).VDI as string;
  return vdi === 'OpaqueRef:NULL' ? '' : String(pool.record('VDI', vdi).name_label);
};
const dvdLine = (vm: string): string | undefined => {
  const display = pool.display(vm);
  return display instanceof Desktop ? display.statusLines()[DVD_LINE] : undefined;
};

describe('VBD.eject and VBD.insert on a running HVM guest', () => {
  it('change the drive through the domain, marking the VBD meanwhile, and the guest’s desktop shows the disc', async () => {
    const vm = 'Windows Server 2022';
    const vbd = drive(vm);
    expect(dvdLine(vm)).toBe('DVD drive: guest-tools.iso');

    const eject = (await ok(pool, 'Async.VBD.eject', [s.vmoperator!, vbd])) as string;
    await expect.poll(() => pool.record('VBD', vbd).current_operations).toEqual({ [eject]: 'eject' });
    // Another change meanwhile is refused, naming the operation and its task.
    expect(await xmlCall(pool, 'VBD.insert', [s.root!, vbd, iso('guest-tools.iso')])).toEqual(
      failure('OTHER_OPERATION_IN_PROGRESS', 'VBD', vbd, 'eject', eject),
    );
    await expect.poll(() => pool.record('task', eject).status).toBe('success');
    expect(pool.record('VBD', vbd)).toMatchObject({ empty: true, VDI: 'OpaqueRef:NULL', current_operations: {} });
    expect(dvdLine(vm)).toBe('DVD drive: empty');

    await ok(pool, 'VBD.insert', [s.vmoperator!, vbd, iso('debian-12.7.0-amd64-netinst.iso')]);
    expect(pool.record('VBD', vbd)).toMatchObject({ empty: false, current_operations: {} });
    expect(nameIn(vbd)).toBe('debian-12.7.0-amd64-netinst.iso');
    expect(dvdLine(vm)).toBe('DVD drive: debian-12.7.0-amd64-netinst.iso');
  });

  it('send events for the VBD: marked, changed, unmarked', async () => {
    const vbd = drive('Windows Server 2022');
    const { token } = (await ok(pool, 'event.from', [s.root!, ['vbd'], '', 0])) as { token: string };
    await ok(pool, 'VBD.eject', [s.root!, vbd]);
    const batch = (await ok(pool, 'event.from', [s.root!, ['vbd'], token, 5])) as {
      events: { operation: string; ref: string; snapshot: Record<string, unknown> }[];
    };
    const snapshots = batch.events.filter((e) => e.ref === vbd && e.operation === 'mod').map((e) => e.snapshot);
    // event.from coalesces to the latest state of each object; the VDI's VBDs list changed too.
    expect(snapshots.at(-1)).toMatchObject({ empty: true, VDI: 'OpaqueRef:NULL', current_operations: {} });
    const { events } = (await ok(pool, 'event.from', [s.root!, ['vdi'], token, 0])) as {
      events: { ref: string; snapshot: { VBDs: string[] } }[];
    };
    const debian = events.find((e) => e.ref === iso('debian-12.7.0-amd64-netinst.iso'));
    expect(debian?.snapshot.VBDs).not.toContain(vbd);
  });
});

describe('a halted VM’s drive', () => {
  it('changes in the database at once, and the desktop drawn at the next start shows the disc', async () => {
    const vm = 'Windows 10 desktop';
    const vbd = drive(vm);
    expect(pool.record('VBD', vbd).empty).toBe(true);
    await ok(pool, 'VBD.insert', [s.root!, vbd, iso('ubuntu-24.04.1-live-server-amd64.iso')]);
    expect(nameIn(vbd)).toBe('ubuntu-24.04.1-live-server-amd64.iso');
    await pool.start(vm);
    expect(dvdLine(vm)).toBe('DVD drive: ubuntu-24.04.1-live-server-amd64.iso');
    await pool.halt(vm);
    await ok(pool, 'VBD.eject', [s.root!, vbd]);
    expect(pool.record('VBD', vbd)).toMatchObject({ empty: true, VDI: 'OpaqueRef:NULL' });
  });
});

describe('refusals, with xapi’s codes and parameters', () => {
  it('VBD_NOT_EMPTY: a disc is in already', async () => {
    const vbd = drive('Windows 11 test');
    expect(await xmlCall(pool, 'VBD.insert', [s.root!, vbd, iso('guest-tools.iso')])).toEqual(
      failure('VBD_NOT_EMPTY', vbd),
    );
  });

  it('VBD_IS_EMPTY: nothing to eject', async () => {
    const vbd = drive('Ubuntu 24.04 build agent');
    expect(pool.record('VBD', vbd).empty).toBe(true);
    expect(await xmlCall(pool, 'VBD.eject', [s.root!, vbd])).toEqual(failure('VBD_IS_EMPTY', vbd));
  });

  it('VBD_NOT_REMOVABLE_MEDIA: a disk is no drive', async () => {
    const disk = drive('Debian 12 web', 'Disk');
    expect(await xmlCall(pool, 'VBD.eject', [s.root!, disk])).toEqual(failure('VBD_NOT_REMOVABLE_MEDIA', disk));
    expect(await xmlCall(pool, 'VBD.insert', [s.root!, disk, iso('guest-tools.iso')])).toEqual(
      failure('VBD_NOT_REMOVABLE_MEDIA', disk),
    );
  });

  it('VM_BAD_POWER_STATE: a suspended VM’s drive cannot change', async () => {
    const vm = pool.vm('Windows 11 test').ref;
    expect(await xmlCall(pool, 'VBD.eject', [s.root!, drive('Windows 11 test')])).toEqual(
      failure('VM_BAD_POWER_STATE', vm, 'halted, running', 'suspended'),
    );
  });

  it('VDI_NOT_MANAGED: the disc to insert is not managed by its SR', async () => {
    const vbd = drive('Ubuntu 24.04 build agent');
    const disc = iso('SERVER_EVAL_x64FRE_en-us.iso');
    pool.setField('VDI', disc, 'managed', false);
    try {
      expect(await xmlCall(pool, 'VBD.insert', [s.root!, vbd, disc])).toEqual(failure('VDI_NOT_MANAGED', disc));
    } finally {
      pool.setField('VDI', disc, 'managed', true);
    }
    expect(pool.record('VBD', vbd).empty).toBe(true);
  });

  it('HANDLE_INVALID for a VBD or VDI that does not exist', async () => {
    const vbd = drive('Ubuntu 24.04 build agent');
    expect(await xmlCall(pool, 'VBD.eject', [s.root!, 'OpaqueRef:nope'])).toEqual(
      failure('HANDLE_INVALID', 'VBD', 'OpaqueRef:nope'),
    );
    expect(await xmlCall(pool, 'VBD.insert', [s.root!, vbd, 'OpaqueRef:nope'])).toEqual(
      failure('HANDLE_INVALID', 'VDI', 'OpaqueRef:nope'),
    );
  });

  it('RBAC: read-only may not insert or eject; vm-operator and above may', async () => {
    const vbd = drive('Ubuntu 24.04 build agent');
    const roles = 'pool-admin, pool-operator, vm-power-admin, vm-admin, vm-operator';
    expect(await xmlCall(pool, 'VBD.insert', [s.readonly!, vbd, iso('guest-tools.iso')])).toEqual(
      failure(
        'RBAC_PERMISSION_DENIED',
        'vbd.insert',
        `No permission in user session. (Roles with this permission: ${roles})`,
      ),
    );
    expect(await xmlCall(pool, 'VBD.eject', [s.readonly!, drive('Windows 11 test')])).toEqual(
      failure(
        'RBAC_PERMISSION_DENIED',
        'vbd.eject',
        `No permission in user session. (Roles with this permission: ${roles})`,
      ),
    );
    expect(pool.record('VBD', vbd).empty).toBe(true);
    await ok(pool, 'VBD.insert', [s.vmoperator!, vbd, iso('guest-tools.iso')]);
    expect(nameIn(vbd)).toBe('guest-tools.iso');
    await ok(pool, 'VBD.eject', [s.vmoperator!, vbd]);
  });
});
