// What `npm run build` produces and what it is made from: scripts/build.mjs builds these, scripts/start.mjs runs the
// gateway's output and rebuilds when any output is missing or older than a source.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Server entry points, bundled with the workspace packages they import; npm packages stay imports. */
export const SERVER_ENTRIES = [
  { entry: 'apps/proxy/src/main.ts', out: 'apps/proxy/dist/main.js' },
  { entry: 'apps/xapi-sim/src/cli.ts', out: 'apps/xapi-sim/dist/cli.js' },
];

export const OUTPUTS = ['apps/web/dist/index.html', ...SERVER_ENTRIES.map((e) => e.out)];

/** Everything a build reads (besides node_modules): a change to any of these makes the build stale. */
export const SOURCES = [
  'apps/proxy/src',
  'apps/xapi-sim/src',
  'apps/web/src',
  'apps/web/index.html',
  'apps/web/public',
  'packages',
  'vite.config.ts',
  'package-lock.json',
];

/** What a production install holds besides node_modules: the build's outputs and what `npm start` and `npm ci` read. */
export const RUNTIME_PATHS = [
  'package.json',
  'package-lock.json',
  'scripts/start.mjs',
  'scripts/build-targets.mjs',
  'scripts/gateway-env.json',
  'apps/proxy/dist',
  'apps/web/dist',
  'apps/xapi-sim/dist',
];

/** Every workspace's package.json: `npm ci` needs them to match the lock file (their code is bundled). */
function workspaceManifests() {
  return ['apps', 'packages'].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir))
      .map((name) => path.join(dir, name, 'package.json'))
      .filter((file) => fs.existsSync(path.join(root, file))),
  );
}

/**
 * Copies the built tree's runtime files into `dest` (scripts/stage-runtime.mjs), keeping their times so that
 * `npm start` there sees the build as up to date. `npm ci --omit=dev` in `dest` completes the install.
 */
export function stageRuntime(dest) {
  for (const file of [...RUNTIME_PATHS, ...workspaceManifests()]) {
    fs.cpSync(path.join(root, file), path.join(dest, file), { recursive: true, preserveTimestamps: true });
  }
}

/** Directories that hold no build input. */
const SKIPPED = new Set(['node_modules', 'dist', 'test', 'bench']);

function newestMtime(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(file, { withFileTypes: true }))
    if (!SKIPPED.has(entry.name)) newest = Math.max(newest, newestMtime(path.join(file, entry.name)));
  return newest;
}

/** Why the build must be made again (`missing`, `stale`), or undefined when it is up to date. */
export function staleness() {
  const built = OUTPUTS.map((out) => fs.statSync(path.join(root, out), { throwIfNoEntry: false })?.mtimeMs ?? 0);
  if (built.some((mtime) => mtime === 0)) return 'missing';
  return Math.max(...SOURCES.map((s) => newestMtime(path.join(root, s)))) > Math.min(...built) ? 'stale' : undefined;
}

/**
 * Workspace packages (`@xwc/…`) are TypeScript and are bundled; every other bare import is an npm package that
 * `npm ci --omit=dev` installs, and stays an import (native add-ons and all).
 */
const npmPackagesExternal = {
  name: 'npm-packages-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@xwc/') || args.path.startsWith('node:') ? undefined : { external: true },
    );
  },
};

/** esbuild's options for a server entry: what `npm run build` ships, and what the benchmarks run as the gateway. */
export function serverBuildOptions(entry, outfile) {
  return {
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.11',
    sourcemap: 'linked',
    // Stack traces name the original modules and functions.
    keepNames: true,
    logLevel: 'warning',
    plugins: [npmPackagesExternal],
  };
}
