import type { Entry } from '../types.ts';
import { define, exactTrue, options, preferTrue, text } from './define.ts';

const LICENSE_REASON = 'License parameters are reported by the host’s licensing; apply a license to change them.';
const VERSION_REASON = 'Reported by the host; it changes only when the host’s software does.';
const XAPI_REASON = 'XAPI maintains this value; it is read-only.';

const restriction = (key: string, label: string, help: string): Entry =>
  define({
    cls: 'host',
    field: 'license_params',
    key,
    type: preferTrue('Restricted', 'Allowed'),
    label,
    help: `${help} Like XenCenter, anything but "false" (including absence) reads as restricted.`,
    group: 'License',
    effect: 'informational',
    absentMeans: 'Restricted',
    editable: false,
    readOnlyReason: LICENSE_REASON,
  });

const softwareVersion = (key: string, label: string, help: string): Entry =>
  define({
    cls: 'host',
    field: 'software_version',
    key,
    type: text(),
    label,
    help,
    group: 'Software version',
    effect: 'informational',
    absentMeans: 'Not reported',
    editable: false,
    readOnlyReason: VERSION_REASON,
  });

/** Keys the docs place in host.logging while XenCenter reads host.other_config: both are read, other_config first. */
const hostStatus = (key: string, rest: Pick<Entry, 'type' | 'label' | 'help' | 'group' | 'absentMeans'>): Entry =>
  define({
    cls: 'host',
    field: 'other_config',
    key,
    aliases: [{ field: 'logging', key }],
    effect: 'informational',
    editable: false,
    readOnlyReason: XAPI_REASON,
    ...rest,
  });

export const HOST_ENTRIES: readonly Entry[] = [
  define({
    cls: 'host',
    field: 'other_config',
    key: 'iscsi_iqn',
    aliases: [{ field: 'iscsi_iqn' }],
    type: text({
      maxLength: 223,
      pattern: {
        regex: '^(iqn\\.\\d{4}-\\d{2}(\\.[A-Za-z0-9-]+)+(:[^\\s]+)?|eui\\.[0-9A-Fa-f]{16}|naa\\.[0-9A-Fa-f]{16,32})$',
        hint: 'an iSCSI name such as iqn.2024-01.com.example:host1',
      },
    }),
    label: 'iSCSI IQN',
    help:
      'The host’s iSCSI initiator name; keep it unique in the pool. XenServer 7.5 and later also keep it in the ' +
      'iscsi_iqn field, which XenCenter reads there and which is read here when this key is missing.',
    group: 'Storage',
    effect: 'now',
    absentMeans: 'No IQN set',
    editable: true,
    writeRole: 'pool-operator',
  }),
  define({
    cls: 'host',
    field: 'license_params',
    key: 'expiry',
    type: { kind: 'datetime', format: 'iso8601' },
    label: 'License expiry',
    help: 'When the host’s license expires (UTC ISO 8601). XenCenter treats a missing expiry as 1 January 2030.',
    group: 'License',
    effect: 'informational',
    defaultWhenAbsent: '20300101T00:00:00Z',
    absentMeans: 'No expiry recorded; XenCenter assumes 2030-01-01',
    editable: false,
    readOnlyReason: LICENSE_REASON,
  }),
  define({
    cls: 'host',
    field: 'license_params',
    key: 'sku_type',
    type: text(),
    label: 'License type',
    help: 'The license type, such as Server or Enterprise. XenCenter does not read it and takes the edition from host.edition.',
    group: 'License',
    effect: 'informational',
    absentMeans: 'Not reported',
    editable: false,
    readOnlyReason: LICENSE_REASON,
  }),
  restriction('restrict_pooling', 'Pooling restricted', '"true" if the license forbids putting this host in a pool.'),
  restriction(
    'restrict_connection',
    'Connections restricted',
    '"true" if the license limits the connections XenCenter may make. Documented, but XenCenter does not read it.',
  ),
  restriction(
    'restrict_qos',
    'QoS restricted',
    '"true" if Quality of Service settings are restricted (the docs say "enabled", but true means restricted). ' +
      'XenCenter does not read it.',
  ),
  restriction(
    'restrict_vlan',
    'VLANs restricted',
    '"true" if the license forbids creating virtual networks (VLANs). XenCenter does not read it.',
  ),
  restriction(
    'restrict_pool_attached_storage',
    'Shared storage restricted',
    '"true" if the license forbids creating shared storage.',
  ),
  define({
    cls: 'host',
    field: 'license_params',
    keyPattern: 'restrict_*',
    type: preferTrue('Restricted', 'Allowed'),
    label: 'License restriction',
    help:
      'Another license feature flag. Anything but "false" reads as restricted, as XenCenter reads most of them ' +
      '(it reads a few, such as restrict_xen_motion and restrict_ad, as restricted only for "true").',
    group: 'License',
    effect: 'informational',
    absentMeans: 'Restricted',
    editable: false,
    readOnlyReason: LICENSE_REASON,
  }),
  softwareVersion('product_version', 'Product version', 'The product version, such as 8.2.1.'),
  softwareVersion('build_number', 'Build number', 'The product build number.'),
  softwareVersion('xapi', 'API revision', 'The revision of the management API (XAPI) the host runs.'),
  define({
    cls: 'host',
    field: 'software_version',
    key: 'package-linux',
    type: { kind: 'enum', options: options({ installed: 'Installed' }) },
    label: 'Linux pack',
    help: '"installed" when the Linux pack is installed (older releases). Documented, but XenCenter does not read it.',
    group: 'Software version',
    effect: 'informational',
    absentMeans: 'Not installed',
    editable: false,
    readOnlyReason: VERSION_REASON,
  }),
  softwareVersion(
    'oem_build_number',
    'OEM build number',
    'The revision of an OEM edition, present on OEM builds only. Documented, but XenCenter does not read it.',
  ),
  define({
    cls: 'host',
    field: 'logging',
    key: 'syslog_destination',
    type: { kind: 'hostname-or-ip' },
    label: 'Syslog destination',
    help:
      'Remote syslog server as a host name (XenCenter’s rule) or an IPv4/IPv6 address; empty or absent keeps logs ' +
      'local. Written with host.set_logging, then applied with host.syslog_reconfigure.',
    group: 'Logging',
    effect: 'after-syslog-reconfigure',
    absentMeans: 'Local logging only',
    applyWith: 'host.syslog_reconfigure',
    editable: true,
    writeRole: 'pool-operator',
  }),
  hostStatus('multipathing', {
    type: exactTrue('write-false', 'On', 'Off'),
    label: 'Storage multipathing',
    help:
      '"true" when storage multipathing is on. The docs place it in host.logging but XenCenter reads ' +
      'host.other_config (both are read, other_config first); newer hosts also have a multipathing field.',
    group: 'Storage',
    absentMeans: 'Off',
  }),
  hostStatus('boot_time', {
    type: { kind: 'datetime', format: 'unix-seconds', showUptime: true },
    label: 'Host boot time',
    help:
      'When the host booted, as floating-point Unix seconds, shown as a date and an uptime. The docs place it in ' +
      'host.logging but XenCenter reads host.other_config (both are read, other_config first).',
    group: 'Host status',
    absentMeans: 'Not reported',
  }),
  hostStatus('agent_start_time', {
    type: { kind: 'datetime', format: 'unix-seconds', showUptime: true },
    label: 'Toolstack start time',
    help:
      'When the management daemon (xapi) started, as floating-point Unix seconds. The docs place it in host.logging ' +
      'but XenCenter reads host.other_config (both are read, other_config first).',
    group: 'Host status',
    absentMeans: 'Not reported',
  }),
];
