/**
 * How each writable map field is changed.
 * - `edit`: `remove_from_<field>` then `add_to_<field>` per key. other_config and sm_config are shared with XAPI,
 *   XenCenter and other tools, so only the keys being changed are touched.
 * - `set`: `set_<field>` with the whole new map, one call per field. xenstore_data must go through
 *   `VM.set_xenstore_data` to reach a running guest (add_to/remove_from only change the database); for the small
 *   maps HVM_boot_params, VCPUs_params, qos_algorithm_params and logging one call is atomic (no moment where a key
 *   is missing), and its undo is a single call that restores the previous map exactly.
 * Plain fields (no key) are written with `set_<field>`.
 */
export const MAP_WRITES = {
  other_config: 'edit',
  sm_config: 'edit',
  xenstore_data: 'set',
  HVM_boot_params: 'set',
  VCPUs_params: 'set',
  qos_algorithm_params: 'set',
  logging: 'set',
} as const satisfies Record<string, 'edit' | 'set'>;

export type MapWrite = (typeof MAP_WRITES)[keyof typeof MAP_WRITES];

export function mapWriteOf(field: string): MapWrite | undefined {
  return Object.hasOwn(MAP_WRITES, field) ? MAP_WRITES[field as keyof typeof MAP_WRITES] : undefined;
}
