import { describe, expect, it } from 'vitest';
import {
  CATALOGUE,
  describeType,
  formatDuration,
  formatForDisplay,
  formatUtc,
  isDefaultTemplate,
  isInternalTemplate,
  isRollingUpgradeInProgress,
  networkIsAutomatic,
  optionsFor,
  SR_LOCALES,
  SR_TRANSLATIONS,
  srDisplayDescription,
  srDisplayName,
  srLocale,
} from '../src/catalogue/index.ts';
import { entry } from './support/entry.ts';

describe('formatting', () => {
  it.each([
    [0, '0 seconds'],
    [1, '1 second'],
    [59.9, '59 seconds'],
    [60, '1 minute'],
    [3_661, '1 hour 1 minute'],
    [86_400, '1 day'],
    [86_400 * 3 + 3_600 * 4 + 5, '3 days 4 hours'],
    [-5, '0 seconds'],
  ])('formats %d seconds as %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  it('formats times in UTC whatever the local zone', () => {
    expect(formatUtc(new Date('2024-02-29T23:59:58Z'))).toBe('2024-02-29 23:59:58 UTC');
  });

  it('shows the boot order with device names', () => {
    expect(formatForDisplay(entry('VM.HVM_boot_params:order'), ['n', 'c'])).toBe('N (Network), C (Hard disk)');
  });

  it('shows a boot time with the uptime until now', () => {
    const bootTime = entry('host.other_config:boot_time');
    const booted = new Date('2024-01-01T00:00:00Z');
    expect(formatForDisplay(bootTime, booted, { now: new Date('2024-01-03T05:00:00Z') })).toBe(
      '2024-01-01 00:00:00 UTC (up 2 days 5 hours)',
    );
  });

  it('shows what absence means for values without a default', () => {
    expect(formatForDisplay(entry('host.logging:syslog_destination'), undefined)).toBe('Local logging only');
    expect(formatForDisplay(entry('PIF.other_config:ethtool-gso'), undefined)).toBe('Driver default');
  });
});

describe('optionsFor', () => {
  it('offers both labelled states for booleans, written as "true"/"false"', () => {
    expect(optionsFor(entry('VM.other_config:HideFromXenCenter'))).toEqual([
      { value: 'true', label: 'Hidden' },
      { value: 'false', label: 'Shown' },
    ]);
  });

  it('offers enum values, list items and boot devices', () => {
    expect(optionsFor(entry('VIF.other_config:ethtool-speed')).map((o) => o.value)).toEqual(['10', '100', '1000']);
    expect(optionsFor(entry('PIF.other_config:ethtool-duplex')).map((o) => o.value)).toEqual(['half', 'full']);
    expect(optionsFor(entry('VM.other_config:install-methods')).map((o) => o.value)).toEqual([
      'cdrom',
      'nfs',
      'http',
      'ftp',
    ]);
    expect(optionsFor(entry('VM.HVM_boot_params:order'))).toEqual([
      { value: 'c', label: 'Hard disk' },
      { value: 'd', label: 'DVD drive' },
      { value: 'n', label: 'Network' },
    ]);
    expect(optionsFor(entry('SR.other_config:i18n-key')).map((o) => o.value)).toEqual([
      'local-hotplug-cd',
      'local-hotplug-disk',
      'local-storage',
      'XenServer-tools',
    ]);
    expect(optionsFor(entry('task.other_config:object_creation')).map((o) => o.value)).toEqual(['complete']);
    expect(optionsFor(entry('SR.sm_config:type')).map((o) => o.value)).toEqual(['cd']);
    expect(optionsFor(entry('VM.other_config:install-repository')).map((o) => o.value)).toEqual(['cdrom']);
  });

  it('offers nothing for free-form values', () => {
    expect(optionsFor(entry('VM.VCPUs_params:weight'))).toEqual([]);
    expect(optionsFor(entry('host.logging:syslog_destination'))).toEqual([]);
  });
});

describe('describeType', () => {
  it('describes every entry’s type', () => {
    for (const e of CATALOGUE) expect(describeType(e.type).length, e.id).toBeGreaterThan(3);
  });

  it.each([
    ['VM.other_config:HideFromXenCenter', 'boolean: only exactly "true" is true'],
    ['network.other_config:automatic', 'boolean: anything but "false" is true'],
    ['VBD.other_config:owner', 'boolean: any value means on'],
    ['PIF.other_config:ethtool-rx', 'on | true | off | false'],
    ['VM.VCPUs_params:weight', 'whole number 1–65536'],
    ['network.MTU', 'whole number 1500–9216 (widened to the current value)'],
    ['VIF.other_config:ethtool-speed', 'one of `10`, `100`, `1000` (Mb/s)'],
    ['VM.other_config:install-repository', 'one of `cdrom` or a URL'],
    ['VM.HVM_boot_params:order', 'boot order: letters C, D, N, no repeats'],
    ['VM_guest_metrics.PV_drivers_version:major.minor.micro', 'version major.minor.micro'],
  ])('%s: %s', (id, text) => {
    expect(describeType(entry(id).type)).toBe(text);
  });
});

describe('srDisplayName', () => {
  const localSr = (label = 'Local storage', description = '') => ({
    name_label: label,
    name_description: description,
    shared: false,
    other_config: {
      'i18n-key': 'local-storage',
      'i18n-original-value-name_label': 'Local storage',
      'i18n-original-value-name_description': '',
    },
  });

  it.each([
    ['en', 'Local storage on h1', 'Local storage'],
    ['de', 'Lokaler Speicher auf h1', 'Lokaler Speicher'],
    ['fr', 'Stockage local sur h1', 'Stockage local'],
    ['ja', 'h1 のローカル ストレージ', 'ローカル ストレージ'],
    ['zh-CN', 'h1 上的本地存储', '本地存储'],
  ])('translates an untouched local SR into %s', (locale, onHost, plain) => {
    expect(srDisplayName(localSr(), locale, 'h1')).toBe(onHost);
    expect(srDisplayName(localSr(), locale)).toBe(plain);
  });

  it('keeps a renamed SR’s name as it is', () => {
    expect(srDisplayName(localSr('Fast disks'), 'de', 'h1')).toBe('Fast disks');
  });

  it('translates the description by the same rule', () => {
    expect(srDisplayDescription(localSr(), 'fr')).toBe('Espace sur les disques locaux du serveur');
    expect(srDisplayDescription(localSr('Local storage', 'my notes'), 'fr')).toBe('my notes');
  });

  it('uses the plain name for shared SRs and for the tools SR', () => {
    expect(srDisplayName({ ...localSr(), shared: true }, 'en', 'h1')).toBe('Local storage');
    const tools = {
      name_label: 'XenServer Tools',
      shared: true,
      other_config: { 'i18n-key': 'XenServer-tools', 'i18n-original-value-name_label': 'XenServer Tools' },
    };
    expect(srDisplayName(tools, 'ja', 'h1')).toBe('XenServer ツール');
    expect(
      srDisplayName({ ...tools, other_config: { ...tools.other_config, 'i18n-key': 'xenserver-tools' } }, 'de'),
    ).toBe('XenServer-Tools');
  });

  it('translates the hot-plug SRs', () => {
    const sr = (key: string, label: string) => ({
      name_label: label,
      other_config: { 'i18n-key': key, 'i18n-original-value-name_label': label },
    });
    expect(srDisplayName(sr('local-hotplug-cd', 'DVD drives'), 'fr', 'h2')).toBe('Lecteurs DVD sur h2');
    expect(srDisplayName(sr('local-hotplug-disk', 'Removable storage'), 'zh-CN')).toBe('可移动存储');
  });

  it('shows stored names without an i18n key, an original value, or a known key', () => {
    expect(srDisplayName({ name_label: 'NFS', other_config: {} }, 'de')).toBe('NFS');
    expect(srDisplayName({ name_label: 'Local storage', other_config: { 'i18n-key': 'local-storage' } }, 'de')).toBe(
      'Local storage',
    );
    expect(
      srDisplayName(
        { name_label: 'EBS', other_config: { 'i18n-key': 'ebs', 'i18n-original-value-name_label': 'EBS' } },
        'de',
      ),
    ).toBe('EBS');
    expect(srDisplayName({}, 'en')).toBe('');
  });

  it.each([
    ['de-AT', 'de'],
    ['fr_CA', 'fr'],
    ['ja-JP', 'ja'],
    ['zh', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-TW', 'en'],
    ['pt-BR', 'en'],
    ['', 'en'],
  ])('maps the locale %j to %j', (tag, locale) => {
    expect(srLocale(tag)).toBe(locale);
  });

  it('has every text in every locale', () => {
    for (const locale of SR_LOCALES) {
      for (const texts of Object.values(SR_TRANSLATIONS[locale])) {
        expect(texts.name.length).toBeGreaterThan(0);
        expect(texts.description.length).toBeGreaterThan(0);
        if (texts.nameOnHost) expect(texts.nameOnHost).toContain('{host}');
      }
    }
  });
});

describe('XenCenter helpers', () => {
  it('recognises default templates by the key (any value) or the field', () => {
    expect(isDefaultTemplate({ other_config: { default_template: 'true' } })).toBe(true);
    expect(isDefaultTemplate({ other_config: { default_template: '' } })).toBe(true);
    expect(isDefaultTemplate({ is_default_template: true, other_config: {} })).toBe(true);
    expect(isDefaultTemplate({ is_default_template: false, other_config: {} })).toBe(false);
  });

  it('recognises internal templates by presence', () => {
    expect(isInternalTemplate({ other_config: { xensource_internal: 'false' } })).toBe(true);
    expect(isInternalTemplate({ other_config: {} })).toBe(false);
  });

  it('treats networks as automatic unless exactly "false"', () => {
    expect(networkIsAutomatic({ other_config: {} })).toBe(true);
    expect(networkIsAutomatic({ other_config: { automatic: 'no' } })).toBe(true);
    expect(networkIsAutomatic({ other_config: { automatic: 'false' } })).toBe(false);
  });

  it('sees a rolling upgrade while the key is present', () => {
    expect(isRollingUpgradeInProgress({ other_config: { rolling_upgrade_in_progress: 'true' } })).toBe(true);
    expect(isRollingUpgradeInProgress({ other_config: {} })).toBe(false);
  });
});
