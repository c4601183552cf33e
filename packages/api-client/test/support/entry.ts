import { entryById, type Entry } from '../../src/catalogue/index.ts';

/** A catalogue entry by id; a test naming a missing entry fails at once rather than on `undefined`. */
export function entry(id: string): Entry {
  const found = entryById(id);
  if (!found) throw new Error(`no entry ${id}`);
  return found;
}
