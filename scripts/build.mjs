// `npm run build`: type-check what ships, build the UI (Vite) and bundle the server and the simulated pool into plain
// JavaScript with source maps (esbuild), so that production runs `node` on the output with only the runtime
// dependencies installed (`npm ci --omit=dev`). `--skip-typecheck` leaves out the type check (for a caller that just
// ran it on the same tree).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { root, SERVER_ENTRIES, serverBuildOptions } from './build-targets.mjs';
import { compressAssets } from './compress-assets.mjs';

const skipTypecheck = process.argv.includes('--skip-typecheck');

function run(label, script, args) {
  process.stdout.write(`${label}…\n`);
  const result = spawnSync(process.execPath, [path.join(root, 'node_modules', script), ...args], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) {
    process.stderr.write(`build failed: ${label.toLowerCase()} exited with ${result.status ?? result.signal}\n`);
    process.exit(1);
  }
}

if (!skipTypecheck) run('Type-checking', 'typescript/bin/tsc', ['-p', 'scripts/tsconfig.build.json', '--noEmit']);
run('Building the web UI', 'vite/bin/vite.js', ['build', '--logLevel', 'warn']);
compressAssets(path.join(root, 'apps/web/dist'));

process.stdout.write('Building the server…\n');
for (const { entry, out } of SERVER_ENTRIES) {
  fs.rmSync(path.join(root, path.dirname(out)), { recursive: true, force: true });
  await esbuild.build({
    ...serverBuildOptions(entry, out),
    banner: { js: '// Built by `npm run build` (scripts/build.mjs); the sources are in ../src.' },
  });
}
process.stdout.write('Built: apps/web/dist, apps/proxy/dist, apps/xapi-sim/dist\n');
