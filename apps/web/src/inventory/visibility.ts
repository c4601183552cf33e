import { mapField, textField, type AnyRec } from '../api/wire.ts';
import { isDefaultTemplate, isHiddenFromXenCenter, isInternalTemplate } from '../shared/catalogue.ts';

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

const vmFlags = new WeakMap<AnyRec, VmFlags>();

export function flagsOfVm(vm: AnyRec): VmFlags {
  let flags = vmFlags.get(vm);
  if (!flags) {
    flags = {
      hidden: isHiddenFromXenCenter(vm),
      never:
        isInternalTemplate(vm) || textField(vm, 'name_label').startsWith('__gui__') || vm.is_control_domain === true,
      defaultTemplate: vm.is_a_template === true && isDefaultTemplate(vm),
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
    hidden = isHiddenFromXenCenter(record) || mapField(record, 'other_config').is_guest_installer_network === 'true';
    hiddenFlags.set(record, hidden);
  }
  return hidden;
}
