/**
 * Writes docs/extensions.md from the extension catalogue, so the docs cannot drift from what the proxy
 * validates and the UI edits. `npx tsx scripts/gen-extension-docs.ts` writes the file; `--check` only
 * compares and exits 1 when the committed file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import {
  CATALOGUE_CLASSES,
  EFFECTS,
  describeType,
  entriesOf,
  formatForDisplay,
  readExtension,
  type Entry,
} from '../packages/api-client/src/catalogue/index.ts';

export const DOCS_PATH = fileURLToPath(new URL('../docs/extensions.md', import.meta.url));

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (text: string): string => `\`${text}\``;

function keyCell(entry: Entry): string {
  const name = entry.key ?? entry.keyPattern ?? entry.keys?.join(', ');
  const parts = [code(name === undefined ? entry.field : `${entry.field}:${name}`)];
  if (entry.aliases?.length) {
    parts.push(
      `also read: ${entry.aliases.map((a) => code(a.key === undefined ? a.field : `${a.field}:${a.key}`)).join(', ')}`,
    );
  }
  if (entry.experimental) parts.push('**experimental**');
  return parts.join('<br>');
}

function defaultCell(entry: Entry): string {
  if (entry.defaultWhenAbsent === undefined) return entry.absentMeans;
  const shown = formatForDisplay(entry, readExtension(entry, {}).value);
  return shown === entry.absentMeans
    ? `${code(entry.defaultWhenAbsent)}`
    : `${code(entry.defaultWhenAbsent)} (${entry.absentMeans})`;
}

function explanation(entry: Entry): string {
  const notes = [entry.help];
  if (!entry.editable)
    notes.push(entry.readOnlyReason.endsWith('.') ? entry.readOnlyReason : `${entry.readOnlyReason}.`);
  if (entry.writableWhen)
    notes.push(`Only when ${code(entry.writableWhen.field)} is not ${JSON.stringify(entry.writableWhen.notEquals)}.`);
  if (entry.companionFields || entry.companionKeys) {
    const also = [
      ...Object.entries(entry.companionFields ?? {}).map(([f, v]) => `${code(f)} = ${JSON.stringify(v)}`),
      ...Object.entries(entry.companionKeys ?? {}).map(
        ([k, v]) => `${code(`${entry.field}:${k}`)} = ${JSON.stringify(v)}`,
      ),
    ];
    notes.push(`Writing it also sets ${also.join(' and ')}.`);
  }
  if (entry.applyWith) notes.push(`Applied with ${code(entry.applyWith)}.`);
  return notes.join(' ');
}

export function renderExtensionDocs(): string {
  const lines = [
    '# Management API extensions',
    '',
    'Generated from the extension catalogue (`packages/api-client/src/catalogue/`) by `scripts/gen-extension-docs.ts`;',
    'do not edit by hand. Keys come from the XenServer "Management API extensions" chapter; where XenCenter (the',
    'reference client) reads or writes a key differently from the docs, the catalogue follows XenCenter and says so.',
    '',
    'Edit these through `PATCH /api/objects/:class/:uuid/extensions` with `"<field>:<key>": "<value>" | null` (null',
    'removes the key). Booleans are written as lower-case `"true"`/`"false"`, or the key is removed, as each key’s',
    'convention requires. Aliases are other spellings that are read but never written.',
    '',
    'In the UI each key is one line of its object’s Extensions tab — label, control, when a change takes effect, and',
    'its help behind About — and the tab saves its object and NICs together (screenshots at 1440×900, taken by',
    '`npm run screenshots`):',
    '',
    '| | Light | Dark |',
    '| --- | --- | --- |',
    '| Host | ![A host’s extensions, light](images/extensions-host-light.png) | ![A host’s extensions, dark](images/extensions-host-dark.png) |',
    '| VM | ![A VM’s extensions, light](images/extensions-vm-light.png) | ![A VM’s extensions, dark](images/extensions-vm-dark.png) |',
    '',
    '| Effect | Meaning |',
    '| --- | --- |',
    ...Object.entries(EFFECTS).map(([effect, meaning]) => `| ${code(effect)} | ${meaning} |`),
  ];
  for (const cls of CATALOGUE_CLASSES) {
    const entries = entriesOf(cls);
    if (entries.length === 0) continue;
    lines.push(
      '',
      `## ${cls}`,
      '',
      '| Key | Type / values | Editable | Role | Effect | Default | Explanation |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const entry of entries) {
      const row = [
        keyCell(entry),
        describeType(entry.type),
        entry.editable ? 'yes' : 'no',
        entry.editable ? entry.writeRole : '—',
        code(entry.effect),
        defaultCell(entry),
        explanation(entry),
      ];
      lines.push(`| ${row.map(cell).join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The docs exactly as committed: rendered, then formatted with the repository's Prettier settings. */
export async function formattedExtensionDocs(): Promise<string> {
  const options = (await prettier.resolveConfig(DOCS_PATH)) ?? {};
  return prettier.format(renderExtensionDocs(), { ...options, filepath: DOCS_PATH });
}

async function main(): Promise<void> {
  const docs = await formattedExtensionDocs();
  if (process.argv.includes('--check')) {
    const current = await readFile(DOCS_PATH, 'utf8').catch(() => '');
    if (current !== docs) {
      console.error('docs/extensions.md is out of date: run npx tsx scripts/gen-extension-docs.ts');
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(DOCS_PATH, docs);
  console.log(`wrote ${DOCS_PATH}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
