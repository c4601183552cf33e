import { findEntry } from './lookup.ts';
import { readExtension } from './read.ts';
import type { ExtensionRecord } from './types.ts';

/** Flags the UI needs to show the pool as XenCenter does, read through the catalogue's own entries. */

function flag(cls: string, patchKey: string, record: ExtensionRecord): boolean {
  const entry = findEntry(cls, patchKey);
  if (!entry) throw new Error(`the catalogue has no ${cls} ${patchKey}`);
  return readExtension(entry, record).value === true;
}

/** Hidden only for exactly "true" (the same rule for VMs, networks, PIFs and SRs). */
export function isHiddenFromXenCenter(record: ExtensionRecord): boolean {
  return flag('VM', 'other_config:HideFromXenCenter', record);
}

/** A template shipped with XenServer: the default_template key (any value) or XAPI's is_default_template field. */
export function isDefaultTemplate(vm: ExtensionRecord): boolean {
  return vm.is_default_template === true || flag('VM', 'other_config:default_template', vm);
}

/** Templates for XAPI's own use, which clients never show. */
export function isInternalTemplate(vm: ExtensionRecord): boolean {
  return flag('VM', 'other_config:xensource_internal', vm);
}

/** Whether new VMs get a NIC on this network: true unless other_config:automatic is exactly "false". */
export function networkIsAutomatic(network: ExtensionRecord): boolean {
  return flag('network', 'other_config:automatic', network);
}

/** Whether the pool is part-way through a rolling upgrade (the UI shows a banner). */
export function isRollingUpgradeInProgress(pool: ExtensionRecord): boolean {
  return flag('pool', 'other_config:rolling_upgrade_in_progress', pool);
}
