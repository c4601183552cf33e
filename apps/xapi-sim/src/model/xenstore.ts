/**
 * What a started guest sees of `VM.xenstore_data` under `/local/domain/<domid>/`: xenopsd writes only keys
 * under `vm-data/` and `FIST/` (`Domain.allowed_xsdata_prefixes`), at boot and on `VM.set_xenstore_data`.
 */
const ALLOWED_PREFIXES = ['vm-data', 'FIST'];

export function guestVisible(xenstoreData: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(xenstoreData)) {
    if (ALLOWED_PREFIXES.some((prefix) => key === prefix || key.startsWith(`${prefix}/`))) out[key] = value;
  }
  return out;
}

/** The guest-side xenstore trees of running domains, by VM ref. */
export class GuestXenstore {
  readonly #domains = new Map<string, Record<string, string>>();

  /** Writes the domain's tree from the VM record, replacing what was there (boot, live push). */
  write(vm: string, xenstoreData: Readonly<Record<string, string>>): void {
    this.#domains.set(vm, guestVisible(xenstoreData));
  }

  clear(vm: string): void {
    this.#domains.delete(vm);
  }

  /** The guest's view, or undefined when the VM has no domain. */
  read(vm: string): Readonly<Record<string, string>> | undefined {
    const tree = this.#domains.get(vm);
    return tree && { ...tree };
  }
}
