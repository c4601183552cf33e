import { request } from '../../api/http.ts';
import type { DvdDrivesView, DvdInsertBody, IsoLibrariesView } from '../../shared/contracts.ts';

/** The gateway's DVD drive routes (docs/api.md, "DVD drives"). */

export const fetchCdDrives = (vm: string, signal?: AbortSignal): Promise<DvdDrivesView> =>
  request<DvdDrivesView>(`/api/objects/vm/${encodeURIComponent(vm)}/cd-drives`, signal ? { signal } : {});

export const fetchIsoLibraries = (vm: string, signal?: AbortSignal): Promise<IsoLibrariesView> =>
  request<IsoLibrariesView>(`/api/objects/vm/${encodeURIComponent(vm)}/isos`, signal ? { signal } : {});

export async function insertDisc(drive: string, iso: string): Promise<void> {
  const body: DvdInsertBody = { vdi: iso };
  await request(`/api/objects/vbd/${encodeURIComponent(drive)}/insert`, { method: 'POST', body });
}

export async function ejectDisc(drive: string): Promise<void> {
  await request(`/api/objects/vbd/${encodeURIComponent(drive)}/eject`, { method: 'POST', body: {} });
}
