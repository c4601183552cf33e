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

type OperationsOf = Pick<VmRec, 'power_state' | 'allowed_operations' | 'blocked_operations'>;

/** The reason a user gave for blocking an operation on this VM (`blocked_operations`), if they did. */
export function blockedReason(vm: Pick<VmRec, 'blocked_operations'>, operation: string): string | undefined {
  const blocked = vm.blocked_operations ?? {};
  return Object.hasOwn(blocked, operation) ? blocked[operation] || 'Blocked on this VM.' : undefined;
}

/** The power actions XAPI allows on a VM now, as XenCenter offers them: from `allowed_operations`, never a blocked one. */
export function availableActions(vm: OperationsOf): ActionSpec[] {
  return POWER_SPECS.filter(
    (spec) =>
      spec.states.includes(vm.power_state) &&
      blockedReason(vm, spec.operation) === undefined &&
      // Older pools may leave allowed_operations empty when nothing runs; then the power state alone decides.
      (vm.allowed_operations.length === 0 || vm.allowed_operations.includes(spec.operation)),
  );
}

/** The power actions of this power state that a user blocked: shown disabled, with the reason on hover. */
export function blockedActions(vm: OperationsOf): { spec: ActionSpec; reason: string }[] {
  return POWER_SPECS.flatMap((spec) => {
    const reason = spec.states.includes(vm.power_state) ? blockedReason(vm, spec.operation) : undefined;
    return reason === undefined ? [] : [{ spec, reason }];
  });
}

/** Why live migration is not possible now (blocked by a user, or not among XAPI's allowed operations), if it is not. */
export function migrationRefusal(vm: OperationsOf & Pick<VmRec, 'current_operations'>): string | undefined {
  const blocked = blockedReason(vm, 'pool_migrate');
  if (blocked !== undefined) return `Migration is blocked on this VM: ${blocked}`;
  if (Object.keys(vm.current_operations).length > 0) return 'Another operation is in progress on this VM.';
  if (vm.allowed_operations.length > 0 && !vm.allowed_operations.includes('pool_migrate')) {
    return 'The pool does not allow migrating this VM now.';
  }
  return undefined;
}

const IN_PROGRESS: Readonly<Record<string, string>> = {
  start: 'Starting',
  start_on: 'Starting',
  clean_shutdown: 'Shutting down',
  hard_shutdown: 'Shutting down',
  shutdown: 'Shutting down',
  clean_reboot: 'Rebooting',
  hard_reboot: 'Rebooting',
  suspend: 'Suspending',
  resume: 'Resuming',
  resume_on: 'Resuming',
  pause: 'Pausing',
  unpause: 'Unpausing',
  pool_migrate: 'Migrating',
  migrate_send: 'Migrating',
};

/** What XAPI is doing to the VM now (`current_operations`), in words, or undefined when nothing runs. */
export function operationInProgress(vm: Pick<VmRec, 'current_operations'>): string | undefined {
  const operations = Object.values(vm.current_operations ?? {});
  if (operations.length === 0) return undefined;
  return `${[...new Set(operations.map((op) => IN_PROGRESS[op] ?? op.replaceAll('_', ' ')))].join(', ')}…`;
}

export function roleReason(role: Role, needed: Role, what: string): string | undefined {
  return roleAtLeast(role, needed)
    ? undefined
    : `${what} needs the ${ROLE_LABELS[needed]} role or higher; you are ${ROLE_LABELS[role]}.`;
}
