import type { PowerAction } from '../api/endpoints.ts';
import type { VmRec } from '../api/wire.ts';
import { roleAtLeast, ROLE_LABELS, type Role } from '../shared/roles.ts';

/** Which power actions a VM offers now, and why not when it does not. Pure. */

export interface ActionSpec {
  readonly action: PowerAction;
  readonly label: string;
  /** XAPI's name in allowed_operations. */
  readonly operation: string;
  readonly states: readonly string[];
  readonly confirm?: { readonly title: string; readonly message: string; readonly danger?: boolean };
  readonly done: string;
}

export const POWER_SPECS: readonly ActionSpec[] = [
  { action: 'start', label: 'Start', operation: 'start', states: ['Halted'], done: 'started' },
  { action: 'resume', label: 'Resume', operation: 'resume', states: ['Suspended'], done: 'resumed' },
  {
    action: 'shutdown',
    label: 'Shut down',
    operation: 'clean_shutdown',
    states: ['Running'],
    confirm: { title: 'Shut down the VM?', message: 'The guest is asked to shut down cleanly.' },
    done: 'shut down',
  },
  {
    action: 'reboot',
    label: 'Reboot',
    operation: 'clean_reboot',
    states: ['Running'],
    confirm: { title: 'Reboot the VM?', message: 'The guest is asked to restart cleanly.' },
    done: 'rebooted',
  },
  {
    action: 'suspend',
    label: 'Suspend',
    operation: 'suspend',
    states: ['Running'],
    confirm: { title: 'Suspend the VM?', message: 'Its memory is saved to disk and it stops running.' },
    done: 'suspended',
  },
  {
    action: 'hard_reboot',
    label: 'Force reboot',
    operation: 'hard_reboot',
    states: ['Running', 'Paused'],
    confirm: {
      title: 'Force the VM to reboot?',
      message: 'This is like pressing the reset button: unsaved data in the guest is lost.',
      danger: true,
    },
    done: 'rebooted',
  },
  {
    action: 'hard_shutdown',
    label: 'Force shut down',
    operation: 'hard_shutdown',
    states: ['Running', 'Paused', 'Suspended'],
    confirm: {
      title: 'Force the VM to shut down?',
      message: 'This is like pulling the power cord: unsaved data in the guest is lost.',
      danger: true,
    },
    done: 'shut down',
  },
];

/** Power actions are XAPI's `_R_VM_OP`: VM operator and above. */
export const POWER_ROLE: Role = 'vm-operator';
/** VM.pool_migrate is `_R_VM_POWER_ADMIN`. */
export const MIGRATE_ROLE: Role = 'vm-power-admin';

export function availableActions(vm: Pick<VmRec, 'power_state' | 'allowed_operations'>): ActionSpec[] {
  return POWER_SPECS.filter(
    (spec) =>
      spec.states.includes(vm.power_state) &&
      // Older or simulated pools may leave allowed_operations empty; then the power state alone decides.
      (vm.allowed_operations.length === 0 || vm.allowed_operations.includes(spec.operation)),
  );
}

export function roleReason(role: Role, needed: Role, what: string): string | undefined {
  return roleAtLeast(role, needed)
    ? undefined
    : `${what} needs the ${ROLE_LABELS[needed]} role or higher; you are ${ROLE_LABELS[role]}.`;
}
