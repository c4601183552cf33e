import type { Role } from '../../roles.ts';
import type { Entry } from '../types.ts';
import { define, HIDE_FROM_XENCENTER, hideHelp, onOff, options, preferTrue, text } from './define.ts';

export const NETWORK_ENTRIES: readonly Entry[] = [
  define({
    cls: 'network',
    field: 'other_config',
    key: 'automatic',
    type: preferTrue('Added to new VMs', 'Not added to new VMs'),
    label: 'Add to new VMs',
    help:
      'The New VM wizard gives new VMs a NIC on this network unless the value is exactly "false", so absence means ' +
      'true. Written as "true" or "false".',
    group: 'Network',
    effect: 'now',
    absentMeans: 'Added to new VMs',
    editable: true,
    writeRole: 'pool-operator',
  }),
  define({
    cls: 'network',
    field: 'other_config',
    key: 'import_task',
    type: text(),
    label: 'Import task',
    help: 'The task of the XVA import that created this network; import wizards use it to find what the import made.',
    group: 'Import/P2V',
    effect: 'informational',
    absentMeans: 'Not created by an import',
    editable: false,
    readOnlyReason: 'The import task is recorded by XAPI when an import creates the network; it is read-only.',
  }),
  define({
    cls: 'network',
    ...HIDE_FROM_XENCENTER,
    help: hideHelp('network'),
    editable: true,
    writeRole: 'pool-operator',
  }),
  define({
    cls: 'network',
    field: 'MTU',
    type: { kind: 'int', min: 1500, max: 9216, widenToCurrent: true },
    label: 'MTU',
    help:
      'The network’s MTU in bytes, 1500–9216, the range widened to include a current value set outside it (XenCenter’s ' +
      'rule). Set with network.set_MTU; attached NICs use it once re-plugged, which briefly interrupts traffic.',
    group: 'Network',
    effect: 'after-replug',
    defaultWhenAbsent: '1500',
    absentMeans: '1500',
    editable: true,
    writeRole: 'vm-admin',
  }),
];

type Nic = 'PIF' | 'VIF';

const ROLE: Record<Nic, Role> = { PIF: 'pool-operator', VIF: 'vm-admin' };

const APPLIED: Record<Nic, string> = {
  PIF: 'xcp-networkd applies it when the PIF is next plugged.',
  VIF: 'The vif hotplug script applies it when the VIF is next plugged.',
};

/** xenopsd forwards only these keys to a VIF's backend (`vif_udev_keys`); the rest reach physical NICs only. */
const VIF_FORWARDED = new Set(['ethtool-rx', 'ethtool-tx', 'ethtool-sg', 'ethtool-tso', 'ethtool-ufo', 'ethtool-gso']);
const NOT_ON_VIF = 'XAPI does not pass this key to virtual NICs, so on a VIF it has no effect.';

const OFFLOADS = {
  'ethtool-rx': 'RX checksumming',
  'ethtool-tx': 'TX checksumming',
  'ethtool-sg': 'Scatter-gather',
  'ethtool-tso': 'TCP segmentation offload',
  'ethtool-ufo': 'UDP fragmentation offload',
  'ethtool-gso': 'Generic segmentation offload',
} as const;

function nicEntries(nic: Nic): Entry[] {
  const editable = { editable: true, writeRole: ROLE[nic] } as const;
  const forwarded = (key: string) =>
    nic === 'PIF' || VIF_FORWARDED.has(key)
      ? ({ effect: 'after-replug', note: APPLIED[nic] } as const)
      : ({ effect: 'informational', note: NOT_ON_VIF } as const);
  const link = (key: string, label: string, type: Entry['type'], help: string): Entry => {
    const { effect, note } = forwarded(key);
    return define({
      cls: nic,
      field: 'other_config',
      key,
      type,
      label,
      help: `${help} ${note}`,
      group: 'NIC link',
      effect,
      absentMeans: 'Driver default',
      ...editable,
    });
  };
  const entries = Object.entries(OFFLOADS).map(([key, label]) =>
    define({
      cls: nic,
      field: 'other_config',
      key,
      type: onOff,
      label,
      help: `${label}: on|true or off|false (written "true"/"false"); absent keeps the driver default. ${APPLIED[nic]}`,
      group: 'NIC offloads (ethtool)',
      effect: 'after-replug',
      absentMeans: 'Driver default',
      ...editable,
    }),
  );
  entries.push(
    link(
      'ethtool-autoneg',
      'Autonegotiation',
      onOff,
      'Link autonegotiation: on|true or off|false (written "true"/"false").',
    ),
    link(
      'ethtool-speed',
      'Link speed',
      { kind: 'enum', options: options({ 10: '10 Mb/s', 100: '100 Mb/s', 1000: '1000 Mb/s' }), unit: 'Mb/s' },
      'Forced link speed in Mb/s: 10, 100 or 1000 as documented (xcp-networkd would take any positive speed).',
    ),
    link(
      'ethtool-duplex',
      'Duplex',
      { kind: 'enum', options: options({ half: 'Half duplex', full: 'Full duplex' }) },
      'Forced duplex mode, half or full.',
    ),
    define({
      cls: nic,
      field: 'other_config',
      key: 'promiscuous',
      type: onOff,
      label: 'Promiscuous mode',
      help:
        nic === 'VIF'
          ? 'Receive all traffic on the bridge: on|true or off|false (written "true"/"false"). The vif hotplug script ' +
            'applies it at the next plug, in Linux bridge mode only; Open vSwitch ignores it.'
          : 'Receive all traffic: on|true or off|false (written "true"/"false"). Documented for PIFs, but the scripts ' +
            'that applied it were removed in 2019, so current hosts may ignore it; Open vSwitch does not support it.',
      group: 'NIC link',
      effect: 'after-replug',
      absentMeans: 'Off',
      ...editable,
    }),
    define({
      cls: nic,
      field: 'other_config',
      key: 'mtu',
      type: { kind: 'int', min: 68, max: 9216, widenToCurrent: true },
      label: 'MTU override',
      help:
        'Experimental: overrides the network’s MTU for this NIC (68–9216); the docs warn that varying MTUs across NICs ' +
        `in a pool can cause unexpected side effects. An unusable value is ignored. ${APPLIED[nic]}`,
      group: 'Network',
      effect: 'after-replug',
      absentMeans: 'The network’s MTU',
      experimental: true,
      ...editable,
    }),
  );
  if (nic === 'PIF') {
    entries.push(define({ cls: nic, ...HIDE_FROM_XENCENTER, help: hideHelp('PIF'), ...editable }));
  }
  return entries;
}

export const PIF_ENTRIES: readonly Entry[] = nicEntries('PIF');
export const VIF_ENTRIES: readonly Entry[] = nicEntries('VIF');
