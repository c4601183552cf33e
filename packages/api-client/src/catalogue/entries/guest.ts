import type { Entry } from '../types.ts';
import { define, options } from './define.ts';

export const GUEST_METRICS_ENTRIES: readonly Entry[] = [
  define({
    cls: 'VM_guest_metrics',
    field: 'PV_drivers_version',
    keys: ['major', 'minor', 'micro'],
    type: { kind: 'version', parts: ['major', 'minor', 'micro'] },
    label: 'VM Tools version',
    help:
      'The installed XenServer VM Tools version, from the major, minor and micro keys. XenCenter compares major.minor ' +
      'to decide whether the tools are up to date; micro is documented but XenCenter does not use it.',
    group: 'Guest tools',
    effect: 'informational',
    absentMeans: 'No tools detected',
    editable: false,
    readOnlyReason: 'The guest tools report their version; it is read-only.',
  }),
];

export const TASK_ENTRIES: readonly Entry[] = [
  define({
    cls: 'task',
    field: 'other_config',
    key: 'object_creation',
    type: { kind: 'enum', options: options({ complete: 'All objects created' }) },
    label: 'Import objects created',
    help: 'Becomes "complete" once an import task has created all its VMs and networks, so the network mapping can start.',
    group: 'Task',
    effect: 'informational',
    absentMeans: 'Still creating objects',
    editable: false,
    readOnlyReason: 'XAPI sets this while it runs the import; it is read-only.',
  }),
];
