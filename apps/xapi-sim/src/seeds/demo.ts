import { GiB, MiB, type PoolBuilder, softwareVersion } from './builder.ts';
import { linuxGuest, windowsGuest } from './guests.ts';

const RESTRICTIONS = {
  restrict_pooling: 'false',
  restrict_connection: 'false',
  restrict_qos: 'false',
  restrict_vlan: 'false',
  restrict_pool_attached_storage: 'false',
  restrict_vswitch_controller: 'false',
  restrict_rbac: 'false',
  restrict_xen_motion: 'false',
  restrict_historical_performance: 'false',
  restrict_wlb: 'true',
  restrict_vgpu: 'false',
};

const ETH0_OFFLOADS = {
  'ethtool-rx': 'on',
  'ethtool-tx': 'on',
  'ethtool-sg': 'on',
  'ethtool-tso': 'on',
  'ethtool-ufo': 'off',
  'ethtool-gso': 'true',
};

/**
 * The demo pool: three hosts, their control domains, networks, storage, guests in every power state,
 * templates, hidden objects, and every key of the Management API extensions on at least one object.
 */
export function seedDemo(b: PoolBuilder, addresses: readonly string[]): void {
  const { db } = b;
  const names = addresses.map((_, i) => `xcp-host-${String(i + 1).padStart(2, '0')}`);
  const bootTime = 1_732_000_000;
  const hosts = addresses.map((address, i) => {
    const hostname = names[i]!;
    const timing = {
      multipathing: i === 2 ? 'true' : 'false',
      boot_time: `${bootTime + i * 37}.25`,
      agent_start_time: `${bootTime + i * 37 + 48}.5`,
    };
    return b.host({
      name: hostname,
      address,
      hostname,
      software_version: softwareVersion(hostname, {
        'package-linux': 'installed',
        ...(i === 2 ? { oem_build_number: '58-oem.7', oem_manufacturer: 'Example Systems', oem_model: 'X1-Rack' } : {}),
      }),
      license_params: {
        ...RESTRICTIONS,
        expiry: i === 1 ? '20261231T23:59:59Z' : '20301231T23:59:59Z',
        sku_type: i === 1 ? 'Server' : 'Enterprise',
        sku_marketing_name: i === 1 ? 'XCP-ng Standard' : 'XCP-ng Enterprise',
        ...(i === 1 ? { restrict_pooling: 'false', restrict_connection: 'true' } : {}),
      },
      other_config: { iscsi_iqn: `iqn.2024-06.net.example:${hostname}`, ...timing },
      logging: { ...(i === 0 ? { syslog_destination: 'syslog.example.net' } : {}), ...timing },
    });
  });
  const [h1, h2, h3] = hosts.map((h) => h.host) as [string, string, string];
  const allHosts = hosts.map((h) => h.host);

  // Networks: one per physical NIC, the host-internal management network, a jumbo storage network, a hidden one.
  const net0 = b.network('Pool-wide network associated with eth0', 'xenbr0');
  const net1 = b.network('Pool-wide network associated with eth1', 'xenbr1', {
    other_config: { automatic: 'false' },
  });
  b.network('Host internal management network', 'xenapi', {
    name_description: 'Network on which guests will be assigned a private link-local IP address',
    other_config: {
      is_guest_installer_network: 'true',
      is_host_internal_management_network: 'true',
      ip_begin: '169.254.0.1',
      ip_end: '169.254.255.254',
      netmask: '255.255.0.0',
    },
  });
  const storage = b.network('Storage (jumbo frames)', 'xapi1', {
    MTU: 9000,
    other_config: { import_task: 'OpaqueRef:1b4f5a9e-7d39-4c5e-9d8f-3c2e1a0b9f11' },
  });
  const hidden = b.network('Replication (hidden)', 'xapi2', { other_config: { HideFromXenCenter: 'true' } });

  hosts.forEach(({ host }, i) => {
    b.pif(host, net0, 'eth0', {
      management: true,
      ip_configuration_mode: 'Static',
      IP: addresses[i],
      netmask: '255.0.0.0',
      gateway: '',
      DNS: '127.0.0.53',
      other_config: i === 0 ? ETH0_OFFLOADS : {},
    });
    b.pif(host, net1, 'eth1', {
      ip_configuration_mode: 'DHCP',
      other_config:
        i === 0
          ? { 'ethtool-autoneg': 'on', 'ethtool-speed': '1000', 'ethtool-duplex': 'full', promiscuous: 'false' }
          : i === 1
            ? { mtu: '9000', 'ethtool-gso': 'off' }
            : {},
    });
    b.pif(host, storage, 'eth2', { MTU: 9000, other_config: { mtu: '9000' } });
  });
  b.pif(h3, hidden, 'eth3', { other_config: { HideFromXenCenter: 'true', promiscuous: 'on' } });

  // Storage: local SRs (one renamed, so its translation no longer applies), DVD and removable drives, tools ISOs, shared NFS.
  const local = hosts.map(({ host }, i) =>
    b.sr(i === 2 ? 'Fast NVMe' : 'Local storage', [host], {
      type: 'lvm',
      other_config: {
        'i18n-key': 'local-storage',
        'i18n-original-value-name_label': 'Local storage',
        ...(i === 0 ? { 'i18n-original-value-name_description': '' } : {}),
      },
    }),
  );
  const dvd = hosts.map(({ host }) =>
    b.sr('DVD drives', [host], {
      name_description: 'Physical DVD drives',
      type: 'udev',
      content_type: 'iso',
      physical_size: 0,
      sm_config: { type: 'cd' },
      other_config: {
        'i18n-key': 'local-hotplug-cd',
        'i18n-original-value-name_label': 'DVD drives',
        'i18n-original-value-name_description': 'Physical DVD drives',
      },
    }),
  );
  b.sr('Removable storage', [h1], {
    type: 'udev',
    content_type: 'disk',
    physical_size: 0,
    other_config: { 'i18n-key': 'local-hotplug-disk', 'i18n-original-value-name_label': 'Removable storage' },
  });
  const tools = b.sr('XCP-ng Tools', allHosts, {
    name_description: 'XCP-ng VM Tools ISOs',
    type: 'iso',
    content_type: 'iso',
    shared: true,
    is_tools_sr: true,
    other_config: { 'i18n-key': 'XenServer-tools', 'i18n-original-value-name_label': 'XCP-ng Tools' },
  });
  const shared = b.sr('NFS shared storage', allHosts, {
    name_description: 'NFS SR [nas01.example.net:/export/xcp]',
    type: 'nfs',
    shared: true,
    physical_size: 4096 * GiB,
    other_config: { 'auto-scan': 'true' },
  });
  b.sr('ISO library (hidden)', allHosts, {
    type: 'iso',
    content_type: 'iso',
    shared: true,
    other_config: { HideFromXenCenter: 'true', 'auto-scan': 'false' },
  });
  const isoLibrary = b.sr('ISO library', allHosts, {
    name_description: 'NFS ISO library [nas01.example.net:/export/iso]',
    type: 'iso',
    content_type: 'iso',
    shared: true,
    physical_size: 512 * GiB,
  });
  const iso = (sr: string, name: string, size: number): string =>
    b.vdi(sr, name, { type: 'user', read_only: true, sharable: true, virtual_size: size, physical_utilisation: size });
  const toolsIso = iso(tools, 'guest-tools.iso', 70 * MiB);
  iso(isoLibrary, 'debian-12.7.0-amd64-netinst.iso', 631 * MiB);
  iso(isoLibrary, 'ubuntu-24.04.1-live-server-amd64.iso', 2694 * MiB);
  const windowsIso = iso(isoLibrary, 'SERVER_EVAL_x64FRE_en-us.iso', 4942 * MiB);
  // A host's physical drive, with no disc in it: nothing to size.
  const dvdVdis = dvd.map((sr) =>
    b.vdi(sr, 'SCSI 0:0:0:0', {
      type: 'user',
      read_only: true,
      sharable: true,
      virtual_size: 0,
      physical_utilisation: 0,
    }),
  );

  b.pool('Demo pool', h1, {
    name_description: 'A simulated XCP-ng pool',
    default_SR: shared,
    other_config: { rolling_upgrade_in_progress: 'true', memory_ratio_hvm: '0.25', memory_ratio_pv: '0.25' },
  });

  // Guests, with a disk on each and a NIC on the first network.
  const guest = (
    spec: Parameters<PoolBuilder['vm']>[0],
    disk: { sr: string; vmhint?: boolean; vbd?: Record<string, unknown> },
    vif: Record<string, unknown> = {},
  ): string => {
    const vm = b.vm(spec);
    const uuid = db.get('VM', vm)!.uuid as string;
    const vdi = b.vdi(disk.sr, `${spec.name} 0`, disk.vmhint ? { sm_config: { vmhint: uuid } } : {});
    b.vbd(vm, vdi, '0', { other_config: { owner: 'true' }, ...disk.vbd });
    b.vif(vm, net0, '0', vif);
    return vm;
  };

  // A DVD drive (userdevice 3, as XenCenter makes it), empty or holding a disc.
  const cd = (vm: string, disc?: string): string =>
    b.vbd(vm, disc, '3', { type: 'CD', mode: 'RO', bootable: false, other_config: {} });

  const windows = guest(
    {
      name: 'Windows Server 2022',
      description: 'Domain controller and file server',
      hvm: true,
      power: 'Running',
      host: h1,
      memory: 8 * GiB,
      vcpus: 4,
      HVM_boot_params: { order: 'dc', firmware: 'uefi' },
      VCPUs_params: { weight: '512', cap: '0' },
      other_config: { auto_poweron: 'true', folder: '/Infrastructure', 'XenCenter.CustomFields.owner': 'ops' },
      xenstore_data: { 'vm-data/role': 'dc', 'vm-data/site': 'par1', 'vm-data/mmio': 'hvm' },
      guest: windowsGuest('Microsoft Windows Server 2022 Standard', '10.0.0.21'),
      tags: ['production'],
    },
    {
      sr: shared,
      vmhint: true,
      vbd: { qos_algorithm_type: 'ionice', qos_algorithm_params: { sched: 'rt', class: '2' } },
    },
    { other_config: { 'ethtool-tx': 'true', 'ethtool-rx': 'off', mtu: '1400' } },
  );
  cd(windows, toolsIso);

  const debian = guest(
    {
      name: 'Debian 12 web',
      hvm: false,
      power: 'Running',
      host: h2,
      memory: 4 * GiB,
      VCPUs_params: { weight: '256' },
      other_config: { auto_poweron: 'false', 'install-distro': 'debianlike', 'install-repository': 'cdrom' },
      xenstore_data: {
        'vm-data/role': 'web',
        'vm-data/cluster/id': '7',
        'FIST/hooks': 'none',
        'data/internal-only': 'not copied to the guest',
      },
      guest: linuxGuest('debian', 'Debian GNU/Linux 12 (bookworm)', '12.7', '10.0.0.42'),
    },
    { sr: shared, vbd: { other_config: { is_owner: 'true', class: '4' } } },
    {
      other_config: {
        promiscuous: 'on',
        'ethtool-sg': 'off',
        'ethtool-tso': 'off',
        'ethtool-ufo': 'off',
        'ethtool-gso': 'off',
      },
    },
  );
  b.vif(debian, net1, '1', {
    other_config: { 'ethtool-autoneg': 'off', 'ethtool-speed': '100', 'ethtool-duplex': 'half' },
  });

  const ubuntu = guest(
    {
      name: 'Ubuntu 24.04 build agent',
      hvm: false,
      power: 'Running',
      host: h3,
      vcpus: 4,
      other_config: { ignore_excessive_vcpus: 'true' },
      guest: linuxGuest('ubuntu', 'Ubuntu 24.04.1 LTS', '24.04', '10.0.0.57'),
    },
    { sr: local[2]!, vmhint: true },
  );
  cd(ubuntu);
  // With its tools installed: without PV drivers an HVM guest offers only forced shutdowns (`VM_LACKS_FEATURE`).
  const windows10 = guest(
    {
      name: 'Windows 10 desktop',
      hvm: true,
      memory: 4 * GiB,
      guest: windowsGuest('Microsoft Windows 10 Pro', '10.0.0.33'),
    },
    { sr: local[0]! },
  );
  cd(windows10);
  guest(
    { name: 'CentOS 7 legacy', hvm: false, other_config: { disable_pv_vnc: '1', 'install-distro': 'rhlike' } },
    { sr: local[1]! },
  );
  const windows11 = guest(
    {
      name: 'Windows 11 test',
      hvm: true,
      power: 'Suspended',
      memory: 4 * GiB,
      guest: windowsGuest('Microsoft Windows 11 Pro', '10.0.0.64'),
    },
    { sr: shared },
  );
  cd(windows11, windowsIso);
  guest(
    {
      name: 'Fedora 40 workstation',
      hvm: false,
      power: 'Suspended',
      guest: linuxGuest('fedora', 'Fedora Linux 40 (Workstation Edition)', '40', '10.0.0.71'),
    },
    { sr: shared },
  );
  guest({ name: 'Alpine sidecar (hidden)', hvm: false, other_config: { HideFromXenCenter: 'true' } }, { sr: shared });
  guest(
    {
      name: 'Legacy app server (P2V)',
      hvm: true,
      other_config: {
        p2v_source_machine: 'appsrv07.corp.example.net',
        p2v_import_date: '20230412T09:30:00Z',
        import_task: 'OpaqueRef:5c1f8d2e-03a4-4b71-9e55-2d6c7e8f9a10',
        last_shutdown_time: '20240901T18:04:11Z',
      },
      // XenCenter disables what a VM's blocked_operations name, and shows the reason.
      blocked_operations: {
        start: 'Decommissioned after the P2V import: kept for its disks only.',
        start_on: 'Decommissioned after the P2V import: kept for its disks only.',
      },
    },
    { sr: shared },
  );
  const hostile = guest(
    {
      name: '<img src=x onerror=alert(1)>',
      description: '"quoted" & <b>bold</b> \'single\'',
      hvm: false,
      power: 'Running',
      host: h1,
      memory: 1 * GiB,
      guest: linuxGuest('alpine', 'Alpine Linux v3.20', '3.20', '10.0.0.99'),
    },
    { sr: local[0]! },
  );
  cd(hostile, dvdVdis[0]);

  // Templates: defaults as installed, one with the docs' `install_distro` spelling, an internal one, a custom one.
  const template = (
    name: string,
    hvm: boolean,
    other: Record<string, string>,
    kind: 'default' | 'custom' = 'default',
  ) =>
    b.vm({
      name,
      hvm,
      template: kind,
      other_config: { ...(kind === 'default' ? { default_template: 'true' } : {}), ...other },
    });
  template('Debian Bookworm 12', false, {
    'install-distro': 'debianlike',
    'install-repository': 'cdrom',
    'install-methods': 'cdrom,nfs,http,ftp',
  });
  template('Windows Server 2022 (64-bit)', true, { 'install-methods': 'cdrom' });
  template('CentOS 7', false, { install_distro: 'rhlike', 'install-methods': 'cdrom,nfs,http,ftp' });
  template('Other install media', true, { 'install-methods': 'cdrom' });
  template('XenSource P2V Server', false, { xensource_internal: 'true' });
  template('Hardened Debian golden image', false, { 'install-methods': 'cdrom' }, 'custom');

  // Installed updates (and the legacy patch record xapi keeps beside each), a pool blob, a secret.
  const update = db.create('pool_update', {
    name_label: 'XCP-ng 8.3 cumulative update 2024-10',
    name_description: 'Security and stability fixes',
    version: '8.3.0-20241002',
    installation_size: 214 * 1024 ** 2,
    key: 'XCP-ng Updates',
    after_apply_guidance: ['restartXAPI'],
    hosts: allHosts,
    enforce_homogeneity: true,
  });
  for (const host of allHosts) db.update('host', host, { updates: [update] });
  db.create('pool_patch', {
    name_label: 'XCP-ng 8.3 cumulative update 2024-10',
    name_description: 'Security and stability fixes',
    version: '8.3.0-20241002',
    size: 214 * 1024 ** 2,
    pool_applied: true,
    after_apply_guidance: ['restartXAPI'],
    pool_update: update,
  });
  const diagram = db.create('blob', {
    name_label: 'rack-diagram',
    name_description: 'Where the hosts sit',
    size: 18_432,
    public: true,
    last_updated: new Date(Date.UTC(2024, 9, 3)),
    mime_type: 'image/svg+xml',
  });
  db.update('pool', db.refs('pool')[0]!, { blobs: { 'rack-diagram': diagram } });
  db.create('secret', { value: 'demo-chap-secret', other_config: { purpose: 'iSCSI CHAP of the backup target' } });

  // Alerts the pool raised earlier, with xapi's names, priorities and texts (`api_messages.ml`).
  const hour = 3_600_000;
  const uuidOf = (table: 'VM' | 'host' | 'pool', ref: string): string => db.get(table, ref)!.uuid as string;
  const centos = db.refs('VM').find((vm) => db.get('VM', vm)!.name_label === 'CentOS 7 legacy')!;
  const pool = db.refs('pool')[0]!;
  const alerts: [string, number, 'VM' | 'Host' | 'Pool', string, string, number][] = [
    ['HA_HOST_FAILED', 3, 'Host', uuidOf('host', h3), "Server 'xcp-host-03' has failed", 30],
    [
      'HA_POOL_OVERCOMMITTED',
      3,
      'Pool',
      uuidOf('pool', pool),
      "The failover tolerance for pool 'Demo pool' has dropped and the initially specified number of host failures " +
        'to tolerate can no longer be guaranteed',
      29,
    ],
    ['VM_CRASHED', 2, 'VM', uuidOf('VM', centos), "VM 'CentOS 7 legacy' crashed", 26],
  ];
  for (const [name, priority, cls, objUuid, body, hoursAgo] of alerts) {
    b.messages.create(name, priority, cls, objUuid, body, new Date(Date.now() - hoursAgo * hour));
  }

  db.create('task', {
    name_label: "Import of VM 'Legacy app server (P2V)'",
    name_description: '',
    created: new Date(Date.UTC(2023, 3, 12, 9, 30)),
    finished: new Date(Date.UTC(2023, 3, 12, 9, 41)),
    status: 'success',
    resident_on: h1,
    progress: 1,
    type: '<none/>',
    result: '',
    other_config: { object_creation: 'complete' },
  });
}
