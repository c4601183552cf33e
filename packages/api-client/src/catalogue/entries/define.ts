import type { Entry, ValueOption, ValueType } from '../types.ts';

/** Small constructors that keep the entry files readable; everything they return is plain data. */

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EntryDraft = DistributiveOmit<Entry, 'id'>;

/** `<cls>.<field>:<key>`, `<cls>.<field>:<pattern>`, `<cls>.<field>:<k1>.<k2>…` or `<cls>.<field>`. */
export function entryId(e: Pick<Entry, 'cls' | 'field' | 'key' | 'keyPattern' | 'keys'>): string {
  const key = e.key ?? e.keyPattern ?? e.keys?.join('.');
  return key === undefined ? `${e.cls}.${e.field}` : `${e.cls}.${e.field}:${key}`;
}

export const define = (draft: EntryDraft): Entry => ({ id: entryId(draft), ...draft }) as Entry;

type Flag = Extract<ValueType, { kind: 'boolean' }>;

/** XenCenter's `BoolKey`: exactly "true" is true. */
export const exactTrue = (whenFalse: Flag['whenFalse'], whenTrueLabel: string, whenFalseLabel: string): Flag => ({
  kind: 'boolean',
  convention: 'exact-true',
  whenFalse,
  labels: { true: whenTrueLabel, false: whenFalseLabel },
});

/** XenCenter's `BoolKeyPreferTrue`: anything but "false" is true. */
export const preferTrue = (whenTrueLabel: string, whenFalseLabel: string): Flag => ({
  kind: 'boolean',
  convention: 'prefer-true',
  whenFalse: 'write-false',
  labels: { true: whenTrueLabel, false: whenFalseLabel },
});

/** Any value means on; on is written as "true", off removes the key. */
export const presence = (whenTrueLabel: string, whenFalseLabel: string): Flag => ({
  kind: 'boolean',
  convention: 'presence',
  whenFalse: 'remove',
  labels: { true: whenTrueLabel, false: whenFalseLabel },
});

/** nm.ml / vif-real switches: on|true, off|false; written as "true"/"false". */
export const onOff: Flag = {
  kind: 'boolean',
  convention: 'on-off',
  whenFalse: 'write-false',
  labels: { true: 'On', false: 'Off' },
};

export const text = (extra: Omit<Extract<ValueType, { kind: 'text' }>, 'kind'> = {}): ValueType => ({
  kind: 'text',
  ...extra,
});

export const options = (pairs: Readonly<Record<string, string>>): ValueOption[] =>
  Object.entries(pairs).map(([value, label]) => ({ value, label }));

export const HIDE_FROM_XENCENTER = {
  field: 'other_config',
  key: 'HideFromXenCenter',
  type: exactTrue('remove', 'Hidden', 'Shown'),
  label: 'Hidden from XenCenter',
  group: 'Visibility',
  effect: 'now',
  absentMeans: 'Shown',
} as const;

export const hideHelp = (what: string): string =>
  `Hides the ${what} from XenCenter's tree, search and pickers (View → Hidden Objects shows it again); only the exact ` +
  'string "true" hides. Written as "true"; unhiding removes the key.';
