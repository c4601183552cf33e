import type { Entry } from '../types.ts';
import { define, exactTrue, HIDE_FROM_XENCENTER, hideHelp, options, presence, text } from './define.ts';

const I18N_REASON =
  'The installer records this for the SRs it creates; rename the SR to stop its name being translated.';

export const SR_ENTRIES: readonly Entry[] = [
  define({
    cls: 'SR',
    field: 'other_config',
    key: 'auto-scan',
    type: exactTrue('write-false', 'Scanned automatically', 'Not scanned automatically'),
    label: 'Automatic scan',
    help:
      'When "true", XAPI rescans the SR periodically to pick up new or removed disks. XenCenter writes "true" for ISO ' +
      'libraries and "false" for other SRs it creates.',
    group: 'Storage',
    effect: 'now',
    absentMeans: 'Not scanned automatically',
    editable: true,
    writeRole: 'pool-operator',
  }),
  define({
    cls: 'SR',
    field: 'other_config',
    key: 'i18n-key',
    type: {
      kind: 'enum',
      options: options({
        'local-hotplug-cd': 'DVD drives',
        'local-hotplug-disk': 'Removable storage',
        'local-storage': 'Local storage',
        'XenServer-tools': 'XenServer Tools',
      }),
    },
    label: 'Translation key',
    help:
      'Marks an SR the installer created, so clients show its name and description in the user’s language while they ' +
      'still equal the i18n-original-value-<field> entries.',
    group: 'i18n',
    effect: 'now',
    absentMeans: 'Names shown as stored',
    editable: false,
    readOnlyReason: I18N_REASON,
  }),
  define({
    cls: 'SR',
    field: 'other_config',
    keyPattern: 'i18n-original-value-*',
    type: text(),
    label: 'Original installer text',
    help:
      'The value a field (name_label or name_description) had when the installer created the SR; while the field ' +
      'still equals it, clients translate it, and once renamed the name is shown as is.',
    group: 'i18n',
    effect: 'now',
    absentMeans: 'Not recorded',
    editable: false,
    readOnlyReason: I18N_REASON,
  }),
  define({
    cls: 'SR',
    field: 'sm_config',
    key: 'type',
    type: { kind: 'enum', options: options({ cd: 'Physical CD/DVD drive' }) },
    label: 'Drive type',
    help:
      '"cd" marks a removable-device SR holding physical CD/DVD drives; XenCenter offers them in its ISO and ' +
      'install-media pickers and never deletes them.',
    group: 'Storage',
    effect: 'informational',
    absentMeans: 'Not a CD drive SR',
    editable: false,
    readOnlyReason: 'The storage backend sets this for SRs made of physical CD/DVD drives; it is read-only.',
  }),
  define({
    cls: 'SR',
    ...HIDE_FROM_XENCENTER,
    help: hideHelp('SR'),
    editable: true,
    writeRole: 'pool-operator',
  }),
];

export const VDI_ENTRIES: readonly Entry[] = [
  define({
    cls: 'VDI',
    field: 'sm_config',
    key: 'vmhint',
    type: { kind: 'uuid-or-ref', of: 'VM' },
    label: 'VM hint',
    help:
      'The VM this disk serves, a hint some storage backends use when attaching it. The docs say a VM UUID; XenCenter ' +
      'writes the UUID from New Disk but an opaque reference from New VM. Both are read; the UUID is written.',
    group: 'Disk',
    effect: 'after-replug',
    absentMeans: 'No hint',
    editable: true,
    writeRole: 'vm-admin',
  }),
];

export const VBD_ENTRIES: readonly Entry[] = [
  define({
    cls: 'VBD',
    field: 'other_config',
    key: 'owner',
    aliases: [{ field: 'other_config', key: 'is_owner' }],
    type: presence('Deleted with the VM', 'Kept when the VM is deleted'),
    label: 'Disk owned by the VM',
    help:
      'Any value means the VM owns the disk, so deleting the VM offers to delete it too. The docs call it is_owner; ' +
      'XenCenter reads and writes owner ("true", cleared by removal), and is_owner is only read.',
    group: 'Disk',
    effect: 'now',
    absentMeans: 'Kept when the VM is deleted',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VBD',
    field: 'qos_algorithm_params',
    key: 'class',
    aliases: [{ field: 'other_config', key: 'class' }],
    type: { kind: 'int', min: 0, max: 7 },
    label: 'Disk I/O priority',
    help:
      'ionice best-effort priority, 0 (highest) to 7 (lowest). The docs put it in other_config:class (only read here); ' +
      'XenCenter writes qos_algorithm_params:class with qos_algorithm_type "ionice" and sched "be", and so does this editor.',
    group: 'Disk',
    effect: 'after-replug',
    absentMeans: 'Scheduler default',
    companionFields: { qos_algorithm_type: 'ionice' },
    companionKeys: { sched: 'be' },
    editable: true,
    writeRole: 'vm-admin',
  }),
];
