import { NULL_REF } from '@xwc/api-client';
import type { Database } from '../db/database.ts';
import type { GuestProfile, Lifecycle } from '../model/lifecycle.ts';
import type { Messages } from '../model/messages.ts';
import { refreshAllowedOperations } from '../model/operations.ts';

type Strings = Readonly<Record<string, string>>;

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export interface HostSpec {
  readonly name: string;
  readonly address: string;
  readonly hostname?: string;
  readonly software_version?: Strings;
  readonly license_params?: Strings;
  readonly other_config?: Strings;
  readonly logging?: Strings;
  readonly memoryTotal?: number;
  readonly cpus?: number;
}

export interface VmSpec {
  readonly name: string;
  readonly description?: string;
  readonly hvm: boolean;
  readonly power?: 'Running' | 'Halted' | 'Suspended' | 'Paused';
  readonly host?: string;
  readonly memory?: number;
  readonly vcpus?: number;
  readonly template?: 'default' | 'custom';
  readonly other_config?: Strings;
  readonly xenstore_data?: Strings;
  readonly HVM_boot_params?: Strings;
  readonly VCPUs_params?: Strings;
  readonly platform?: Strings;
  readonly guest?: GuestProfile;
  readonly tags?: readonly string[];
  /** Operations a user has blocked, with the reason shown for each. */
  readonly blocked_operations?: Strings;
}

/** `software_version` keys every host reports (`Xapi_globs.software_version`, `create_misc.ml`). */
export function softwareVersion(hostname: string, extra: Strings = {}): Strings {
  return {
    product_version: '8.3.0',
    product_version_text: '8.3',
    product_version_text_short: '8.3',
    platform_name: 'XCP',
    platform_version: '3.4.0',
    product_brand: 'XCP-ng',
    build_number: 'release/yangtze/master/58',
    git_id: '0d2d1d2b4e',
    hostname,
    date: '2024-10-02',
    xapi: '24.19',
    xapi_build: '24.19.2',
    xen: '4.17.5-3',
    linux: '4.19.0+1',
    xencenter_min: '2.21',
    xencenter_max: '2.21',
    network_backend: 'openvswitch',
    db_schema: '5.775',
    ...extra,
  };
}

/**
 * Creates pool objects with the fields XAPI fills in, so seeds only say what is particular about each
 * object. Running VMs get their domain through the lifecycle, exactly as a start would build it.
 */
export class PoolBuilder {
  #macs = 0;

  constructor(
    readonly db: Database,
    private readonly lifecycle: Lifecycle,
    readonly messages: Messages,
  ) {}

  pool(name: string, master: string, fields: Record<string, unknown> = {}): string {
    return this.db.create('pool', { name_label: name, master, ...fields });
  }

  host(spec: HostSpec): { host: string; controlDomain: string } {
    const { db } = this;
    const hostname = spec.hostname ?? spec.name;
    const memoryTotal = spec.memoryTotal ?? 64 * GiB;
    const metrics = db.create('host_metrics', {
      memory_total: memoryTotal,
      memory_free: memoryTotal - 4 * GiB,
      live: true,
      last_updated: new Date(),
    });
    const host = db.create('host', {
      name_label: spec.name,
      name_description: 'Default install',
      hostname,
      address: spec.address,
      enabled: true,
      edition: 'xcp-ng',
      API_version_major: 2,
      API_version_minor: 21,
      API_version_vendor: 'XenSource',
      software_version: spec.software_version ?? softwareVersion(hostname),
      license_params: spec.license_params ?? {},
      other_config: spec.other_config ?? {},
      logging: spec.logging ?? {},
      cpu_info: {
        cpu_count: String(spec.cpus ?? 16),
        socket_count: '1',
        vendor: 'GenuineIntel',
        modelname: 'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz',
      },
      iscsi_iqn: spec.other_config?.iscsi_iqn ?? '',
      metrics,
      memory_overhead: 96 * MiB,
      sched_policy: 'credit',
      supported_bootloaders: ['pygrub', 'eliloader'],
      capabilities: ['xen-3.0-x86_64', 'hvm-3.0-x86_32', 'hvm-3.0-x86_32p', 'hvm-3.0-x86_64'],
      virtual_hardware_platform_versions: [0, 1, 2],
      license_server: { address: 'localhost', port: '27000' },
      chipset_info: { iommu: 'true' },
      editions: ['xcp-ng'],
      tls_verification_enabled: true,
      numa_affinity_policy: 'default_policy',
      latest_synced_updates_applied: 'unknown',
      last_software_update: new Date(Date.UTC(2024, 9, 2)),
    });
    const cpus = spec.cpus ?? 16;
    for (let number = 0; number < cpus; number++) {
      db.create('host_cpu', {
        host,
        number,
        vendor: 'GenuineIntel',
        speed: 2400,
        modelname: 'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz',
        family: 6,
        model: 106,
        stepping: '6',
        flags: 'fpu de tsc msr pae mce cx8 apic sep mca cmov pat clflush acpi mmx fxsr sse sse2 ht syscall nx lm',
        features: '7ffefbff-bfebfbff-00000121-2c100800',
      });
    }
    const controlDomain = this.vm({
      name: `Control domain on host: ${hostname}`,
      description: 'The domain which manages physical devices and manages other domains',
      hvm: false,
      power: 'Running',
      host,
      memory: 4 * GiB,
      vcpus: 8,
      controlDomain: true,
    });
    db.update('host', host, { control_domain: controlDomain });
    return { host, controlDomain };
  }

  network(name: string, bridge: string, fields: Record<string, unknown> = {}): string {
    return this.db.create('network', {
      name_label: name,
      name_description: '',
      bridge,
      MTU: 1500,
      managed: true,
      ...fields,
    });
  }

  pif(host: string, network: string, device: string, fields: Record<string, unknown> = {}): string {
    const metrics = this.db.create('PIF_metrics', {
      carrier: true,
      vendor_id: '8086',
      vendor_name: 'Intel Corporation',
      device_id: '1572',
      device_name: 'Ethernet Controller X710 for 10GbE SFP+',
      speed: 10000,
      duplex: true,
      pci_bus_path: `0000:3b:00.${device.replace(/\D/g, '') || '0'}`,
      last_updated: new Date(),
    });
    return this.db.create('PIF', {
      metrics,
      primary_address_type: 'IPv4',
      igmp_snooping_status: 'unknown',
      capabilities: ['fcoe'],
      device,
      host,
      network,
      MAC: this.mac('00:1b:21'),
      MTU: (this.db.get('network', network)?.MTU as number) ?? 1500,
      VLAN: -1,
      physical: true,
      currently_attached: true,
      managed: true,
      ip_configuration_mode: 'None',
      bond_slave_of: NULL_REF,
      properties: { gro: 'on' },
      ...fields,
    });
  }

  sr(name: string, hosts: readonly string[], fields: Record<string, unknown> = {}): string {
    const sr = this.db.create('SR', {
      name_label: name,
      name_description: '',
      type: 'lvm',
      content_type: 'user',
      physical_size: 500 * GiB,
      physical_utilisation: 120 * GiB,
      virtual_allocation: 200 * GiB,
      ...fields,
    });
    for (const host of hosts) {
      this.db.create('PBD', { host, SR: sr, device_config: {}, currently_attached: true });
    }
    return sr;
  }

  vdi(sr: string, name: string, fields: Record<string, unknown> = {}): string {
    return this.db.create('VDI', {
      name_label: name,
      name_description: '',
      SR: sr,
      virtual_size: 32 * GiB,
      physical_utilisation: 8 * GiB,
      type: 'user',
      managed: true,
      on_boot: 'persist',
      location: this.db.newUuid(),
      ...fields,
    });
  }

  vm(spec: VmSpec & { controlDomain?: boolean }): string {
    const { db } = this;
    const memory = spec.memory ?? 2 * GiB;
    const vcpus = spec.vcpus ?? 2;
    const metrics = db.create('VM_metrics', {
      memory_actual: 0,
      VCPUs_number: 0,
      VCPUs_utilisation: {},
      install_time: new Date(Date.UTC(2024, 5, 1)),
      last_updated: new Date(),
      hvm: spec.hvm,
      current_domain_type: 'unspecified',
    });
    const template = spec.template !== undefined;
    const fields: Record<string, unknown> = {
      name_label: spec.name,
      name_description: spec.description ?? '',
      power_state: 'Halted',
      is_a_template: template,
      is_default_template: spec.template === 'default',
      is_control_domain: spec.controlDomain === true,
      domid: -1,
      domain_type: spec.hvm ? 'hvm' : 'pv',
      resident_on: NULL_REF,
      affinity: NULL_REF,
      memory_static_max: memory,
      memory_dynamic_max: memory,
      memory_dynamic_min: memory,
      memory_static_min: Math.min(memory, 512 * MiB),
      memory_target: memory,
      VCPUs_max: vcpus,
      VCPUs_at_startup: vcpus,
      VCPUs_params: spec.VCPUs_params ?? {},
      HVM_boot_policy: spec.hvm ? 'BIOS order' : '',
      HVM_boot_params: spec.HVM_boot_params ?? (spec.hvm ? { order: 'cd', firmware: 'bios' } : {}),
      PV_bootloader: spec.hvm ? '' : 'pygrub',
      platform: spec.platform ?? (spec.hvm ? { viridian: 'true', acpi: '1', apic: 'true', pae: 'true' } : {}),
      other_config: spec.other_config ?? {},
      xenstore_data: spec.xenstore_data ?? {},
      guest_metrics: NULL_REF,
      metrics,
      tags: spec.tags ?? [],
      user_version: 1,
      snapshot_of: NULL_REF,
      actions_after_shutdown: 'destroy',
      actions_after_reboot: 'restart',
      actions_after_crash: 'restart',
      HVM_shadow_multiplier: 1,
      hardware_platform_version: spec.hvm ? 2 : 0,
      has_vendor_device: spec.hvm && !spec.controlDomain,
      bios_strings: spec.hvm
        ? { 'bios-vendor': 'Xen', 'system-manufacturer': 'Xen', 'system-product-name': 'HVM domU' }
        : {},
      generation_id: spec.hvm ? '0:0' : '',
      blocked_operations: spec.blocked_operations ?? {},
    };
    const vm = db.create('VM', fields);
    if (spec.guest) this.lifecycle.setGuestProfile(vm, spec.guest);
    const power = spec.power ?? 'Halted';
    if (power === 'Halted') {
      refreshAllowedOperations(db, vm);
      return vm;
    }
    if (power === 'Suspended') {
      this.lifecycle.attachGuestMetrics(vm);
      db.update('VM_guest_metrics', db.get('VM', vm)!.guest_metrics as string, { live: false });
      db.update('VM', vm, { power_state: 'Suspended' });
    } else {
      this.lifecycle.createDomain(vm, spec.host ?? this.lifecycle.chooseHost(vm), power);
      this.lifecycle.attachGuestMetrics(vm);
    }
    refreshAllowedOperations(db, vm);
    return vm;
  }

  vif(vm: string, network: string, device: string, fields: Record<string, unknown> = {}): string {
    const running = this.db.get('VM', vm)?.power_state === 'Running';
    return this.db.create('VIF', {
      device,
      network,
      VM: vm,
      MAC: this.mac('aa:4f:7c'),
      MTU: (this.db.get('network', network)?.MTU as number) ?? 1500,
      currently_attached: running,
      locking_mode: 'network_default',
      ipv4_configuration_mode: 'None',
      ipv6_configuration_mode: 'None',
      ...fields,
    });
  }

  vbd(vm: string, vdi: string | undefined, userdevice: string, fields: Record<string, unknown> = {}): string {
    const running = this.db.get('VM', vm)?.power_state === 'Running';
    return this.db.create('VBD', {
      VM: vm,
      VDI: vdi ?? NULL_REF,
      device: running ? `xvd${String.fromCharCode(97 + Number(userdevice))}` : '',
      userdevice,
      bootable: userdevice === '0',
      mode: 'RW',
      type: 'Disk',
      empty: vdi === undefined,
      unpluggable: true,
      currently_attached: running,
      ...fields,
    });
  }

  /** A locally-administered MAC from a per-builder counter, so seeds stay deterministic. */
  mac(prefix: string): string {
    const n = ++this.#macs;
    return `${prefix}:${[(n >> 16) & 255, (n >> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
  }
}
