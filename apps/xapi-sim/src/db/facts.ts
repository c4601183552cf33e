import type { Role } from '@xwc/api-client';

/** How a field may be written: `RW` has generated setters; `RO/constructor` is set at creation; `RO/runtime` by xapi. */
export type Qualifier = 'RW' | 'RO/constructor' | 'RO/runtime';

/** A field of xapi's data model: name, type as the datamodel spells it, qualifier, lifecycle state. */
export type FieldFact = readonly [name: string, type: string, qualifier: Qualifier, state: string];

/** A message: name, the least role allowed to call it (null: no session role may), implicit (generated), state. */
export type MessageFact = readonly [name: string, role: Role | null, implicit: boolean, state: string];

export interface ClassFacts {
  readonly fields: readonly FieldFact[];
  readonly messages: readonly MessageFact[];
}
