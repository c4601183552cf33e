import { describe, expect, it } from 'vitest';
import { Database } from '../src/db/database.ts';
import { compileFilter, dbString, parseFilter } from '../src/db/filter.ts';
import { parseFieldType } from '../src/db/field-types.ts';
import { seededIds } from '../src/db/ids.ts';
import { columnName } from '../src/db/tables.ts';

const refsOf = (rows: readonly { ref: string }[]): string[] => rows.map((r) => r.ref);

describe('Database generations', () => {
  it('classifies changes since a token as add, mod or del, as event.from needs', () => {
    const db = new Database(seededIds(1));
    const kept = db.create('network', { name_label: 'kept' });
    const removed = db.create('network', { name_label: 'removed' });
    const token = db.generation;
    db.update('network', kept, { name_label: 'kept 2' });
    db.update('network', kept, { name_label: 'kept 3' });
    db.destroy('network', removed);
    const added = db.create('network', { name_label: 'added' });
    const transient = db.create('network', { name_label: 'transient' });
    db.destroy('network', transient);
    const all = () => true;
    const changes = db.changesSince(token, all);
    expect(refsOf(changes.adds)).toEqual([added]);
    expect(refsOf(changes.mods)).toEqual([kept]);
    expect(refsOf(changes.dels)).toEqual([removed]);
    expect(refsOf(db.changesSince(0, all).adds).sort()).toEqual([kept, added].sort());
    expect(db.changesSince(db.generation, all)).toEqual({ adds: [], mods: [], dels: [] });
  });

  it('fills defaults, keeps rows immutable, and fails unknown refs with HANDLE_INVALID', () => {
    const db = new Database(seededIds(2));
    const ref = db.create('VM', { name_label: 'a' });
    const before = db.get('VM', ref)!;
    expect(before).toMatchObject({ power_state: 'Halted', other_config: {}, resident_on: 'OpaqueRef:NULL', domid: 0 });
    db.update('VM', ref, { other_config: { k: 'v' } });
    expect(before.other_config).toEqual({});
    expect(() => db.require('VM', 'OpaqueRef:gone')).toThrow(
      expect.objectContaining({ code: 'HANDLE_INVALID', params: ['VM', 'OpaqueRef:gone'] }),
    );
    expect(() => db.byUuid('host', before.uuid as string)).toThrow(expect.objectContaining({ code: 'UUID_INVALID' }));
  });

  it('maintains one-to-many relations both ways and bumps the one side', () => {
    const db = new Database(seededIds(3));
    const vm1 = db.create('VM', { name_label: 'one' });
    const vm2 = db.create('VM', { name_label: 'two' });
    const token = db.generation;
    const console = db.create('console', { VM: vm1, protocol: 'rfb' });
    expect(db.value('VM', vm1, 'consoles')).toEqual([console]);
    expect(db.record('VM', vm1).consoles).toEqual([console]);
    expect(refsOf(db.changesSince(token, (t) => t === 'VM').mods)).toEqual([vm1]);
    const moved = db.generation;
    db.update('console', console, { VM: vm2 });
    expect(db.value('VM', vm1, 'consoles')).toEqual([]);
    expect(db.value('VM', vm2, 'consoles')).toEqual([console]);
    expect(refsOf(db.changesSince(moved, (t) => t === 'VM').mods).sort()).toEqual([vm1, vm2].sort());
    const destroyed = db.generation;
    db.destroy('console', console);
    expect(db.value('VM', vm2, 'consoles')).toEqual([]);
    expect(refsOf(db.changesSince(destroyed, (t) => t === 'VM').mods)).toEqual([vm2]);
  });

  it('keeps its answers when the change log is compacted', () => {
    const db = new Database(seededIds(4));
    const a = db.create('network', { name_label: 'a' });
    const b = db.create('network', { name_label: 'b' });
    const token = db.generation;
    for (let i = 0; i < 30_000; i++) db.update('network', b, { MTU: 1500 + (i % 10) });
    db.destroy('network', a);
    const changes = db.changesSince(token, () => true);
    expect(refsOf(changes.mods)).toEqual([b]);
    expect(refsOf(changes.dels)).toEqual([a]);
    expect(refsOf(db.changesSince(0, () => true).adds)).toEqual([b]);
  });

  it('notifies listeners on every write', () => {
    const db = new Database(seededIds(5));
    let calls = 0;
    const off = db.onChange(() => calls++);
    const ref = db.create('pool', {});
    db.touch('pool', ref);
    off();
    db.update('pool', ref, { name_label: 'x' });
    expect(calls).toBe(2);
  });
});

describe('filter language', () => {
  it('uses DB column names for namespaced fields', () => {
    expect(columnName('VM', 'name_label')).toBe('name__label');
    expect(columnName('VM', 'VCPUs_params')).toBe('VCPUs__params');
    expect(columnName('VM', 'HVM_boot_params')).toBe('HVM__boot_params');
    expect(columnName('VM', 'power_state')).toBe('power_state');
    expect(columnName('host', 'API_version_major')).toBe('API_version__major');
  });

  it('compares values as the database stores them', () => {
    expect(dbString(parseFieldType('bool'), true)).toBe('true');
    expect(dbString(parseFieldType('float'), 1)).toBe('1.');
    expect(dbString(parseFieldType('string set'), ['a', "b'c"])).toBe("('a' 'b\\'c')");
    expect(dbString(parseFieldType('(string -> string) map'), { k: 'v' })).toBe("(('k' 'v'))");
    expect(dbString(parseFieldType('int set'), [1, 2])).toBe("('1' '2')");
    const matches = compileFilter('VM', parseFilter('field "is_a_template"="true" and not field "name__label"="x"'));
    expect(matches({ is_a_template: true, name_label: 'y' })).toBe(true);
    expect(matches({ is_a_template: true, name_label: 'x' })).toBe(false);
  });
});
