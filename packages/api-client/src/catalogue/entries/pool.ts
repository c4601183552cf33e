import type { Entry } from '../types.ts';
import { define, presence } from './define.ts';

export const POOL_ENTRIES: readonly Entry[] = [
  define({
    cls: 'pool',
    field: 'other_config',
    key: 'rolling_upgrade_in_progress',
    type: presence('Rolling upgrade in progress', 'No rolling upgrade'),
    label: 'Rolling upgrade in progress',
    help:
      'Present (any value) while the pool is part-way through a rolling upgrade: the UI shows a banner, and XenCenter ' +
      'blocks pool secret rotation and TLS verification changes meanwhile.',
    group: 'Software version',
    effect: 'informational',
    absentMeans: 'No rolling upgrade',
    editable: false,
    readOnlyReason: 'XAPI sets and clears this during a rolling pool upgrade; it is read-only.',
  }),
];
