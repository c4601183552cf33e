/**
 * XAPI maps as plain objects without a prototype. A map may hold any key a tool wrote — `__proto__`,
 * `constructor`, `toString` — and every one of them must stay data: on an object without a prototype,
 * `map[key] = value` always makes an own entry and `map[key]` never finds an inherited method.
 */
export type Dict<T> = Record<string, T>;

/** Drops the prototype of an object that is ours alone (freshly decoded), in place: cheaper than a copy. */
export function asDict<T>(object: Record<string, T>): Dict<T> {
  if (Object.getPrototypeOf(object) !== null) Object.setPrototypeOf(object, null);
  return object;
}

/** A new map of these entries (later duplicates win). */
export function dictOf<T>(entries: Iterable<readonly [string, T]>): Dict<T> {
  return asDict(Object.fromEntries(entries) as Record<string, T>);
}

/** A new empty map. */
export function emptyDict<T>(): Dict<T> {
  return asDict({} as Record<string, T>);
}

/** The value of `key` when the map itself holds it; never a value inherited from a prototype. */
export function ownValue<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
