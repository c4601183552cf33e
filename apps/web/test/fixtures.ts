import type { AnyRec, HostRec, NetworkRec, PbdRec, PifRec, PoolRec, SrRec, VmRec } from '../src/api/wire.ts';
import type { InventoryData } from '../src/inventory/tree.ts';
import type { ConsoleViewer } from '../src/shared/contracts.ts';

/** Small hand-made records for the tree and form tests; only the fields the code reads. */

let counter = 0;
const id = (): string => {
  counter += 1;
  return `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
};

export function pool(fields: Partial<PoolRec> = {}): PoolRec {
  const uuid = id();
  return {
    uuid,
    $ref: `OpaqueRef:pool-${uuid}`,
    name_label: 'Pool',
    name_description: '',
    other_config: {},
    ...fields,
  } as PoolRec;
}

export function host(name: string, fields: Partial<HostRec> = {}): HostRec {
  const uuid = id();
  return {
    uuid,
    $ref: `OpaqueRef:host-${uuid}`,
    name_label: name,
    name_description: '',
    address: '',
    enabled: true,
    metrics: 'OpaqueRef:NULL',
    ...fields,
  } as HostRec;
}

export function vm(name: string, fields: Partial<VmRec> = {}): VmRec {
  const uuid = id();
  return {
    uuid,
    $ref: `OpaqueRef:vm-${uuid}`,
    name_label: name,
    name_description: '',
    power_state: 'Halted',
    resident_on: 'OpaqueRef:NULL',
    affinity: 'OpaqueRef:NULL',
    guest_metrics: 'OpaqueRef:NULL',
    is_a_template: false,
    is_a_snapshot: false,
    is_control_domain: false,
    is_default_template: false,
    other_config: {},
    ...fields,
  } as VmRec;
}

export function sr(name: string, fields: Partial<SrRec> = {}): SrRec {
  const uuid = id();
  return {
    uuid,
    $ref: `OpaqueRef:sr-${uuid}`,
    name_label: name,
    name_description: '',
    shared: false,
    PBDs: [],
    other_config: {},
    ...fields,
  } as SrRec;
}

export function pbd(srRef: string, hostRef: string): PbdRec {
  const uuid = id();
  return { uuid, $ref: `OpaqueRef:pbd-${uuid}`, SR: srRef, host: hostRef } as PbdRec;
}

export function network(name: string, fields: Partial<NetworkRec> = {}): NetworkRec {
  const uuid = id();
  return {
    uuid,
    $ref: `OpaqueRef:net-${uuid}`,
    name_label: name,
    name_description: '',
    other_config: {},
    MTU: 1500,
    ...fields,
  } as NetworkRec;
}

export function pif(device: string, hostRef: string, networkRef: string, fields: Partial<PifRec> = {}): PifRec {
  const uuid = id();
  return {
    uuid,
    $ref: `OpaqueRef:pif-${uuid}`,
    device,
    host: hostRef,
    network: networkRef,
    VLAN: -1,
    IP: '',
    MTU: 1500,
    other_config: {},
    ...fields,
  } as PifRec;
}

export function inventory(records: {
  pools?: PoolRec[];
  hosts?: HostRec[];
  vms?: VmRec[];
  srs?: SrRec[];
  pbds?: PbdRec[];
  networks?: NetworkRec[];
  pifs?: PifRec[];
  extra?: AnyRec[];
}): InventoryData {
  const all: AnyRec[] = [
    ...(records.pools ?? []),
    ...(records.hosts ?? []),
    ...(records.vms ?? []),
    ...(records.srs ?? []),
    ...(records.pbds ?? []),
    ...(records.networks ?? []),
    ...(records.pifs ?? []),
    ...(records.extra ?? []),
  ] as AnyRec[];
  const byRef = new Map(all.map((r) => [r.$ref, r]));
  return {
    pools: records.pools ?? [],
    hosts: records.hosts ?? [],
    vms: records.vms ?? [],
    srs: records.srs ?? [],
    networks: records.networks ?? [],
    pifs: records.pifs ?? [],
    byRef: (ref) => byRef.get(ref),
  };
}

/** Someone on a shared console, as the gateway's presence notices list them. */
export function consoleViewer(id: string, user: string, fields: Partial<ConsoleViewer> = {}): ConsoleViewer {
  return {
    id,
    user,
    role: 'vm-operator',
    since: '2026-12-03T09:00:00.000Z',
    viewOnly: false,
    keyboard: false,
    remote: false,
    ...fields,
  };
}
