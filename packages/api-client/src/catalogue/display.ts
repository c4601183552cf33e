import type { Entry, ObjectHint, ValueOption, ParsedValue, ValueType, VersionValue } from './types.ts';

/** Turning parsed values into text for people, and describing value types for forms and docs. */

export interface DisplayOptions {
  /** "Now", for uptimes; defaults to the current time. */
  readonly now?: Date;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `2024-05-01 12:00:00 UTC`: the same on every machine, whatever its locale or time zone. */
export function formatUtc(date: Date): string {
  return (
    `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC`
  );
}

/** `3 days 4 hours`, `2 hours 5 minutes`, `40 seconds`: the two largest units. */
export function formatDuration(seconds: number): string {
  const units: [string, number][] = [
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
    ['second', 1],
  ];
  let rest = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const [name, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (parts.length === 0 && size === 1)) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
    if (parts.length === 2 || (parts.length > 0 && n === 0)) break;
  }
  return parts.join(' ');
}

const labelOf = (options: readonly ValueOption[], value: string): string =>
  options.find((o) => o.value === value)?.label ?? value;

/** A parsed value as text; undefined (absent, no default) shows what absence means. */
export function formatForDisplay(entry: Entry, parsed: ParsedValue | undefined, options: DisplayOptions = {}): string {
  if (parsed === undefined) return entry.absentMeans;
  const type = entry.type;
  switch (type.kind) {
    case 'boolean':
      return parsed ? type.labels.true : type.labels.false;
    case 'enum':
      return labelOf(type.options, String(parsed));
    case 'int':
      return type.unit ? `${String(parsed)} ${type.unit}` : String(parsed);
    case 'boot-order':
      return (parsed as readonly string[])
        .map((letter) => `${letter.toUpperCase()} (${labelOf(bootOptions(type), letter)})`)
        .join(', ');
    case 'comma-list': {
      const items = parsed as readonly string[];
      return items.length === 0 ? 'None' : items.map((item) => labelOf(type.items, item)).join(', ');
    }
    case 'datetime': {
      const date = parsed as Date;
      if (!type.showUptime) return formatUtc(date);
      const now = options.now ?? new Date();
      return `${formatUtc(date)} (up ${formatDuration((now.getTime() - date.getTime()) / 1000)})`;
    }
    case 'hostname-or-ip':
      return parsed === '' ? entry.absentMeans : String(parsed);
    case 'uuid-or-ref': {
      const hint = parsed as ObjectHint;
      return hint.form === 'uuid' ? hint.id : `${hint.id} (opaque reference)`;
    }
    case 'version':
      return (parsed as VersionValue).text;
    case 'text':
      return String(parsed);
  }
}

function bootOptions(type: Extract<ValueType, { kind: 'boot-order' }>): ValueOption[] {
  return type.devices.map((d) => ({ value: d.letter, label: d.label }));
}

/** The choices a form offers for an entry (empty for free-form kinds). */
export function optionsFor(entry: Entry): readonly ValueOption[] {
  const type = entry.type;
  switch (type.kind) {
    case 'boolean':
      return [
        { value: 'true', label: type.labels.true },
        { value: 'false', label: type.labels.false },
      ];
    case 'enum':
      return type.options;
    case 'comma-list':
      return type.items;
    case 'boot-order':
      return bootOptions(type);
    default:
      return [];
  }
}

const BOOLEAN_RULES = {
  'exact-true': 'boolean: only exactly "true" is true',
  'prefer-true': 'boolean: anything but "false" is true',
  presence: 'boolean: any value means on',
  'on-off': 'on | true | off | false',
} as const;

/** A short description of a value type, for docs and form hints. */
export function describeType(type: ValueType): string {
  const values = (options: readonly ValueOption[]) => options.map((o) => `\`${o.value}\``).join(', ');
  switch (type.kind) {
    case 'boolean':
      return BOOLEAN_RULES[type.convention];
    case 'enum':
      return `one of ${values(type.options)}${type.orUrl ? ' or a URL' : ''}${type.unit ? ` (${type.unit})` : ''}`;
    case 'int':
      return `whole number ${type.min}–${type.max}${type.unit ? ` ${type.unit}` : ''}${type.widenToCurrent ? ' (widened to the current value)' : ''}`;
    case 'boot-order':
      return `boot order: letters ${type.devices.map((d) => d.letter.toUpperCase()).join(', ')}, no repeats`;
    case 'comma-list':
      return `comma list of ${values(type.items)}`;
    case 'datetime':
      return type.format === 'iso8601' ? 'UTC ISO 8601 time' : 'Unix time (seconds, float)';
    case 'hostname-or-ip':
      return 'host name or IP address';
    case 'uuid-or-ref':
      return `${type.of} UUID (opaque ref read too)`;
    case 'version':
      return `version ${type.parts.join('.')}`;
    case 'text':
      return type.pattern ? `text: ${type.pattern.hint}` : 'text';
  }
}
