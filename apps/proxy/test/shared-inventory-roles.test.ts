/**
 * The gateway watches the pool once, with one login's session, and serves what it reads to every login
 * (pool/inventory.ts). That is sound only while every class it serves is one XAPI lets the least role read in full:
 * a class such as `secret` (pool-operator and above) must never join the list without a per-role filter.
 */
import { describe, expect, it } from 'vitest';
import { XAPI_CLASSES } from '@xwc/contracts';
import { CLASS_FACTS } from '../../xapi-sim/src/db/xapi-datamodel.ts';

describe('the shared inventory', () => {
  it('serves only classes whose records the read-only role may read, as xapi’s data model says', () => {
    const readableByAll = (cls: string) => {
      const facts = CLASS_FACTS[cls as keyof typeof CLASS_FACTS];
      const read = facts?.messages.find(([name]) => name === 'get_all_records');
      return read?.[1] ?? 'not in the data model';
    };
    expect(Object.fromEntries(XAPI_CLASSES.map((cls) => [cls, readableByAll(cls)]))).toEqual(
      Object.fromEntries(XAPI_CLASSES.map((cls) => [cls, 'read-only'])),
    );
    // The check itself can fail: xapi keeps secrets from the read-only role.
    expect(readableByAll('secret')).toBe('pool-operator');
  });
});
