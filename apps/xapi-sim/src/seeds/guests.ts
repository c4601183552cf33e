import type { GuestProfile } from '../model/lifecycle.ts';

/** What guest agents report: Windows with the RDP flags XenCenter reads, Linux with the Linux agent's keys. */
export function windowsGuest(name: string, ip: string): GuestProfile {
  return {
    os_version: {
      name: `${name}|C:\\Windows|\\Device\\Harddisk0\\Partition2`,
      distro: 'windows',
      major: '10',
      minor: '0',
      spmajor: '0',
      spminor: '0',
    },
    PV_drivers_version: { major: '9', minor: '3', micro: '3', build: '22', application: 'XenServer VM Tools' },
    networks: { '0/ip': ip, '0/ipv4/0': ip, '0/ipv6/0': 'fe80::4c1:ff:fe2a:1b01' },
    other: {
      'feature-ts': '1',
      'feature-ts2': '1',
      'data-ts': '1',
      'feature-shutdown': '1',
      'feature-suspend': '1',
      'feature-poweroff': '1',
      'feature-reboot': '1',
      'has-vendor-device': '1',
      platform_feature_multiprocessor_suspend: '1',
    },
  };
}

export function linuxGuest(distro: string, name: string, release: string, ip: string): GuestProfile {
  const [major = '', minor = '0'] = release.split('.');
  return {
    os_version: { name, uname: '6.1.0-25-amd64', distro, major, minor },
    PV_drivers_version: { major: '8', minor: '4', micro: '0', build: '1' },
    networks: { '0/ip': ip, '0/ipv4/0': ip },
    other: { 'feature-shutdown': '1', 'feature-suspend': '1', 'feature-poweroff': '1', 'feature-reboot': '1' },
  };
}
