import { describe, expect, it } from 'vitest';
import type { NewEntry } from '../src/details/drafts.ts';
import { checkObject, roleLock, stateLock } from '../src/details/extension-form.ts';
import { findEntry } from '../src/shared/catalogue.ts';

/** One object's part of a page's drafts: new rows quiet until checked, yet never saved while wrong. */

const vm = { other_config: {}, xenstore_data: { 'vm-data/site': 'par1' }, VCPUs_params: {}, is_a_template: false };
const row = (key: string, checked: boolean, value = 'x'): NewEntry => ({
  id: 1,
  field: 'xenstore_data',
  key,
  value,
  checked,
});

describe('checkObject', () => {
  it('hides a new row’s problem until it is checked, but counts it against saving', () => {
    const quiet = checkObject('VM', vm, 'pool-admin', new Map(), [row('', false)]);
    expect(quiet).toMatchObject({ shownProblems: 0, problems: 1, patch: {} });
    expect(quiet.added[0]!.result).toEqual({ ok: false, message: 'Enter a key.' });
    const checked = checkObject('VM', vm, 'pool-admin', new Map(), [row('foo/bar', true)]);
    expect(checked).toMatchObject({ shownProblems: 1, problems: 1, patch: {} });
  });

  it('puts valid new rows and changed keys in one patch', () => {
    const check = checkObject('VM', vm, 'pool-admin', new Map([['xenstore_data:vm-data/site', 'lon1']]), [
      row('vm-data/role', false, 'web'),
    ]);
    expect(check.patch).toEqual({ 'xenstore_data:vm-data/site': 'lon1', 'xenstore_data:vm-data/role': 'web' });
    expect(check.problems).toBe(0);
  });
});

describe('locks', () => {
  it('says once what a role lacks, apart from what the object’s state forbids', () => {
    const entry = findEntry('VM', 'other_config:auto_poweron')!;
    expect(roleLock(entry, 'vm-operator')).toBe(
      'Changing these needs the VM Admin role or higher; you are VM Operator.',
    );
    expect(roleLock(entry, 'pool-admin')).toBeUndefined();
    expect(stateLock(entry, vm)).toBeUndefined();
  });
});
