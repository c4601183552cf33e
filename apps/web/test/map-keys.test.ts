import { describe, expect, it } from 'vitest';
import { mapField, parseChanges, parseSnapshot } from '../src/api/wire.ts';
import { checkDraft, checkForm } from '../src/details/extension-form.ts';
import { planPatch } from '../src/shared/catalogue.ts';
import { ObjectCache } from '../src/store/cache.ts';
import { HOSTILE_KEYS, hostileMap, prototypeFingerprint } from '../../../tests/support/hostile-keys.ts';

/** Map keys from the pool are data in the browser too (SECURITY.md #13): parsed once, at the stream's boundary. */

const FINGERPRINT = prototypeFingerprint();
const record = (uuid: string, other_config: Record<string, string>) => ({
  $ref: `OpaqueRef:${uuid}`,
  uuid,
  name_label: uuid,
  other_config,
  platform: {},
});

describe('maps in the browser', () => {
  it('keeps every hostile key of a streamed record as data, and reads missing keys as absent', () => {
    const map = hostileMap();
    // As the stream delivers them: JSON text, parsed by the browser.
    const snapshot = parseSnapshot(JSON.parse(JSON.stringify({ records: { vm: { a: record('a', map) } } })));
    const [change] = parseChanges(
      JSON.parse(JSON.stringify([{ op: 'mod', class: 'vm', uuid: 'b', ref: 'OpaqueRef:b', record: record('b', {}) }])),
    );
    const cache = new ObjectCache();
    cache.replace(snapshot);
    cache.apply([change!]);

    const hostile = mapField(cache.getAny('vm', 'a'), 'other_config');
    expect(Object.keys(hostile).sort()).toEqual([...HOSTILE_KEYS].sort());
    for (const key of HOSTILE_KEYS) expect(Object.getOwnPropertyDescriptor(hostile, key)?.value).toBe(map[key]);
    const empty = mapField(cache.getAny('vm', 'b'), 'other_config');
    for (const map of [empty, mapField(cache.getAny('vm', 'b'), 'platform'), mapField(undefined, 'other_config')]) {
      expect(map.toString).toBeUndefined();
      expect(map.__proto__).toBeUndefined();
      expect(map.constructor).toBeUndefined();
    }
    expect(prototypeFingerprint()).toBe(FINGERPRINT);
  });

  it('builds a PATCH body in which every key is an own entry', () => {
    const drafts = new Map<string, string | null>([
      ['xenstore_data:vm-data/__proto__', 'x'],
      ['xenstore_data:vm-data/constructor', null],
    ]);
    const vm = { ...record('d', {}), xenstore_data: JSON.parse('{"vm-data/constructor": "old"}') as object };
    const { patch, errors } = checkForm('VM', vm, 'pool-admin', drafts);
    expect(errors).toEqual(new Map());
    expect(Object.getPrototypeOf(patch)).toBeNull();
    expect(Object.entries(patch)).toEqual([
      ['xenstore_data:vm-data/__proto__', 'x'],
      ['xenstore_data:vm-data/constructor', null],
    ]);
  });

  it('refuses a key by the gateway’s own character rule, in the gateway’s words', () => {
    const vm = record('e', {});
    for (const key of ['xenstore_data:vm-data/a\u0085b', 'xenstore_data:vm-data/tab\there']) {
      const browser = checkDraft('VM', vm, 'pool-admin', key, 'x');
      const gateway = planPatch('VM', vm, { [key]: 'x' });
      expect(browser.ok).toBe(false);
      expect(gateway.ok).toBe(false);
      expect(!browser.ok && browser.message).toBe(!gateway.ok && gateway.message);
      expect(!browser.ok && browser.message).toContain('must not contain control characters');
    }
  });
});
