import { describe, expect, it } from 'vitest';
import { parseChanges, parseSnapshot } from '../src/api/wire.ts';
import { ObjectCache } from '../src/store/cache.ts';

const vm = (uuid: string, fields: Record<string, unknown> = {}) => ({
  $ref: `OpaqueRef:${uuid}`,
  uuid,
  name_label: uuid,
  ...fields,
});

describe('parsing the event stream at the boundary', () => {
  it('keeps known classes and well-formed records only', () => {
    const snapshot = parseSnapshot({ records: { vm: { a: vm('a'), b: { no: 'ref' } }, bogus: { x: vm('x') } } });
    expect(Object.keys(snapshot)).toEqual(['vm']);
    expect(Object.keys(snapshot.vm!)).toEqual(['a']);
    expect(parseSnapshot('nonsense')).toEqual({});
  });

  it('drops malformed changes and keeps deletes without records', () => {
    const changes = parseChanges([
      { op: 'mod', class: 'vm', uuid: 'a', ref: 'OpaqueRef:a', record: vm('a') },
      { op: 'del', class: 'vm', uuid: 'b', ref: 'OpaqueRef:b' },
      { op: 'mod', class: 'vm', uuid: 'c' },
      { op: 'explode', class: 'vm', uuid: 'd', record: vm('d') },
      { op: 'add', class: 'nope', uuid: 'e', record: vm('e') },
    ]);
    expect(changes.map((c) => `${c.op}:${c.uuid}`)).toEqual(['mod:a', 'del:b']);
  });
});

describe('the object cache', () => {
  it('replaces on snapshot, applies changes and resolves refs', () => {
    const cache = new ObjectCache();
    cache.replace({ vm: { a: vm('a'), b: vm('b') } });
    expect(cache.loaded).toBe(true);
    expect(cache.byRef('vm', 'OpaqueRef:a')?.uuid).toBe('a');
    expect(cache.byRef('host', 'OpaqueRef:a')).toBeUndefined();
    cache.apply([
      { op: 'mod', cls: 'vm', uuid: 'a', ref: 'OpaqueRef:a', record: vm('a', { name_label: 'renamed' }) as never },
      { op: 'del', cls: 'vm', uuid: 'b', ref: 'OpaqueRef:b' },
    ]);
    expect(cache.get('vm', 'a')?.name_label).toBe('renamed');
    expect(cache.get('vm', 'b')).toBeUndefined();
    expect(cache.byRef('vm', 'OpaqueRef:b')).toBeUndefined();
    expect(cache.count('vm')).toBe(1);
  });

  it('tells only the subscribers of what changed', () => {
    const cache = new ObjectCache();
    cache.replace({ vm: { a: vm('a'), b: vm('b') } });
    const heard: string[] = [];
    cache.subscribeObject('vm', 'a', () => heard.push('a'));
    cache.subscribeObject('vm', 'b', () => heard.push('b'));
    cache.subscribeClass('host', () => heard.push('hosts'));
    const before = cache.classVersion('vm');
    cache.apply([{ op: 'mod', cls: 'vm', uuid: 'b', ref: 'OpaqueRef:b', record: vm('b') as never }]);
    expect(heard).toEqual(['b']);
    expect(cache.classVersion('vm')).toBe(before + 1);
  });

  it('forgets everything on clear', () => {
    const cache = new ObjectCache();
    cache.replace({ vm: { a: vm('a') } });
    cache.clear();
    expect(cache.loaded).toBe(false);
    expect(cache.count('vm')).toBe(0);
  });
});
