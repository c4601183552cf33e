import { NULL_REF, type XapiRecord, type XapiRef, type XapiSession } from '@xwc/api-client';
import type { DvdDisc, DvdDrive, DvdDrivesView, IsoLibrary } from '@xwc/contracts';

/**
 * What the DVD drive beside the console reads, with the user's own session: the VM's CD drives, and the ISO libraries
 * (SRs of content type `iso`) its host can reach, as XenCenter's drop-down lists them.
 */

const byName = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;

const disc = (vdi: XapiRecord<'VDI'>): DvdDisc => ({ uuid: vdi.uuid, name: vdi.name_label, size: vdi.virtual_size });

export async function cdDrives(xapi: XapiSession, vmRef: XapiRef): Promise<DvdDrivesView> {
  const vm = await xapi.getRecord('VM', vmRef);
  const vbds = await Promise.all(vm.VBDs.map((ref) => xapi.getRecord('VBD', ref)));
  const drives = vbds
    .filter((vbd) => vbd.type === 'CD')
    .sort((a, b) => byName(a.userdevice, b.userdevice))
    .map(async (vbd): Promise<DvdDrive> => {
      if (vbd.empty || vbd.VDI === NULL_REF) return { uuid: vbd.uuid, userdevice: vbd.userdevice, disc: null };
      const vdi = await xapi.getRecord('VDI', vbd.VDI);
      const sr = await xapi.getRecord('SR', vdi.SR);
      return { uuid: vbd.uuid, userdevice: vbd.userdevice, disc: { ...disc(vdi), library: sr.name_label } };
    });
  return {
    vm: { uuid: vm.uuid, name: vm.name_label, powerState: vm.power_state },
    drives: await Promise.all(drives),
  };
}

/** An SR whose discs may go in a DVD drive: content type `iso`, and not hidden from XenCenter. */
export const isIsoLibrary = (sr: Pick<XapiRecord<'SR'>, 'content_type' | 'other_config'>): boolean =>
  sr.content_type === 'iso' && sr.other_config.HideFromXenCenter !== 'true';

/**
 * The ISO libraries a VM's host reaches, by name, each with its ISOs by name: shared ones always, a host's own (its
 * physical DVD drive) only for the host the VM runs on, or has affinity to when halted.
 */
export async function isoLibraries(xapi: XapiSession, vmRef: XapiRef): Promise<IsoLibrary[]> {
  const vm = await xapi.getRecord('VM', vmRef);
  const host = vm.power_state === 'Halted' ? vm.affinity : vm.resident_on;
  const [srs, pbds, vdis] = await Promise.all([
    xapi.getAllRecords('SR'),
    xapi.getAllRecords('PBD'),
    xapi.getAllRecords('VDI'),
  ]);
  const reached = (sr: XapiRecord<'SR'>): boolean =>
    sr.shared || sr.PBDs.some((pbd) => pbds.get(pbd)?.host === host && host !== NULL_REF);
  const libraries = new Map<XapiRef, IsoLibrary & { isos: DvdDisc[] }>();
  for (const [ref, sr] of srs) {
    if (!isIsoLibrary(sr) || !reached(sr)) continue;
    libraries.set(ref, { uuid: sr.uuid, name: sr.name_label, description: sr.name_description, isos: [] });
  }
  for (const vdi of vdis.values()) {
    if (vdi.missing || vdi.is_a_snapshot) continue;
    libraries.get(vdi.SR)?.isos.push(disc(vdi));
  }
  for (const library of libraries.values()) library.isos.sort((a, b) => byName(a.name, b.name));
  return [...libraries.values()].sort((a, b) => byName(a.name, b.name));
}

/** Whether a VDI is a disc of an ISO library (XAPI itself would put any disk in a CD drive). */
export async function isIso(xapi: XapiSession, vdiRef: XapiRef): Promise<XapiRecord<'VDI'> | undefined> {
  const vdi = await xapi.getRecord('VDI', vdiRef);
  return isIsoLibrary(await xapi.getRecord('SR', vdi.SR)) ? vdi : undefined;
}
