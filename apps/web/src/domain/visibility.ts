import { mapField, textField, type AnyRec } from '../api/wire.ts';
import { findEntry, readExtension, type Entry } from '../shared/catalogue.ts';

/**
 * XenCenter's `Show()` rules, read through the catalogue and memoised per record (records are immutable, so a record
 * object's flags never change).
 */

export interface VmFlags {
  /** HideFromXenCenter is exactly "true": shown only with View → Show hidden objects. */
  readonly hidden: boolean;
  /** Never shown: xensource_internal templates, `__gui__` temporaries, control domains. */
  readonly never: boolean;
  readonly defaultTemplate: boolean;
}

/** The catalogue entries behind the flags, looked up once (finding an entry is a scan; reading one is cheap). */
function entry(cls: string, key: string): Entry {
  const found = findEntry(cls, key);
  if (!found) throw new Error(`the catalogue has no ${cls} ${key}`);
  return found;
}
const HIDE = entry('VM', 'other_config:HideFromXenCenter');
const DEFAULT_TEMPLATE = entry('VM', 'other_config:default_template');
const INTERNAL = entry('VM', 'other_config:xensource_internal');
const flag = (e: Entry, record: AnyRec): boolean =>
  // Absent (and without aliases) reads as false for every flag here: skip the catalogue's read then.
  (e.aliases !== undefined || Object.hasOwn(mapField(record, e.field), e.key!)) &&
  readExtension(e, record).value === true;

const vmFlags = new WeakMap<AnyRec, VmFlags>();

export function flagsOfVm(vm: AnyRec): VmFlags {
  let flags = vmFlags.get(vm);
  if (!flags) {
    flags = {
      hidden: flag(HIDE, vm),
      never: flag(INTERNAL, vm) || textField(vm, 'name_label').startsWith('__gui__') || vm.is_control_domain === true,
      defaultTemplate: vm.is_a_template === true && (vm.is_default_template === true || flag(DEFAULT_TEMPLATE, vm)),
    };
    vmFlags.set(vm, flags);
  }
  return flags;
}

const hiddenFlags = new WeakMap<AnyRec, boolean>();

/** Networks, PIFs, SRs and VDIs: hidden for HideFromXenCenter "true"; the host-internal management network too. */
export function isHidden(record: AnyRec): boolean {
  let hidden = hiddenFlags.get(record);
  if (hidden === undefined) {
    hidden = flag(HIDE, record) || mapField(record, 'other_config').is_guest_installer_network === 'true';
    hiddenFlags.set(record, hidden);
  }
  return hidden;
}
