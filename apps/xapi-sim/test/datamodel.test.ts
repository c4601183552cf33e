import { existsSync, readFileSync } from 'node:fs';
import { CLASS_NAMES, SCHEMA, type FieldSpec } from '@xwc/api-client';
import { describe, expect, it } from 'vitest';
import {
  FACTS_PATH,
  formattedDatamodel,
  leastRole,
  OUTPUT_PATH,
  readFacts,
  type Facts,
} from '../../../scripts/gen-xapi-datamodel.ts';
import { typeText } from '../src/db/field-types.ts';
import { CLASSES, columnOf, RELATIONS, writersOf } from '../src/db/tables.ts';
import type { XapiClass } from '../src/db/xapi-datamodel.ts';

/** The classes the product, XenCenter-style clients and Vates' `xen-api` read: each must be complete here. */
const READ_CLASSES = [
  'session',
  'pool',
  'host',
  'host_metrics',
  'host_cpu',
  'VM',
  'VM_metrics',
  'VM_guest_metrics',
  'console',
  'network',
  'PIF',
  'PIF_metrics',
  'Bond',
  'VLAN',
  'VIF',
  'SR',
  'PBD',
  'VDI',
  'VBD',
  'task',
  'message',
  'subject',
  'role',
  'secret',
  'blob',
  'pool_patch',
  'pool_update',
] as const satisfies readonly XapiClass[];

function facts(): Facts {
  if (!existsSync(FACTS_PATH)) {
    throw new Error(`xapi's datamodel facts are missing: expected at ${FACTS_PATH} (../shared beside the repository)`);
  }
  return JSON.parse(readFileSync(FACTS_PATH, 'utf8')) as Facts;
}

describe("the simulator's tables are xapi's data model", () => {
  it('are exactly what the generator writes from the facts (run npx tsx scripts/gen-xapi-datamodel.ts)', async () => {
    facts();
    expect(readFileSync(OUTPUT_PATH, 'utf8')).toBe(await formattedDatamodel(await readFacts()));
  });

  it.each(READ_CLASSES)('%s has every field of the facts, with its type and qualifier, and no other', (cls) => {
    const expected = facts().classes[cls]!.fields.map((f) => [f.name, f.type, f.qualifier]);
    const actual = CLASSES[cls].columns.map((c) => [c.name, typeText(c.type), c.qualifier]);
    expect(actual).toEqual(expected);
  });

  it('every message of those classes carries the least role the facts allow', () => {
    const all = facts();
    for (const cls of READ_CLASSES) {
      for (const m of all.classes[cls]!.messages) {
        expect(CLASSES[cls].messages.get(m.name), `${cls}.${m.name}`).toEqual([
          m.name,
          leastRole(m.roles),
          m.implicit,
          m.state,
        ]);
      }
    }
  });

  it('relates objects through fields that exist with the right types', () => {
    for (const r of RELATIONS) {
      const [many, one] = [columnOf(r.many, r.manyField), columnOf(r.one, r.oneField)];
      expect(many && typeText(many.type), `${r.many}.${r.manyField}`).toBe(`${r.one} ref`);
      expect(one && typeText(one.type), `${r.one}.${r.oneField}`).toBe(`${r.many} ref set`);
    }
  });
});

/** Whether a field of the client's SCHEMA reads values of the facts' type (enum sets as string sets, for instance). */
function compatible(spec: FieldSpec, factType: string, enums: Readonly<Record<string, readonly string[]>>): boolean {
  const enumValues = (name: string): string => [...(enums[name] ?? [])].sort().join();
  switch (spec.type) {
    case 'enum': {
      const m = /^enum (\w+)$/.exec(factType);
      return m !== null && enumValues(m[1]!) === [...spec.values].sort().join();
    }
    case 'ref':
      return factType === `${spec.of} ref`;
    case 'set':
      return spec.of === 'string' ? /^(string|enum \w+) set$/.test(factType) : factType === `${spec.of} ref set`;
    case 'map':
      return /^\((string|enum \w+) -> string\) map$/.test(factType);
    case 'float_map':
      return /^\((int|string) -> float\) map$/.test(factType);
    case 'ops_map':
      return /^\(string -> enum \w+\) map$/.test(factType);
    default:
      return factType === spec.type;
  }
}

describe("the client's SCHEMA agrees with the facts", () => {
  it.each([...CLASS_NAMES])('%s: every parsed field exists in xapi with a compatible type', (cls) => {
    const fact = facts().classes[cls]!;
    const enums = Object.assign({}, ...Object.values(facts().classes).map((c) => c.enums)) as Record<
      string,
      readonly string[]
    >;
    for (const [field, spec] of Object.entries(SCHEMA[cls].fields as Record<string, FieldSpec>)) {
      const f = fact.fields.find((x) => x.name === field);
      expect(f, `${cls}.${field} exists in xapi`).toBeDefined();
      expect(compatible(spec, f!.type, enums), `${cls}.${field}: ${spec.type} reads ${f!.type}`).toBe(true);
    }
  });

  it.each([...CLASS_NAMES])('%s: writable fields are the ones xapi lets callers write, with its roles', (cls) => {
    for (const [field, spec] of Object.entries(SCHEMA[cls].fields as Record<string, FieldSpec>)) {
      // Messages are not database rows: xapi has no writer for any of their fields.
      const writers = cls === 'message' ? [] : writersOf(cls, columnOf(cls, field)!);
      const setter = writers.find((w) => w.msg === `set_${field}`);
      expect(Boolean(setter), `${cls}.${field} has a setter`).toBe(spec.rw);
      if (setter) expect(spec.writer ?? SCHEMA[cls].writer, `${cls}.set_${field}`).toBe(setter.role);
    }
  });
});
