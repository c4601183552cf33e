import { seededRandom } from '../db/ids.ts';
import { GiB, type PoolBuilder } from './builder.ts';
import { linuxGuest, windowsGuest } from './guests.ts';

const OS = [
  { name: 'Debian 12', hvm: false },
  { name: 'Ubuntu 22.04', hvm: false },
  { name: 'Rocky Linux 9', hvm: false },
  { name: 'Windows Server 2019', hvm: true },
  { name: 'Windows Server 2022', hvm: true },
] as const;

/** The share of generated VMs that run; the rest are mostly halted, some suspended. */
const RUNNING = 0.1;
const SUSPENDED = 0.02;

/**
 * A large pool generated from a seed number: `hosts` hosts sharing two networks and an NFS SR, `vms` guests
 * with a disk and a NIC each, most halted. The same seed always builds the same pool.
 */
export function seedScale(b: PoolBuilder, addresses: readonly string[], vms: number, seed: number): void {
  const random = seededRandom(seed);
  const hosts = addresses.map((address, i) => {
    const name = `xcp-scale-${String(i + 1).padStart(3, '0')}`;
    return b.host({ name, address, hostname: name }).host;
  });
  const net0 = b.network('Pool-wide network associated with eth0', 'xenbr0');
  const net1 = b.network('Pool-wide network associated with eth1', 'xenbr1');
  hosts.forEach((host, i) => {
    b.pif(host, net0, 'eth0', { management: true, ip_configuration_mode: 'Static', IP: addresses[i] });
    b.pif(host, net1, 'eth1', { ip_configuration_mode: 'DHCP' });
  });
  const shared = b.sr('NFS shared storage', hosts, { type: 'nfs', shared: true, physical_size: 65536 * GiB });
  b.pool(`Scale pool (${hosts.length} hosts, ${vms} VMs)`, hosts[0]!, { default_SR: shared });

  for (let i = 0; i < vms; i++) {
    const os = random.pick(OS);
    const roll = random.next();
    const power = roll < RUNNING ? 'Running' : roll < RUNNING + SUSPENDED ? 'Suspended' : 'Halted';
    const name = `${os.name} vm-${String(i + 1).padStart(5, '0')}`;
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const vm = b.vm({
      name,
      hvm: os.hvm,
      power,
      host: power === 'Running' ? hosts[random.below(hosts.length)] : undefined,
      memory: (1 + random.below(8)) * GiB,
      vcpus: 1 + random.below(4),
      guest: os.hvm ? windowsGuest(`Microsoft ${os.name}`, ip) : linuxGuest('linux', os.name, '1.0', ip),
    });
    b.vbd(vm, b.vdi(shared, `${name} 0`), '0');
    b.vif(vm, random.next() < 0.8 ? net0 : net1, '0');
  }
}
