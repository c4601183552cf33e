import type { PowerState } from '@xwc/api-client';

/**
 * `VM.allowed_operations` by power state, a representative subset of `Xapi_vm_lifecycle`'s tables:
 * clients (XenCenter, Xen Orchestra) enable their power buttons from it.
 */
const GUEST: Readonly<Record<PowerState, readonly string[]>> = {
  Halted: [
    'start',
    'start_on',
    'clone',
    'copy',
    'snapshot',
    'export',
    'destroy',
    'make_into_template',
    'changing_memory_limits',
    'changing_VCPUs',
    'changing_static_range',
    'metadata_export',
    'provision',
  ],
  Running: [
    'clean_shutdown',
    'hard_shutdown',
    'clean_reboot',
    'hard_reboot',
    'suspend',
    'pause',
    'pool_migrate',
    'migrate_send',
    'snapshot',
    'checkpoint',
    'changing_dynamic_range',
    'changing_VCPUs_live',
    'metadata_export',
  ],
  Paused: ['unpause', 'hard_shutdown', 'hard_reboot', 'metadata_export'],
  Suspended: ['resume', 'resume_on', 'hard_shutdown', 'export', 'metadata_export'],
};

const TEMPLATE = ['clone', 'copy', 'export', 'provision', 'destroy', 'metadata_export'];
const CONTROL_DOMAIN = ['changing_dynamic_range', 'metadata_export'];

export function allowedOperations(vm: Readonly<Record<string, unknown>>): string[] {
  if (vm.is_control_domain) return [...CONTROL_DOMAIN];
  if (vm.is_a_template) return [...TEMPLATE];
  return [...GUEST[vm.power_state as PowerState]];
}
