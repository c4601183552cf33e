/**
 * The DVD drive beside the console (docs/api.md, "DVD drives"): what the gateway answers about a VM's CD drives and the
 * pool's ISO libraries, and the `error` codes of a refused insert or eject, shared by the gateway and the web app.
 */

/** One disc: an ISO (or a host's physical DVD drive) in an SR of content type `iso`. */
export interface DvdDisc {
  readonly uuid: string;
  readonly name: string;
  /** Bytes. */
  readonly size: number;
}

/** A VM's CD drive (a VBD of type CD). */
export interface DvdDrive {
  readonly uuid: string;
  /** XAPI's `userdevice`: the drive's position on the VM's bus ("3" for XenCenter's drive). */
  readonly userdevice: string;
  /** What the drive holds, with its library's name; null when empty. */
  readonly disc: (DvdDisc & { readonly library: string }) | null;
}

/** `GET /api/objects/vm/:uuid/cd-drives`. */
export interface DvdDrivesView {
  readonly vm: { readonly uuid: string; readonly name: string; readonly powerState: string };
  readonly drives: readonly DvdDrive[];
}

/** An ISO library (an SR of content type `iso`) reachable from the VM's host, with its discs by name. */
export interface IsoLibrary {
  readonly uuid: string;
  readonly name: string;
  readonly description: string;
  readonly isos: readonly DvdDisc[];
}

/** `GET /api/objects/vm/:uuid/isos`. */
export interface IsoLibrariesView {
  readonly libraries: readonly IsoLibrary[];
}

/** `POST /api/objects/vbd/:uuid/insert`'s body; eject takes none. */
export interface DvdInsertBody {
  readonly vdi: string;
}

/** The `error` codes of a refused insert or eject (besides the API's usual ones: 403 for a role, 404, 409 busy…). */
export const DVD_ERRORS = {
  /** The disc chosen is not on an ISO library (a VM's disk, say). */
  notIso: 'NOT_AN_ISO',
  /** The VBD is a disk, not a CD drive (XAPI's VBD_NOT_REMOVABLE_MEDIA). */
  notDrive: 'NOT_A_DVD_DRIVE',
  /** A disc is in already: eject it first (VBD_NOT_EMPTY). */
  full: 'DRIVE_NOT_EMPTY',
  /** Nothing to eject (VBD_IS_EMPTY). */
  empty: 'DRIVE_EMPTY',
  /** Another insert or eject of this drive is under way (OTHER_OPERATION_IN_PROGRESS). */
  busy: 'DRIVE_BUSY',
  /** A suspended VM's drive cannot change (VM_BAD_POWER_STATE). */
  suspended: 'VM_SUSPENDED',
  /** The pool no longer manages that ISO (VDI_NOT_MANAGED): its library needs a rescan. */
  unmanaged: 'ISO_UNAVAILABLE',
} as const;
