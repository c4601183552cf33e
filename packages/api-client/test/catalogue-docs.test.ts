import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCS_PATH, formattedExtensionDocs, renderExtensionDocs } from '../../../scripts/gen-extension-docs.ts';
import { CATALOGUE, CATALOGUE_CLASSES } from '../src/catalogue/index.ts';

describe('docs/extensions.md', () => {
  it('is exactly what the generator writes (run npx tsx scripts/gen-extension-docs.ts)', async () => {
    expect(readFileSync(DOCS_PATH, 'utf8')).toBe(await formattedExtensionDocs());
  });

  it('has a table per class and a row per entry', () => {
    const text = renderExtensionDocs();
    for (const cls of CATALOGUE_CLASSES) expect(text).toContain(`\n## ${cls}\n`);
    const rows = text.split('\n').filter((line) => line.startsWith('| `') && !line.startsWith('| `now`'));
    const effectRows = 5;
    expect(rows.length).toBe(CATALOGUE.length + effectRows);
    for (const entry of CATALOGUE) expect(text).toContain(entry.help.replaceAll('|', '\\|'));
  });

  it('escapes table separators inside cells', () => {
    expect(renderExtensionDocs()).toContain('on \\| true \\| off \\| false');
  });
});
