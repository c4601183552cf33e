import { useId, type ReactNode } from 'react';
import type { Entry } from '../shared/catalogue.ts';
import { Glyph } from '../ui/Icon.tsx';
import { sliderFromWeight, weightFromSlider } from './extension-form.ts';

/**
 * The controls of the extension form, one per value kind. Each is controlled: it shows `value` (the text to store,
 * as the catalogue parses it) and reports the new text; validation happens in the form.
 */

export interface ControlProps {
  readonly id: string;
  readonly entry: Entry;
  readonly value: string;
  readonly disabled: boolean;
  readonly invalid: boolean;
  readonly describedBy: string;
  onChange(value: string): void;
}

type BooleanType = Extract<Entry['type'], { kind: 'boolean' }>;

export function BooleanControl({ id, entry, value, disabled, describedBy, onChange }: ControlProps) {
  const type = entry.type as BooleanType;
  if (type.convention === 'on-off') {
    return (
      <select
        id={id}
        value={value}
        disabled={disabled}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">{entry.absentMeans} (not set)</option>
        <option value="true">{type.labels.true}</option>
        <option value="false">{type.labels.false}</option>
      </select>
    );
  }
  const checked = value === 'true';
  return (
    <label className="switch">
      <input
        id={id}
        type="checkbox"
        role="switch"
        checked={checked}
        disabled={disabled}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.checked ? 'true' : 'false')}
      />
      <span className="switch-track" aria-hidden="true" />
      <span className="switch-text">{checked ? type.labels.true : type.labels.false}</span>
    </label>
  );
}

export function EnumControl({ id, entry, value, disabled, invalid, describedBy, onChange }: ControlProps) {
  const type = entry.type as Extract<Entry['type'], { kind: 'enum' }>;
  const known = type.options.some((o) => o.value === value);
  if (type.orUrl) {
    const listId = `${id}-options`;
    return (
      <>
        <input
          id={id}
          list={listId}
          value={value}
          disabled={disabled}
          aria-invalid={invalid}
          aria-describedby={describedBy}
          placeholder={`${type.options.map((o) => o.value).join(', ')} or a URL`}
          onChange={(e) => onChange(e.target.value)}
          spellCheck={false}
        />
        <datalist id={listId}>
          {type.options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </datalist>
      </>
    );
  }
  return (
    <select
      id={id}
      value={value}
      disabled={disabled}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">{entry.absentMeans} (not set)</option>
      {type.options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
      {!known && value !== '' ? <option value={value}>{value} (not a documented value)</option> : null}
    </select>
  );
}

export function IntControl({ id, entry, value, disabled, invalid, describedBy, onChange }: ControlProps) {
  const type = entry.type as Extract<Entry['type'], { kind: 'int' }>;
  return (
    <span className="with-unit">
      <input
        id={id}
        // Text, not type=number: the browser must not auto-correct what the user typed (XenCenter CA-192746).
        inputMode="numeric"
        value={value}
        disabled={disabled}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        placeholder={entry.defaultWhenAbsent ?? ''}
        onChange={(e) => onChange(e.target.value)}
        className="number-input"
        spellCheck={false}
      />
      {type.unit ? <span className="unit">{type.unit}</span> : null}
    </span>
  );
}

export function TextControl({ id, entry, value, disabled, invalid, describedBy, onChange }: ControlProps) {
  const placeholder = entry.type.kind === 'hostname-or-ip' ? 'host name or IP address; empty for local' : '';
  return (
    <input
      id={id}
      value={value}
      disabled={disabled}
      aria-invalid={invalid}
      aria-describedby={describedBy}
      placeholder={placeholder}
      onChange={(e) => onChange(e.target.value)}
      spellCheck={false}
    />
  );
}

export function CommaListControl({ id, entry, value, disabled, describedBy, onChange }: ControlProps) {
  const type = entry.type as Extract<Entry['type'], { kind: 'comma-list' }>;
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const toggle = (item: string, on: boolean) => {
    const next = on ? [...items, item] : items.filter((i) => i !== item);
    // Keep the catalogue's order so the stored text is stable.
    const ordered = type.items.map((o) => o.value).filter((v) => next.includes(v));
    onChange([...ordered, ...next.filter((v) => !ordered.includes(v))].join(','));
  };
  return (
    <fieldset id={id} className="check-group" aria-describedby={describedBy} disabled={disabled}>
      <legend className="visually-hidden">{entry.label}</legend>
      {type.items.map((o) => (
        <label key={o.value}>
          <input
            type="checkbox"
            checked={items.includes(o.value)}
            onChange={(e) => toggle(o.value, e.target.checked)}
          />{' '}
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}

/** The HVM boot order: an ordered list of devices, each on or off, moved with buttons (keyboard friendly). */
export function BootOrderControl({ id, entry, value, disabled, describedBy, onChange }: ControlProps) {
  const type = entry.type as Extract<Entry['type'], { kind: 'boot-order' }>;
  const enabled = value.toLowerCase().split('');
  const order = [...enabled, ...type.devices.map((d) => d.letter).filter((l) => !enabled.includes(l))];
  const emit = (list: string[], on: ReadonlySet<string>) => onChange(list.filter((l) => on.has(l)).join(''));
  const move = (index: number, delta: number) => {
    const list = [...order];
    const [item] = list.splice(index, 1);
    list.splice(index + delta, 0, item!);
    emit(list, new Set(enabled));
  };
  return (
    <ol id={id} className="boot-order" aria-describedby={describedBy}>
      {order.map((letter, index) => {
        const device = type.devices.find((d) => d.letter === letter);
        const on = enabled.includes(letter);
        return (
          <li key={letter} className={on ? '' : 'off'}>
            <label>
              <input
                type="checkbox"
                checked={on}
                disabled={disabled}
                onChange={(e) => {
                  const set = new Set(enabled);
                  if (e.target.checked) set.add(letter);
                  else set.delete(letter);
                  emit(order, set);
                }}
              />{' '}
              <span className="boot-letter">{letter.toUpperCase()}</span> {device?.label ?? letter}
            </label>
            <span className="boot-moves">
              <button
                type="button"
                className="icon-button"
                aria-label={`Move ${device?.label ?? letter} up`}
                disabled={disabled || index === 0}
                onClick={() => move(index, -1)}
              >
                <Glyph name="up" />
              </button>
              <button
                type="button"
                className="icon-button"
                aria-label={`Move ${device?.label ?? letter} down`}
                disabled={disabled || index === order.length - 1}
                onClick={() => move(index, 1)}
              >
                <Glyph name="down" />
              </button>
            </span>
          </li>
        );
      })}
    </ol>
  );
}

/** VCPU weight: XenCenter's 0..8 slider (weight 4^position, 256 normal) with the exact number beside it. */
export function WeightControl({ id, entry, value, disabled, invalid, describedBy, onChange }: ControlProps) {
  const labelId = useId();
  const numeric = value === '' ? Number(entry.defaultWhenAbsent ?? 256) : Number(value);
  const position = sliderFromWeight(numeric);
  const names = ['Lowest', '', '', '', 'Normal', '', '', '', 'Highest'];
  return (
    <span className="weight-control">
      <input
        type="range"
        min={0}
        max={8}
        step={1}
        value={position}
        disabled={disabled}
        aria-labelledby={labelId}
        aria-valuetext={`Weight ${weightFromSlider(position)}${names[position] ? ` (${names[position]})` : ''}`}
        onChange={(e) => onChange(String(weightFromSlider(Number(e.target.value))))}
      />
      <span id={labelId} className="visually-hidden">
        {entry.label} slider
      </span>
      <input
        id={id}
        inputMode="numeric"
        className="number-input"
        value={value}
        placeholder={entry.defaultWhenAbsent ?? ''}
        disabled={disabled}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value)}
      />
    </span>
  );
}

/** The control for an entry, or undefined for kinds that are only ever displayed. */
export function renderControl(props: ControlProps): ReactNode | undefined {
  const { entry } = props;
  if (entry.field === 'VCPUs_params' && entry.key === 'weight') return <WeightControl {...props} />;
  switch (entry.type.kind) {
    case 'boolean':
      return <BooleanControl {...props} />;
    case 'enum':
      return <EnumControl {...props} />;
    case 'int':
      return <IntControl {...props} />;
    case 'boot-order':
      return <BootOrderControl {...props} />;
    case 'comma-list':
      return <CommaListControl {...props} />;
    case 'text':
    case 'hostname-or-ip':
    case 'uuid-or-ref':
    case 'datetime':
      return <TextControl {...props} />;
    default:
      return undefined;
  }
}
