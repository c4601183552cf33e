import { GUEST_METRICS_ENTRIES, TASK_ENTRIES } from './entries/guest.ts';
import { HOST_ENTRIES } from './entries/host.ts';
import { NETWORK_ENTRIES, PIF_ENTRIES, VIF_ENTRIES } from './entries/network.ts';
import { POOL_ENTRIES } from './entries/pool.ts';
import { SR_ENTRIES, VBD_ENTRIES, VDI_ENTRIES } from './entries/storage.ts';
import { VM_ENTRIES } from './entries/vm.ts';
import type { Entry } from './types.ts';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Every documented extension, class by class. Frozen: the same data is served, rendered and interpreted. */
export const CATALOGUE: readonly Entry[] = deepFreeze([
  ...POOL_ENTRIES,
  ...HOST_ENTRIES,
  ...VM_ENTRIES,
  ...GUEST_METRICS_ENTRIES,
  ...SR_ENTRIES,
  ...VDI_ENTRIES,
  ...VBD_ENTRIES,
  ...NETWORK_ENTRIES,
  ...PIF_ENTRIES,
  ...VIF_ENTRIES,
  ...TASK_ENTRIES,
]);
