import type { IsoLibrary } from '../../shared/contracts.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** A disc's size as the picker shows it (GiB with a decimal, else whole MiB; nothing when unknown). */
export const sizeText = (bytes: number): string =>
  bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : bytes > 0 ? `${Math.max(1, Math.round(bytes / MiB))} MiB` : '';

/** The libraries with only the ISOs whose name holds `query` (any case); libraries left empty are dropped. */
export function matchingIsos(libraries: readonly IsoLibrary[], query: string): IsoLibrary[] {
  const needle = query.trim().toLowerCase();
  if (!needle) return libraries.filter((library) => library.isos.length > 0);
  return libraries
    .map((library) => ({ ...library, isos: library.isos.filter((iso) => iso.name.toLowerCase().includes(needle)) }))
    .filter((library) => library.isos.length > 0);
}
