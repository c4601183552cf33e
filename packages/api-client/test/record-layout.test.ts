import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { parseRecord } from '../src/records.ts';
import { SCHEMA } from '../src/schema.ts';

// V8's own answer to whether an object keeps its fields in place; the flag makes `%` calls compile from here on.
setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: object) => boolean;

describe('parsed records', () => {
  // A pool's inventory holds tens of thousands of these: in dictionary mode each takes about twice the memory.
  it.each(['VM', 'host', 'VDI', 'VM_metrics'] as const)(
    '%s keeps its fields in place (not in dictionary mode)',
    (cls) => {
      const record = parseRecord(cls, {});
      expect(Object.keys(record)).toEqual(Object.keys(SCHEMA[cls].fields));
      expect(hasFastProperties(record)).toBe(true);
    },
  );
});
