import { mapOf } from './read.ts';
import type { ExtensionRecord } from './types.ts';

/**
 * Localised names of the SRs the installer creates (the spec's "Internationalization for SR names").
 * If other_config:i18n-key is set and a field still equals other_config:i18n-original-value-<field>, the field is
 * shown in the user's language; once someone renamed it, it is shown as stored.
 */

export const SR_LOCALES = ['en', 'de', 'fr', 'ja', 'zh-CN'] as const;
export type SrLocale = (typeof SR_LOCALES)[number];

interface SrTexts {
  readonly name: string;
  /** The name of a host's own (unshared) SR; `{host}` is the host's name. */
  readonly nameOnHost?: string;
  readonly description: string;
}

type I18nKey = 'local-hotplug-cd' | 'local-hotplug-disk' | 'local-storage' | 'xenserver-tools';

export const SR_TRANSLATIONS: Readonly<Record<SrLocale, Readonly<Record<I18nKey, SrTexts>>>> = {
  en: {
    'local-storage': {
      name: 'Local storage',
      nameOnHost: 'Local storage on {host}',
      description: "Space on the server's local disks",
    },
    'local-hotplug-cd': {
      name: 'DVD drives',
      nameOnHost: 'DVD drives on {host}',
      description: "The server's physical DVD drives",
    },
    'local-hotplug-disk': {
      name: 'Removable storage',
      nameOnHost: 'Removable storage on {host}',
      description: 'Removable disks plugged into the server',
    },
    'xenserver-tools': { name: 'XenServer Tools', description: 'ISO images of the XenServer VM Tools' },
  },
  de: {
    'local-storage': {
      name: 'Lokaler Speicher',
      nameOnHost: 'Lokaler Speicher auf {host}',
      description: 'Speicherplatz auf den lokalen Festplatten des Servers',
    },
    'local-hotplug-cd': {
      name: 'DVD-Laufwerke',
      nameOnHost: 'DVD-Laufwerke auf {host}',
      description: 'Die physischen DVD-Laufwerke des Servers',
    },
    'local-hotplug-disk': {
      name: 'Wechselspeicher',
      nameOnHost: 'Wechselspeicher auf {host}',
      description: 'An den Server angeschlossene Wechseldatenträger',
    },
    'xenserver-tools': { name: 'XenServer-Tools', description: 'ISO-Abbilder der XenServer VM Tools' },
  },
  fr: {
    'local-storage': {
      name: 'Stockage local',
      nameOnHost: 'Stockage local sur {host}',
      description: 'Espace sur les disques locaux du serveur',
    },
    'local-hotplug-cd': {
      name: 'Lecteurs DVD',
      nameOnHost: 'Lecteurs DVD sur {host}',
      description: 'Les lecteurs DVD physiques du serveur',
    },
    'local-hotplug-disk': {
      name: 'Stockage amovible',
      nameOnHost: 'Stockage amovible sur {host}',
      description: 'Disques amovibles branchés sur le serveur',
    },
    'xenserver-tools': { name: 'Outils XenServer', description: 'Images ISO des XenServer VM Tools' },
  },
  ja: {
    'local-storage': {
      name: 'ローカル ストレージ',
      nameOnHost: '{host} のローカル ストレージ',
      description: 'サーバーのローカル ディスク上の領域',
    },
    'local-hotplug-cd': {
      name: 'DVD ドライブ',
      nameOnHost: '{host} の DVD ドライブ',
      description: 'サーバーの物理 DVD ドライブ',
    },
    'local-hotplug-disk': {
      name: 'リムーバブル ストレージ',
      nameOnHost: '{host} のリムーバブル ストレージ',
      description: 'サーバーに接続されたリムーバブル ディスク',
    },
    'xenserver-tools': { name: 'XenServer ツール', description: 'XenServer VM Tools の ISO イメージ' },
  },
  'zh-CN': {
    'local-storage': {
      name: '本地存储',
      nameOnHost: '{host} 上的本地存储',
      description: '服务器本地磁盘上的空间',
    },
    'local-hotplug-cd': {
      name: 'DVD 驱动器',
      nameOnHost: '{host} 上的 DVD 驱动器',
      description: '服务器的物理 DVD 驱动器',
    },
    'local-hotplug-disk': {
      name: '可移动存储',
      nameOnHost: '{host} 上的可移动存储',
      description: '连接到服务器的可移动磁盘',
    },
    'xenserver-tools': { name: 'XenServer 工具', description: 'XenServer VM Tools 的 ISO 映像' },
  },
};

/** The supported locale closest to a BCP 47 tag (`de-AT` → `de`, `zh-Hans` → `zh-CN`); English otherwise. */
export function srLocale(tag: string): SrLocale {
  const lower = tag.toLowerCase().replaceAll('_', '-');
  if (lower === 'zh' || lower.startsWith('zh-cn') || lower.startsWith('zh-hans') || lower.startsWith('zh-sg')) {
    return 'zh-CN';
  }
  const language = lower.split('-')[0];
  return SR_LOCALES.find((l) => l === language) ?? 'en';
}

function translated(
  record: ExtensionRecord,
  field: 'name_label' | 'name_description',
  locale: string,
  hostName: string | undefined,
): string {
  const stored = typeof record[field] === 'string' ? (record[field] as string) : '';
  const other = mapOf(record, 'other_config');
  const key = other['i18n-key']?.toLowerCase();
  const original = other[`i18n-original-value-${field}`];
  if (key === undefined || original === undefined || stored !== original) return stored;
  const table: Readonly<Record<string, SrTexts>> = SR_TRANSLATIONS[srLocale(locale)];
  const texts = Object.hasOwn(table, key) ? table[key] : undefined;
  if (!texts) return stored;
  if (field === 'name_description') return texts.description;
  return hostName !== undefined && record.shared !== true && texts.nameOnHost
    ? texts.nameOnHost.replace('{host}', hostName)
    : texts.name;
}

/** The SR's name as a user should see it; `hostName` names the host of an unshared SR. */
export function srDisplayName(record: ExtensionRecord, locale: string, hostName?: string): string {
  return translated(record, 'name_label', locale, hostName);
}

export function srDisplayDescription(record: ExtensionRecord, locale: string): string {
  return translated(record, 'name_description', locale, undefined);
}
