/**
 * Performance statistics (`GET /api/stats/{vm|host}/:uuid`, docs/api.md), shared by the gateway that builds the
 * replies from the pool's RRDs and the web app that draws them.
 */

/** One of the four archives xapi keeps for every RRD: its step and how far back it reaches (both in seconds). */
export interface RrdArchive {
  readonly step: number;
  readonly rows: number;
}

/** xapi's archives, finest first: 5 s for 10 minutes, 1 min for 2 hours, 1 h for a week, 1 day for a year. */
export const RRD_ARCHIVES: readonly RrdArchive[] = [
  { step: 5, rows: 120 },
  { step: 60, rows: 120 },
  { step: 3600, rows: 168 },
  { step: 86400, rows: 366 },
];

/** How far back an archive reaches, in seconds. */
export const archiveSpan = (archive: RrdArchive): number => archive.step * archive.rows;

/** The ranges the UI offers, one per archive. */
export const STATS_RANGES = {
  '10m': RRD_ARCHIVES[0]!,
  '2h': RRD_ARCHIVES[1]!,
  '1w': RRD_ARCHIVES[2]!,
  '1y': RRD_ARCHIVES[3]!,
} as const;
export type StatsRange = keyof typeof STATS_RANGES;

export const isStatsRange = (text: string): text is StatsRange => Object.hasOwn(STATS_RANGES, text);

/** What a series measures, after the gateway has scaled it: KiB sources arrive as bytes. */
export type StatsUnit = 'fraction' | 'bytes' | 'bytes/s' | 'count';
export type StatsGroup = 'cpu' | 'memory' | 'network' | 'disk' | 'load' | 'other';

export interface StatsSeries {
  /** xapi's data-source name (`cpu0`, `vif_0_rx`, `memory_free_kib`, …). */
  readonly id: string;
  readonly group: StatsGroup;
  readonly unit: StatsUnit;
  /** A short caption: `vCPU 0`, `Received`, `Free`. */
  readonly label: string;
  /** The interface or disk the series belongs to (`0`, `eth0`, `xvda`), for the network and disk charts. */
  readonly device?: string;
  /** One value per timestamp; null where the pool has none (its `NaN`). */
  readonly values: readonly (number | null)[];
}

export interface StatsReply {
  readonly class: 'vm' | 'host';
  readonly uuid: string;
  /** The VM's power state when the reply was made (hosts: always Running). */
  readonly powerState: string;
  /** False when the data is a halted VM's last recorded statistics (no new rows will come). */
  readonly live: boolean;
  /** Seconds between rows. */
  readonly step: number;
  /** Unix seconds, oldest first; each series has one value per entry. */
  readonly t: readonly number[];
  readonly series: readonly StatsSeries[];
}

/** The errors the statistics routes add to the API's (docs/api.md). */
export const STATS_ERRORS = {
  /** The host that keeps the statistics did not answer, or could not be reached, within `STATS_TIMEOUT`. */
  unavailable: 'STATS_UNAVAILABLE',
  /** The host's reply was larger than `STATS_MAX_REPLY_KIB`. */
  tooLarge: 'STATS_TOO_LARGE',
  /** The host answered with something that is not statistics. */
  badReply: 'STATS_BAD_REPLY',
  /** The object has no statistics: a template, a snapshot, or a VM that never ran. */
  none: 'NO_STATS',
} as const;

interface SourceKind {
  readonly pattern: RegExp;
  readonly group: StatsGroup;
  readonly unit: StatsUnit;
  /** Multiplier into `unit` (KiB → bytes). */
  readonly scale?: number;
  readonly label: (match: RegExpExecArray) => string;
  readonly device?: (match: RegExpExecArray) => string;
}

const DIRECTION: Record<string, string> = { rx: 'Received', tx: 'Sent', read: 'Read', write: 'Written' };

/** xapi's data-source names (xapi-rrd.md), most specific first. */
const SOURCES: readonly SourceKind[] = [
  { pattern: /^cpu(\d+)$/, group: 'cpu', unit: 'fraction', label: (m) => `CPU ${m[1]}` },
  { pattern: /^cpu_avg$/, group: 'cpu', unit: 'fraction', label: () => 'Average' },
  { pattern: /^memory$/, group: 'memory', unit: 'bytes', label: () => 'Allocated' },
  { pattern: /^memory_target$/, group: 'memory', unit: 'bytes', label: () => 'Target' },
  { pattern: /^memory_internal_free$/, group: 'memory', unit: 'bytes', scale: 1024, label: () => 'Free in the guest' },
  { pattern: /^memory_total_kib$/, group: 'memory', unit: 'bytes', scale: 1024, label: () => 'Total' },
  { pattern: /^memory_free_kib$/, group: 'memory', unit: 'bytes', scale: 1024, label: () => 'Free' },
  { pattern: /^xapi_memory_usage_kib$/, group: 'memory', unit: 'bytes', scale: 1024, label: () => 'Used by xapi' },
  {
    pattern: /^(vif|pif)_([A-Za-z0-9.]{1,32})_(rx|tx)$/,
    group: 'network',
    unit: 'bytes/s',
    label: (m) => DIRECTION[m[3]!]!,
    device: (m) => m[2]!,
  },
  {
    pattern: /^vbd_([A-Za-z0-9]{1,32})_(read|write)$/,
    group: 'disk',
    unit: 'bytes/s',
    label: (m) => DIRECTION[m[2]!]!,
    device: (m) => m[1]!,
  },
  { pattern: /^loadavg$/, group: 'load', unit: 'count', label: () => 'Load average' },
];

export interface SourceDescription {
  readonly group: StatsGroup;
  readonly unit: StatsUnit;
  readonly scale: number;
  readonly label: string;
  readonly device?: string;
}

/** What a data source measures; names the product does not know are kept, as `other`, unscaled. */
export function describeSource(name: string): SourceDescription {
  for (const kind of SOURCES) {
    const match = kind.pattern.exec(name);
    if (!match) continue;
    return {
      group: kind.group,
      unit: kind.unit,
      scale: kind.scale ?? 1,
      label: kind.label(match),
      ...(kind.device ? { device: kind.device(match) } : {}),
    };
  }
  return { group: 'other', unit: 'count', scale: 1, label: name };
}
