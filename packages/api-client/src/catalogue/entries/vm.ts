import type { Entry } from '../types.ts';
import { define, exactTrue, HIDE_FROM_XENCENTER, hideHelp, options, presence, text } from './define.ts';

const P2V_REASON = 'The P2V import that created the VM records this; it is read-only.';

export const VM_ENTRIES: readonly Entry[] = [
  define({
    cls: 'VM',
    ...HIDE_FROM_XENCENTER,
    help: hideHelp('VM'),
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'default_template',
    type: presence('Default template', 'Custom'),
    label: 'Default template',
    help:
      'Marks a template shipped with XenServer: XenCenter gives it its own icon, shows it only with Server Templates on ' +
      'and refuses to delete it. Any value counts; written as "true", cleared by removing the key.',
    group: 'Templates',
    effect: 'now',
    absentMeans: 'Not a default template',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'xensource_internal',
    type: presence('Internal', 'Not internal'),
    label: 'Internal template',
    help: 'Marks a template for XAPI’s own use, such as the P2V server; any value counts, and clients never show it.',
    group: 'Templates',
    effect: 'now',
    absentMeans: 'Not internal',
    editable: false,
    readOnlyReason: 'Internal templates are marked by XAPI and hidden from every client; the mark is read-only.',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'install-distro',
    aliases: [{ field: 'other_config', key: 'install_distro' }],
    type: text({
      maxLength: 64,
      pattern: { regex: '^[a-z0-9][a-z0-9_-]*$', hint: 'a lower-case distribution family such as rhlike' },
    }),
    label: 'Install distribution family',
    help:
      'The installer family of a PV install template, e.g. "rhlike" for RHEL 5/CentOS: used to prompt for the install ' +
      'repository and adapt NFS URLs. The docs spell it install_distro; XenCenter reads install-distro, which is written ' +
      '(install_distro is only read).',
    group: 'Installation',
    effect: 'next-boot',
    absentMeans: 'No installer family',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'install-repository',
    type: { kind: 'enum', options: options({ cdrom: "The VM's CD drive" }), orUrl: true },
    label: 'Install repository',
    help:
      'Where the installer of a PV template finds its packages: "cdrom" for the attached CD drive, or an http, https, ' +
      'ftp or nfs URL (nfs:server:/path is accepted). XenCenter writes it when it creates a VM from such a template.',
    group: 'Installation',
    effect: 'next-boot',
    absentMeans: 'No repository chosen',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'install-methods',
    type: {
      kind: 'comma-list',
      items: options({ cdrom: 'CD/DVD or ISO', nfs: 'NFS', http: 'HTTP', ftp: 'FTP' }),
    },
    label: 'Install methods',
    help:
      'Comma-separated install methods the template offers: cdrom enables installing from a CD or ISO; http, ftp and ' +
      'nfs enable installing from a URL. Absent or empty behaves like a user template (no install step).',
    group: 'Installation',
    effect: 'now',
    absentMeans: 'None (user template)',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'auto_poweron',
    type: exactTrue('write-false', 'Starts with the host', 'Started by hand'),
    label: 'Start when the host boots',
    help:
      'Starts the VM when its host boots; stored as "true" or "false" in lower case. XAPI honors it only while the ' +
      "pool's other_config:auto_poweron is also true. XenCenter has no editor for it and turns it off during rolling upgrades.",
    group: 'Power',
    effect: 'next-host-boot',
    absentMeans: 'Started by hand',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'ignore_excessive_vcpus',
    type: exactTrue('write-false', 'Warning silenced', 'Warning shown'),
    label: 'Ignore excessive vCPUs',
    help:
      'Once silenced XenCenter’s warning when the VM has more vCPUs than its host has CPUs ("true" to ignore). ' +
      'XenCenter removed its use in 2023 and now always warns; kept for older clients.',
    group: 'CPU',
    effect: 'now',
    absentMeans: 'Warning shown',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'import_task',
    type: text(),
    label: 'Import task',
    help: 'The task of the XVA import that created this VM; import wizards use it to find what the import made.',
    group: 'Import/P2V',
    effect: 'informational',
    absentMeans: 'Not created by an import',
    editable: false,
    readOnlyReason: 'The import task is recorded by XAPI when an import creates the VM; it is read-only.',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'last_shutdown_time',
    type: { kind: 'datetime', format: 'iso8601' },
    label: 'Last shutdown',
    help:
      'When the VM last shut down or rebooted (UTC ISO 8601). XenCenter shows the tools status as unknown for two ' +
      'minutes after it.',
    group: 'Power',
    effect: 'informational',
    absentMeans: 'Never shut down',
    editable: false,
    readOnlyReason: 'XAPI records the last shutdown time itself; it is read-only.',
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'p2v_source_machine',
    type: text(),
    label: 'P2V source machine',
    help: 'The physical machine this VM was converted from; XenCenter shows it only when p2v_import_date is also set.',
    group: 'Import/P2V',
    effect: 'informational',
    absentMeans: 'Not a P2V import',
    editable: false,
    readOnlyReason: P2V_REASON,
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'p2v_import_date',
    type: { kind: 'datetime', format: 'iso8601' },
    label: 'P2V import date',
    help: 'When a P2V process imported this VM (UTC ISO 8601); shown with p2v_source_machine.',
    group: 'Import/P2V',
    effect: 'informational',
    absentMeans: 'Not a P2V import',
    editable: false,
    readOnlyReason: P2V_REASON,
  }),
  define({
    cls: 'VM',
    field: 'other_config',
    key: 'disable_pv_vnc',
    type: presence('Console disabled', 'Console enabled'),
    label: 'Disable PV text console',
    help:
      'Any value stops XAPI starting the vncterm console of a PV guest from its next start, leaving only xenconsole in ' +
      'the control domain. The docs write 1; this editor writes "true" and removes the key to undo. XenCenter does not ' +
      'read it and keeps looking for a console.',
    group: 'Console',
    effect: 'next-boot',
    absentMeans: 'Console enabled',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'HVM_boot_params',
    key: 'order',
    type: {
      kind: 'boot-order',
      devices: [
        { letter: 'c', label: 'Hard disk' },
        { letter: 'd', label: 'DVD drive' },
        { letter: 'n', label: 'Network' },
      ],
    },
    label: 'Boot order',
    help:
      'HVM boot order: C hard disk, D DVD drive, N network, each at most once. Stored lower case and shown upper case, ' +
      'as XenCenter does (the docs’ "CDN" is written "cdn"); absent means "cd". PV guests boot from their bootable disk.',
    group: 'Boot',
    effect: 'next-boot',
    defaultWhenAbsent: 'cd',
    absentMeans: 'Hard disk, then DVD drive',
    writableWhen: {
      field: 'HVM_boot_policy',
      notEquals: '',
      reason: 'Boot order applies to HVM guests only; this VM boots PV, from its bootable disk.',
    },
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'VCPUs_params',
    key: 'weight',
    type: { kind: 'int', min: 1, max: 65536 },
    label: 'VCPU weight',
    help:
      'Relative CPU share under the credit scheduler, 1–65536 (higher gets more), 256 when absent. The docs call it an ' +
      'IONice value; XenCenter’s slider tops out at 65535 and reads a missing weight as 256. Applied at the next start.',
    group: 'CPU',
    effect: 'next-boot',
    defaultWhenAbsent: '256',
    absentMeans: 'Normal (256)',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'xenstore_data',
    keyPattern: 'vm-data/*',
    keyRule: {
      regex: '^vm-data(/[A-Za-z0-9_@-]+)+$',
      message: 'xenstore keys look like vm-data/name[/name…], each name made of letters, digits, -, _ and @',
    },
    type: text({ maxLength: 4096 }),
    label: 'xenstore vm-data entry',
    help:
      'Data for guest agents under the guest’s xenstore vm-data/ tree. Written with VM.set_xenstore_data, so a running ' +
      'guest sees it at once and every boot gets it; a running guest may write back into this tree.',
    group: 'xenstore',
    effect: 'now',
    absentMeans: 'Not set',
    editable: true,
    writeRole: 'vm-admin',
  }),
  define({
    cls: 'VM',
    field: 'xenstore_data',
    keyPattern: '*',
    type: text(),
    label: 'xenstore entry outside vm-data/',
    help:
      'Entries outside vm-data/ never reach the guest (xenopsd keeps only vm-data/ and its internal FIST/ keys); ' +
      'listed so they can be spotted.',
    group: 'xenstore',
    effect: 'informational',
    absentMeans: 'Not set',
    editable: false,
    readOnlyReason: 'xenstore keys must start with vm-data/: XAPI silently drops anything else when the VM starts',
  }),
];
