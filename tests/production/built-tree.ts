import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
/** `npm start`'s own check of the build (scripts/build-targets.mjs). */
const { staleness } = (await import(path.join(root, 'scripts/build-targets.mjs'))) as {
  staleness: () => 'missing' | 'stale' | undefined;
};

/** What a production install holds besides node_modules: the built outputs and what `npm start` and `npm ci` read. */
export const RUNTIME_PATHS = [
  'package.json',
  'package-lock.json',
  'scripts/start.mjs',
  'scripts/build-targets.mjs',
  'scripts/gateway-env.json',
  'apps/proxy/dist',
  'apps/web/dist',
  'apps/xapi-sim/dist',
] as const;

/** Builds the tree (`npm run build`, the type check left to `npm test`) unless the build is up to date. */
export function ensureBuilt(): void {
  if (!staleness()) return;
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--skip-typecheck'], {
    cwd: root,
    stdio: 'pipe',
  });
}

/** Every workspace's package.json: `npm ci` needs them to match the lock file (the workspaces' code is bundled). */
function workspaceManifests(): string[] {
  return ['apps', 'packages'].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir))
      .map((name) => path.join(dir, name, 'package.json'))
      .filter((file) => fs.existsSync(path.join(root, file))),
  );
}

/**
 * A production install in a new temporary directory, as docs/deploy.md and the Dockerfile make it: the built tree
 * copied without sources or node_modules, then `npm ci --omit=dev` (no build tools, no test tools).
 */
export function installProduction(): string {
  ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-production-'));
  for (const file of [...RUNTIME_PATHS, ...workspaceManifests()]) {
    fs.cpSync(path.join(root, file), path.join(dir, file), { recursive: true, preserveTimestamps: true });
  }
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    stdio: 'pipe',
    timeout: 90_000,
  });
  return dir;
}
