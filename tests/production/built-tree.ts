import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
/** `npm start`'s own check of the build (scripts/build-targets.mjs). */
const { staleness } = (await import(path.join(root, 'scripts/build-targets.mjs'))) as {
  staleness: () => 'missing' | 'stale' | undefined;
};

/** One build at a time: the test files that need it run in parallel workers. */
const LOCK = path.join(os.tmpdir(), `xwc-build-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.lock`);

/** Builds the tree (`npm run build`, the type check left to `npm test`) unless the build is up to date. */
export async function ensureBuilt(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (attempt === 1200) {
        throw new Error(`${LOCK} held for 2 minutes: remove it if no build is running`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    if (staleness()) {
      execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--skip-typecheck'], {
        cwd: root,
        stdio: 'pipe',
      });
    }
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * A production install in a new temporary directory, as docs/deploy.md and the Dockerfile make it: the built tree
 * staged without sources or node_modules (scripts/stage-runtime.mjs), then `npm ci --omit=dev` (no build tools, no test tools).
 */
export async function installProduction(): Promise<string> {
  await ensureBuilt();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-production-'));
  execFileSync(process.execPath, [path.join(root, 'scripts/stage-runtime.mjs'), dir], { cwd: root, stdio: 'pipe' });
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    stdio: 'pipe',
    timeout: 90_000,
  });
  return dir;
}
