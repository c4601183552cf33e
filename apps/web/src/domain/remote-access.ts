import type { GuestMetricsRec } from '../api/wire.ts';
import { guestAddresses } from './search.ts';
import { rdpTarget, type RdpTarget } from '../shared/contracts.ts';

/**
 * Guest-side consoles (XenCenter §1.5): Remote Desktop for Windows guests whose tools report it enabled, and the
 * guest's own VNC server for Linux guests. Pure.
 */

export function isWindowsGuest(gm: GuestMetricsRec | undefined): boolean {
  const name = gm?.os_version.name ?? '';
  return /microsoft|windows/i.test(name);
}

/** Whether an .rdp file is offered, for which address, or why not: the gateway's own rule for writing the file. */
export function rdpOffer(gm: GuestMetricsRec | undefined): RdpTarget {
  return rdpTarget(gm ?? { other: {}, networks: {} });
}

export function guestIps(gm: GuestMetricsRec | undefined): string[] {
  return gm ? guestAddresses(gm.networks) : [];
}
