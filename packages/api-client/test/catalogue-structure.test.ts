import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fieldSpec, protectedKeyRole, SCHEMA, type KnownClass } from '../src/schema.ts';
import {
  CATALOGUE,
  CATALOGUE_CLASSES,
  catalogueJson,
  EFFECTS,
  entriesOf,
  findAliasOf,
  findEntry,
  GROUPS,
  MAP_WRITES,
  readExtension,
  type Entry,
} from '../src/catalogue/index.ts';
import { entryId } from '../src/catalogue/entries/define.ts';

const isMapEntry = (e: Entry) => e.key !== undefined || e.keyPattern !== undefined || e.keys !== undefined;

describe('catalogue data', () => {
  it('has unique ids derived from class, field and key', () => {
    const ids = CATALOGUE.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of CATALOGUE) expect(entry.id).toBe(entryId(entry));
  });

  it('addresses each value one way: a key, a pattern, composite keys, or a plain field', () => {
    for (const entry of CATALOGUE) {
      const ways = [entry.key, entry.keyPattern, entry.keys].filter((w) => w !== undefined);
      expect(ways.length, entry.id).toBeLessThanOrEqual(1);
    }
  });

  it('names XAPI classes and fields as SCHEMA does, with the right field types', () => {
    for (const entry of CATALOGUE) {
      expect(CATALOGUE_CLASSES).toContain(entry.cls);
      const spec = fieldSpec(entry.cls as KnownClass, entry.field);
      expect(spec, entry.id).toBeDefined();
      expect(spec!.type, entry.id).toBe(isMapEntry(entry) ? 'map' : 'int');
      for (const alias of entry.aliases ?? []) {
        const aliasSpec = fieldSpec(entry.cls as KnownClass, alias.field);
        expect(aliasSpec?.type, `${entry.id} alias ${alias.field}`).toBe(alias.key === undefined ? 'string' : 'map');
      }
    }
  });

  it('gives editable entries the role XAPI requires to write them (xapi-wire §7.3)', () => {
    for (const entry of CATALOGUE.filter((e) => e.editable)) {
      if (!entry.editable) continue;
      const spec = fieldSpec(entry.cls as KnownClass, entry.field)!;
      expect(spec.rw, `${entry.id} is writable in XAPI`).toBe(true);
      const required =
        (entry.key && protectedKeyRole(spec, entry.key)) ?? spec.writer ?? SCHEMA[entry.cls as KnownClass].writer;
      expect(entry.writeRole, entry.id).toBe(required);
      for (const field of Object.keys(entry.companionFields ?? {})) {
        expect(fieldSpec(entry.cls as KnownClass, field)?.rw, `${entry.id} companion ${field}`).toBe(true);
      }
    }
  });

  it('uses the roles the brief lists for each writer', () => {
    const role = (cls: string, patchKey: string) => {
      const entry = findEntry(cls, patchKey);
      return entry?.editable ? entry.writeRole : undefined;
    };
    expect(role('VM', 'other_config:auto_poweron')).toBe('vm-admin');
    expect(role('VM', 'xenstore_data:vm-data/x')).toBe('vm-admin');
    expect(role('VM', 'HVM_boot_params:order')).toBe('vm-admin');
    expect(role('VM', 'VCPUs_params:weight')).toBe('vm-admin');
    expect(role('host', 'other_config:iscsi_iqn')).toBe('pool-operator');
    expect(role('host', 'logging:syslog_destination')).toBe('pool-operator');
    expect(role('network', 'other_config:automatic')).toBe('pool-operator');
    expect(role('network', 'MTU')).toBe('vm-admin');
    expect(role('PIF', 'other_config:ethtool-tx')).toBe('pool-operator');
    expect(role('VIF', 'other_config:ethtool-tx')).toBe('vm-admin');
    expect(role('VBD', 'other_config:owner')).toBe('vm-admin');
    expect(role('SR', 'other_config:auto-scan')).toBe('pool-operator');
    expect(role('VDI', 'sm_config:vmhint')).toBe('vm-admin');
  });

  it('knows how to write every editable field', () => {
    for (const entry of CATALOGUE.filter((e) => e.editable && isMapEntry(e))) {
      expect(Object.keys(MAP_WRITES), entry.id).toContain(entry.field);
    }
  });

  it('keeps read-only entries explained and writes only through editable ones', () => {
    for (const entry of CATALOGUE) {
      if (!entry.editable) expect(entry.readOnlyReason.length, entry.id).toBeGreaterThan(10);
      else expect('readOnlyReason' in entry, entry.id).toBe(false);
    }
  });

  it('has one-line help, a label, a known group and effect for every entry', () => {
    for (const entry of CATALOGUE) {
      expect(entry.help, entry.id).not.toMatch(/\n/);
      expect(entry.help.length, entry.id).toBeGreaterThan(20);
      expect(entry.help.length, entry.id).toBeLessThan(400);
      expect(entry.label.length, entry.id).toBeGreaterThan(1);
      expect(entry.absentMeans.length, entry.id).toBeGreaterThan(0);
      expect(GROUPS).toContain(entry.group);
      expect(Object.keys(EFFECTS)).toContain(entry.effect);
    }
  });

  it('holds regular expressions that compile', () => {
    for (const entry of CATALOGUE) {
      if (entry.keyRule) expect(() => new RegExp(entry.keyRule!.regex)).not.toThrow();
      const type = entry.type;
      if (type.kind === 'text' && type.pattern) {
        const regex = type.pattern.regex;
        expect(() => new RegExp(regex)).not.toThrow();
      }
    }
  });

  it('gives every default a value that parses cleanly', () => {
    for (const entry of CATALOGUE.filter((e) => e.defaultWhenAbsent !== undefined)) {
      const read = readExtension(entry, {});
      expect(read.value, entry.id).toBeDefined();
      expect(read.problem, entry.id).toBeUndefined();
    }
  });

  it('marks only the per-NIC MTU override as experimental', () => {
    expect(CATALOGUE.filter((e) => e.experimental).map((e) => e.id)).toEqual([
      'PIF.other_config:mtu',
      'VIF.other_config:mtu',
    ]);
  });

  it('counts entries per class', () => {
    const counts = Object.fromEntries(CATALOGUE_CLASSES.map((cls) => [cls, entriesOf(cls).length]));
    expect(counts).toEqual({
      pool: 1,
      host: 18,
      VM: 17,
      VM_guest_metrics: 1,
      SR: 5,
      VDI: 1,
      VBD: 2,
      network: 4,
      PIF: 12,
      VIF: 11,
      task: 1,
    });
  });
});

describe('acceptance floor: every key of the issue is in the catalogue', () => {
  const REQUIRED: Record<string, string[]> = {
    VM: [
      'other_config:HideFromXenCenter',
      'other_config:default_template',
      'other_config:xensource_internal',
      'other_config:install-distro',
      'other_config:install-repository',
      'other_config:install-methods',
      'other_config:auto_poweron',
      'other_config:ignore_excessive_vcpus',
      'other_config:import_task',
      'other_config:last_shutdown_time',
      'other_config:p2v_source_machine',
      'other_config:p2v_import_date',
      'other_config:disable_pv_vnc',
      'HVM_boot_params:order',
      'VCPUs_params:weight',
      'xenstore_data:vm-data/anything',
    ],
    host: [
      'other_config:iscsi_iqn',
      'license_params:expiry',
      'license_params:sku_type',
      'license_params:restrict_pooling',
      'license_params:restrict_connection',
      'license_params:restrict_qos',
      'license_params:restrict_vlan',
      'license_params:restrict_pool_attached_storage',
      'license_params:restrict_anything_else',
      'software_version:product_version',
      'software_version:build_number',
      'software_version:xapi',
      'software_version:package-linux',
      'software_version:oem_build_number',
      'logging:syslog_destination',
      'other_config:multipathing',
      'other_config:boot_time',
      'other_config:agent_start_time',
    ],
    pool: ['other_config:rolling_upgrade_in_progress'],
    SR: [
      'other_config:auto-scan',
      'other_config:i18n-key',
      'other_config:i18n-original-value-name_label',
      'other_config:i18n-original-value-name_description',
      'sm_config:type',
      'other_config:HideFromXenCenter',
    ],
    VDI: ['sm_config:vmhint'],
    VBD: ['other_config:owner', 'qos_algorithm_params:class'],
    network: ['other_config:automatic', 'other_config:import_task', 'other_config:HideFromXenCenter', 'MTU'],
    PIF: [
      ...['rx', 'tx', 'sg', 'tso', 'ufo', 'gso', 'autoneg', 'speed', 'duplex'].map((o) => `other_config:ethtool-${o}`),
      'other_config:promiscuous',
      'other_config:mtu',
      'other_config:HideFromXenCenter',
    ],
    VIF: [
      ...['rx', 'tx', 'sg', 'tso', 'ufo', 'gso', 'autoneg', 'speed', 'duplex'].map((o) => `other_config:ethtool-${o}`),
      'other_config:promiscuous',
      'other_config:mtu',
    ],
    VM_guest_metrics: ['PV_drivers_version:major', 'PV_drivers_version:minor', 'PV_drivers_version:micro'],
    task: ['other_config:object_creation'],
  };

  it.each(Object.entries(REQUIRED).flatMap(([cls, keys]) => keys.map((key) => [cls, key] as const)))(
    '%s %s',
    (cls, key) => {
      expect(findEntry(cls, key)).toBeDefined();
    },
  );

  it.each([
    ['VM', 'other_config:install_distro', 'VM.other_config:install-distro'],
    ['VBD', 'other_config:is_owner', 'VBD.other_config:owner'],
    ['VBD', 'other_config:class', 'VBD.qos_algorithm_params:class'],
    ['host', 'logging:multipathing', 'host.other_config:multipathing'],
    ['host', 'logging:boot_time', 'host.other_config:boot_time'],
    ['host', 'logging:agent_start_time', 'host.other_config:agent_start_time'],
    ['host', 'iscsi_iqn', 'host.other_config:iscsi_iqn'],
  ])('%s %s is read as an alias of %s', (cls, alias, id) => {
    expect(findEntry(cls, alias)).toBeUndefined();
    expect(findAliasOf(cls, alias)?.id).toBe(id);
  });
});

describe('catalogueJson', () => {
  it('is plain JSON data that survives a round trip unchanged', () => {
    const json = catalogueJson();
    expect(JSON.parse(JSON.stringify(json))).toStrictEqual(json);
    expect(json.entries).toBe(CATALOGUE);
    expect(json.version).toBe(1);
    expect(json.classes).toEqual(CATALOGUE_CLASSES);
  });

  it('cannot be changed by a consumer', () => {
    const entry = catalogueJson().entries[0]!;
    expect(() => {
      (entry as { label: string }).label = 'changed';
    }).toThrow(TypeError);
    expect(() => {
      (catalogueJson().entries as Entry[]).push(entry);
    }).toThrow(TypeError);
  });
});

describe('catalogue module', () => {
  const dir = fileURLToPath(new URL('../src/catalogue/', import.meta.url));
  const files = (sub: string): string[] =>
    readdirSync(join(dir, sub), { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? files(join(sub, d.name)) : [join(sub, d.name)],
    );

  // Outside its own folder the catalogue may use only these pure modules of the package.
  const PURE = ['../dict.ts', '../roles.ts', '../wire/values.ts'];

  it('imports only itself and pure package modules (it is bundled for the browser)', () => {
    const sources = files('.').filter((f) => f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      const text = readFileSync(join(dir, file), 'utf8');
      const specifiers = [...text.matchAll(/\bfrom\s+'([^']+)'|\bimport\s*\(\s*'([^']+)'/g)].map((m) => m[1] ?? m[2]);
      for (const specifier of specifiers) {
        expect(specifier, file).toMatch(/^\.\.?\//);
        const target = relative(dir, resolve(dirname(join(dir, file)), specifier!));
        if (target.startsWith('..')) expect(PURE, `${file} imports ${specifier}`).toContain(target);
      }
      expect(text, file).not.toMatch(/\bprocess\.|\brequire\(|\bBuffer\b/);
    }
    for (const pure of PURE) expect(readFileSync(join(dir, pure), 'utf8')).not.toMatch(/\bfrom\s+'node:/);
  });
});
