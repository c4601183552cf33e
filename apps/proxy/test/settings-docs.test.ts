import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { helpText, SETTINGS } from '../src/settings.ts';

/** Variables in the first column of docs/configuration.md's tables. */
function documented(): Set<string> {
  const doc = fs.readFileSync(path.resolve(import.meta.dirname, '../../../docs/configuration.md'), 'utf8');
  const names = new Set<string>();
  for (const row of doc.matchAll(/^\| ([^|]+)\|/gm))
    for (const name of row[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(name[1]!);
  return names;
}

/** Read by `npm run dev`'s script, not by the gateway. */
const DEV_SCRIPT_ONLY = ['VITE_PORT'];

describe('the settings table (settings.ts) and its documentation', () => {
  it('documents every setting in docs/configuration.md, and nothing that is not one', () => {
    const docs = documented();
    expect(SETTINGS.map((s) => s.name).filter((name) => !docs.has(name))).toEqual([]);
    const names = new Set(SETTINGS.map((s) => s.name));
    expect([...docs].filter((name) => !names.has(name) && !DEV_SCRIPT_ONLY.includes(name))).toEqual([]);
  });

  it('lists every setting in --help with its summary, and the exit codes', () => {
    const help = helpText();
    for (const setting of SETTINGS) expect(help).toContain(`  ${setting.name.padEnd(28)} ${setting.summary}`);
    expect(help).toMatch(/Exit codes: 0 .* 4 a file it needs cannot be read/s);
  });
});
