import { CATALOGUE } from './catalogue.ts';
import {
  CATALOGUE_CLASSES,
  EFFECTS,
  GROUPS,
  type CatalogueClass,
  type Effect,
  type Entry,
  type Group,
} from './types.ts';

export interface CatalogueJson {
  readonly version: 1;
  readonly classes: readonly CatalogueClass[];
  readonly groups: readonly Group[];
  readonly effects: Readonly<Record<Effect, string>>;
  readonly entries: readonly Entry[];
}

const JSON_DATA: CatalogueJson = Object.freeze({
  version: 1,
  classes: CATALOGUE_CLASSES,
  groups: GROUPS,
  effects: EFFECTS,
  entries: CATALOGUE,
});

/** The catalogue as served by `GET /api/catalogue`: plain data only, the same object every time (frozen). */
export function catalogueJson(): CatalogueJson {
  return JSON_DATA;
}
