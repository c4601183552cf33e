import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { login, ok, xmlCall } from './sim-client.ts';

/** PIF.plug/unplug and VIF.plug/unplug: where a network's new MTU reaches its NICs, with xapi's roles and errors. */

let pool: SimulatedPool;
const s: Record<string, string> = {};

beforeAll(async () => {
  pool = await startPool({ authFailureDelayMs: 10 });
  for (const user of ['root', 'operator', 'vmadmin', 'vmoperator']) s[user] = await login(pool, user);
});
afterAll(() => pool.close());

const failure = (code: string, ...params: string[]) => ({ ok: false, code, params });
const network = (name: string) => pool.findRefs('network', (r) => r.name_label === name)[0]!;
const pif = (host: string, device: string) => {
  const [hostRef] = pool.findRefs('host', (r) => r.name_label === host);
  return pool.findRefs('PIF', (r) => r.host === hostRef && r.device === device)[0]!;
};

describe('a replug applies the network’s MTU', () => {
  it('PIF: unplugged and plugged by a pool operator, it takes the network MTU (or its own override)', async () => {
    const net = network('Pool-wide network associated with eth1');
    await ok(pool, 'network.set_MTU', [s.root!, net, 9000]);
    const eth1 = pif('xcp-host-01', 'eth1');
    expect(pool.record('PIF', eth1).MTU).toBe(1500);
    await ok(pool, 'PIF.unplug', [s.operator!, eth1]);
    expect(pool.record('PIF', eth1).currently_attached).toBe(false);
    await ok(pool, 'PIF.plug', [s.operator!, eth1]);
    expect(pool.record('PIF', eth1)).toMatchObject({ currently_attached: true, MTU: 9000 });

    await ok(pool, 'network.set_MTU', [s.root!, net, 1500]);
    const overridden = pif('xcp-host-02', 'eth1');
    await ok(pool, 'PIF.unplug', [s.root!, overridden]);
    await ok(pool, 'PIF.plug', [s.root!, overridden]);
    expect(pool.record('PIF', overridden).MTU).toBe(9000);
  });

  it('PIF: a VM admin is refused by RBAC; the management interface cannot be unplugged', async () => {
    const eth1 = pif('xcp-host-03', 'eth1');
    const refused = (await xmlCall(pool, 'PIF.unplug', [s.vmadmin!, eth1])) as { ok: false; code: string };
    expect(refused.code).toBe('RBAC_PERMISSION_DENIED');
    expect(pool.record('PIF', eth1).currently_attached).toBe(true);
    const eth0 = pif('xcp-host-03', 'eth0');
    expect(await xmlCall(pool, 'PIF.unplug', [s.root!, eth0])).toEqual(failure('PIF_IS_MANAGEMENT_INTERFACE', eth0));
  });

  it('VIF: a VM admin replugs a running VM’s NIC; twice, or on a halted VM, is refused as xapi does', async () => {
    const vm = pool.vm('Debian 12 web');
    const [vif] = pool.findRefs('VIF', (r) => r.VM === vm.ref && r.device === '1');
    const net = pool.record('VIF', vif!).network as string;
    await ok(pool, 'network.set_MTU', [s.root!, net, 9000]);
    await ok(pool, 'VIF.unplug', [s.vmadmin!, vif!]);
    expect(await xmlCall(pool, 'VIF.unplug', [s.vmadmin!, vif!])).toEqual(failure('DEVICE_ALREADY_DETACHED', vif!));
    await ok(pool, 'VIF.plug', [s.vmadmin!, vif!]);
    expect(pool.record('VIF', vif!)).toMatchObject({ currently_attached: true, MTU: 9000 });
    expect(await xmlCall(pool, 'VIF.plug', [s.vmadmin!, vif!])).toEqual(failure('DEVICE_ALREADY_ATTACHED', vif!));
    const denied = (await xmlCall(pool, 'VIF.plug', [s.vmoperator!, vif!])) as { code: string };
    expect(denied.code).toBe('RBAC_PERMISSION_DENIED');

    const halted = pool.vm('CentOS 7 legacy');
    const [off] = pool.findRefs('VIF', (r) => r.VM === halted.ref);
    expect(await xmlCall(pool, 'VIF.plug', [s.root!, off!])).toEqual(
      failure('VM_BAD_POWER_STATE', halted.ref, 'running', 'halted'),
    );
  });
});
