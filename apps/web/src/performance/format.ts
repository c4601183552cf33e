import type { StatsUnit } from '../shared/contracts.ts';

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

function binary(value: number): string {
  let scaled = value;
  let unit = 0;
  while (Math.abs(scaled) >= 1024 && unit < BINARY.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${scaled.toFixed(unit === 0 ? 0 : 1)} ${BINARY[unit]}`;
}

/** A value with its unit for read-outs and axes: `37.5 %`, `1.2 GiB`, `3.4 MiB/s`; a gap reads `—`. */
export function formatValue(value: number | null | undefined, unit: StatsUnit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  switch (unit) {
    case 'fraction':
      return `${(value * 100).toFixed(1)} %`;
    case 'bytes':
      return binary(value);
    case 'bytes/s':
      return `${binary(value)}/s`;
    case 'count':
      return value.toFixed(2);
  }
}
