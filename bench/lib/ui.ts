import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes.ts';
import { TMP } from './stack.ts';

/**
 * Builds the UI from the current sources into bench/tmp (never touching apps/web/dist, which others use),
 * with the project's own Vite config, as a direct node child, and its pre-compressed assets as `npm run build` does.
 */
export async function buildUi(): Promise<string> {
  const outDir = path.join(TMP, `ui-${process.pid}`);
  const vite = path.join(ROOT, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(
    process.execPath,
    [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) throw new Error(`UI build failed:\n${result.stderr}${result.stdout}`);
  if (!fs.existsSync(path.join(outDir, 'index.html'))) throw new Error('UI build produced no index.html');
  const { compressAssets } = (await import(path.join(ROOT, 'scripts/compress-assets.mjs') as string)) as {
    compressAssets(uiDir: string): void;
  };
  compressAssets(outDir);
  return outDir;
}
