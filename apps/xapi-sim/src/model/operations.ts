import { XapiError, type PowerState } from '@xwc/api-client';
import type { Database, Row } from '../db/database.ts';

/**
 * Which VM operations are valid now, as `Xapi_vm_lifecycle.check_operation_error` decides, for the operations the
 * simulator performs: clients (XenCenter, Xen Orchestra) enable their buttons from `allowed_operations`, and every
 * call is checked again the same way before it runs.
 */

/** The operations the simulator performs; it never offers the others (`snapshot`, `clone`, `export`…). */
export const SIMULATED_OPERATIONS = [
  'start',
  'start_on',
  'clean_shutdown',
  'hard_shutdown',
  'clean_reboot',
  'hard_reboot',
  'suspend',
  'resume',
  'resume_on',
  'pause',
  'unpause',
  'pool_migrate',
] as const;

/** Operations never listed in `allowed_operations` (`ignored_ops`), though callable. */
const UNLISTED = new Set(['shutdown']);

const ALL: readonly PowerState[] = ['Halted', 'Paused', 'Suspended', 'Running'];

/** `allowed_power_states`, in xapi's order (the order of its VM_BAD_POWER_STATE text). */
function allowedPowerStates(vm: Row, op: string): readonly PowerState[] {
  switch (op) {
    case 'changing_VCPUs':
    case 'changing_static_range':
    case 'changing_memory_limits':
      return vm.is_control_domain ? ['Halted', 'Running'] : ['Halted'];
    case 'changing_shadow_memory':
    case 'changing_NVRAM':
    case 'make_into_template':
    case 'provision':
    case 'start':
    case 'start_on':
    case 'create_vtpm':
      return ['Halted'];
    case 'unpause':
      return ['Paused'];
    case 'csvm':
    case 'resume':
    case 'resume_on':
      return ['Suspended'];
    case 'changing_dynamic_range':
      return ['Halted', 'Running'];
    case 'clone':
    case 'copy':
      return vm.is_a_snapshot ? ['Halted', 'Suspended'] : ['Halted'];
    case 'create_template':
    case 'destroy':
    case 'export':
      return ['Halted', 'Suspended'];
    case 'hard_reboot':
      return ['Paused', 'Running'];
    case 'checkpoint':
    case 'get_boot_record':
    case 'shutdown':
    case 'hard_shutdown':
      return ['Paused', 'Suspended', 'Running'];
    case 'migrate_send':
      return ['Halted', 'Suspended', 'Running'];
    case 'import':
      return [];
    case 'assert_operation_valid':
    case 'metadata_export':
    case 'power_state_reset':
    case 'revert':
    case 'reverting':
    case 'snapshot':
    case 'update_allowed_operations':
    case 'query_services':
      return ALL;
    default:
      return ['Running'];
  }
}

/** Templates may be cloned, copied, exported and resized (`check_template`); default ones not even destroyed. */
const TEMPLATE_OPERATIONS = new Set([
  'changing_dynamic_range',
  'changing_static_range',
  'changing_memory_limits',
  'changing_shadow_memory',
  'changing_VCPUs',
  'changing_NVRAM',
  'clone',
  'copy',
  'export',
  'metadata_export',
  'provision',
]);

/** What a control domain allows (`check_operation_error`'s control-domain case). */
const CONTROL_DOMAIN_OPERATIONS = new Set([
  'data_source_op',
  'changing_memory_live',
  'awaiting_memory_live',
  'metadata_export',
  'changing_dynamic_range',
  'changing_memory_limits',
  'changing_static_range',
  'start',
  'start_on',
  'changing_VCPUs',
  'destroy',
]);

/** `Xapi_globs.rpu_allowed_vm_operations`: all a VM may do while the pool's hosts are being upgraded. */
const ROLLING_UPGRADE_OPERATIONS = new Set([
  'assert_operation_valid',
  'changing_memory_live',
  'changing_shadow_memory_live',
  'changing_VCPUs_live',
  'clean_reboot',
  'clean_shutdown',
  'clone',
  'copy',
  'csvm',
  'destroy',
  'export',
  'get_boot_record',
  'hard_reboot',
  'hard_shutdown',
  'import',
  'make_into_template',
  'migrate_send',
  'pause',
  'pool_migrate',
  'power_state_reset',
  'provision',
  'resume',
  'resume_on',
  'send_sysrq',
  'send_trigger',
  'start',
  'start_on',
  'suspend',
  'unpause',
  'update_allowed_operations',
]);

const isTrue = (map: unknown, key: string): boolean => {
  const value = (map as Record<string, string>)[key];
  return Object.hasOwn(map as object, key) && (value === '1' || value?.toLowerCase() === 'true');
};

/**
 * Why an operation may not run, as plain data: `allowed_operations` asks this of every operation of every VM it
 * writes (a 50,000-VM pool is seeded through it), and an Error's stack trace made that most of the start-up time.
 */
interface Refusal {
  readonly code: string;
  readonly params: string[];
}

const refusal = (code: string, params: string[]): Refusal => ({ code, params });

/** `check_op_for_feature`: an HVM guest without PV drivers must advertise what it can do cleanly. */
function featureError(db: Database, ref: string, vm: Row, op: string, strict: boolean): Refusal | undefined {
  const live = vm.power_state === 'Running' || vm.power_state === 'Paused';
  const guest = db.get('VM_guest_metrics', vm.guest_metrics as string);
  const other = (guest?.other ?? {}) as Record<string, string>;
  const lacks = (feature: string): boolean => other[feature] !== '1';
  const bootedPv = ['pv', 'pv_in_pvh', 'pvh'].includes(
    db.get('VM_metrics', vm.metrics as string)?.current_domain_type as string,
  );
  const drivers = Object.hasOwn((guest?.PV_drivers_version ?? {}) as object, 'major');
  const implicit = !live || bootedPv || drivers;
  if (live && (op === 'suspend' || op === 'checkpoint' || op === 'pool_migrate' || op === 'migrate_send')) {
    if (Object.hasOwn(other, 'data-cant-suspend-reason')) {
      return refusal('VM_NON_SUSPENDABLE', [ref, other['data-cant-suspend-reason']!]);
    }
    return !implicit && strict && lacks('feature-suspend') ? refusal('VM_LACKS_FEATURE', [ref]) : undefined;
  }
  if (implicit || !strict) return undefined;
  if (op === 'clean_shutdown' && lacks('feature-shutdown') && lacks('feature-poweroff')) {
    return refusal('VM_LACKS_FEATURE', [ref]);
  }
  if (op === 'clean_reboot' && lacks('feature-shutdown') && lacks('feature-reboot')) {
    return refusal('VM_LACKS_FEATURE', [ref]);
  }
  return undefined;
}

/** Whether the pool is mid rolling upgrade (`rolling_upgrade_in_progress` in its `other_config`). */
export function rollingUpgrade(db: Database): boolean {
  const pool = db.get('pool', db.refs('pool')[0] ?? '');
  return pool !== undefined && Object.hasOwn(pool.other_config as object, 'rolling_upgrade_in_progress');
}

/**
 * The first reason `op` may not run on `ref` now, in xapi's order of checks (blocked by a user, power state,
 * operations in progress, template, snapshot, mobility, control domain, guest features, rolling upgrade), or
 * undefined. `strict` is for `allowed_operations` (advisory); calls are checked leniently.
 */
export function operationError(db: Database, ref: string, op: string, strict: boolean): XapiError | undefined {
  const refused = refusalOf(db, ref, op, strict);
  return refused && new XapiError(refused.code, refused.params);
}

function refusalOf(db: Database, ref: string, op: string, strict: boolean): Refusal | undefined {
  const vm = db.require('VM', ref);
  const blocked = vm.blocked_operations as Record<string, string>;
  if (Object.hasOwn(blocked, op)) return refusal('OPERATION_BLOCKED', [ref, blocked[op]!]);
  const expected = allowedPowerStates(vm, op);
  if (!expected.includes(vm.power_state as PowerState)) {
    const states = expected.map((s) => s.toLowerCase()).join(', ');
    return refusal('VM_BAD_POWER_STATE', [ref, states, (vm.power_state as string).toLowerCase()]);
  }
  // xapi lets a hard shutdown or reboot overtake a clean one (`is_allowed_concurrently`); the simulator runs one
  // operation at a time, so it neither offers nor accepts them meanwhile.
  const current = Object.entries(vm.current_operations as Record<string, string>);
  if (current.length > 0) {
    const [task, running] =
      current.length === 1
        ? current[0]!
        : [`{${current.map(([t]) => t).join(',')}}`, `{${current.map(([, o]) => o).join(',')}}`];
    return refusal('OTHER_OPERATION_IN_PROGRESS', ['VM', ref, running, task]);
  }
  if (vm.is_a_template && !vm.is_a_snapshot) {
    const defaultTemplate = vm.is_default_template === true || isTrue(vm.other_config, 'default_template');
    if (!TEMPLATE_OPERATIONS.has(op) && !((op === 'destroy' || op === 'migrate_send') && !defaultTemplate)) {
      return refusal('VM_IS_TEMPLATE', [ref, op]);
    }
  }
  if (
    vm.is_a_snapshot &&
    !['revert', 'clone', 'copy', 'export', 'destroy', 'hard_shutdown', 'metadata_export'].includes(op)
  ) {
    return refusal('VM_IS_SNAPSHOT', [ref, op]);
  }
  if (strict && ['suspend', 'checkpoint', 'pool_migrate', 'migrate_send'].includes(op)) {
    const metrics = db.get('VM_metrics', vm.metrics as string);
    const platform = vm.platform as Record<string, string>;
    const immobile = metrics
      ? metrics.nomigrate === true || metrics.nested_virt === true
      : isTrue(platform, 'nomigrate') || isTrue(platform, 'nested-virt');
    if (immobile) return refusal('VM_IS_IMMOBILE', [ref]);
  }
  if (vm.is_control_domain && !CONTROL_DOMAIN_OPERATIONS.has(op)) {
    return refusal('OPERATION_NOT_ALLOWED', ['This operation is not allowed on a control domain']);
  }
  const feature = featureError(db, ref, vm, op, strict);
  if (feature) return feature;
  if (rollingUpgrade(db) && !ROLLING_UPGRADE_OPERATIONS.has(op)) return refusal('NOT_SUPPORTED_DURING_UPGRADE', []);
  return undefined;
}

/** `update_allowed_operations`, over the operations the simulator can perform. */
export function allowedOperations(db: Database, ref: string): string[] {
  return SIMULATED_OPERATIONS.filter((op) => !UNLISTED.has(op) && refusalOf(db, ref, op, true) === undefined);
}

/** Recomputes a VM's `allowed_operations`, writing only when they changed. */
export function refreshAllowedOperations(db: Database, ref: string): void {
  const vm = db.get('VM', ref);
  if (!vm) return;
  const allowed = allowedOperations(db, ref);
  if ((vm.allowed_operations as string[]).join() !== allowed.join())
    db.update('VM', ref, { allowed_operations: allowed });
}
