/**
 * Map keys any tool (xe, XenCenter, a script) can write into an XAPI map, chosen to break code that treats a map as
 * an ordinary object: the names of Object.prototype's members, path-like and spaced keys, non-ASCII and astral text,
 * XML's special characters and a 4 KiB key. All of them follow the gateway's character rule, so both wire protocols
 * carry them unchanged.
 */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  '__lookupSetter__',
  'isPrototypeOf',
  'toLocaleString',
] as const;

export const HOSTILE_KEYS: readonly string[] = [
  ...PROTOTYPE_KEYS,
  'a.b.c',
  'vm-data/x/y',
  '../../etc/passwd',
  'with inner spaces',
  ' leading and trailing ',
  'ünïcödé ключ',
  '日本語のキー',
  '😀 astral 𝄞',
  '<&>"\'',
  ']]>',
  '&amp;',
  'k'.repeat(4096),
];

/** A distinct value per key, as hostile as the key itself. */
export function hostileValue(key: string, index: number): string {
  return `${index}:${key.slice(0, 64)}<&]]>😀`;
}

/** The hostile keys as one map, each with its value. */
export function hostileMap(keys: readonly string[] = HOSTILE_KEYS): Record<string, string> {
  return Object.fromEntries(keys.map((key, i) => [key, hostileValue(key, i)]));
}

/** A fingerprint of Object.prototype: its own property names and the type of each, to compare before and after. */
export function prototypeFingerprint(): string {
  return Object.getOwnPropertyNames(Object.prototype)
    .sort()
    .map((name) => `${name}:${typeof Object.getOwnPropertyDescriptor(Object.prototype, name)?.value}`)
    .join(',');
}
