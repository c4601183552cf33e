import type { GuestMetricsRec } from '../api/wire.ts';
import { guestAddresses } from '../inventory/search.ts';

/**
 * Guest-side consoles (XenCenter §1.5): Remote Desktop for Windows guests whose tools report it enabled, and the
 * guest's own VNC server for Linux guests. Pure.
 */

const on = (value: string | undefined): boolean => value !== undefined && value !== '' && value !== '0';

export function isWindowsGuest(gm: GuestMetricsRec | undefined): boolean {
  const name = gm?.os_version.name ?? '';
  return /microsoft|windows/i.test(name);
}

/** Remote Desktop is usable: feature-ts2 (data/ts is valid) and data-ts (RDP on) set, and the guest reports an address. */
export function rdpAvailable(gm: GuestMetricsRec | undefined): boolean {
  if (!gm) return false;
  return on(gm.other['feature-ts2']) && on(gm.other['data-ts']) && guestAddresses(gm.networks).length > 0;
}

export function guestIps(gm: GuestMetricsRec | undefined): string[] {
  return gm ? guestAddresses(gm.networks) : [];
}
