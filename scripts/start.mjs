// `npm start`: build the web UI if it is missing or older than its sources, then run the gateway.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'apps/web/dist/index.html');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const sources = [path.join(root, 'apps/web'), path.join(root, 'packages/api-client/src/catalogue')];
const stale =
  !fs.existsSync(built) ||
  sources.some((dir) => newestMtime(dir === sources[0] ? path.join(dir, 'src') : dir) > fs.statSync(built).mtimeMs);
if (stale) {
  process.stdout.write('Building the web UI…\n');
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// Keep freed socket buffers in the heap instead of returning them to the kernel after every read:
// on some VMs re-faulting those pages costs more than the whole bridge (docs/BENCHMARKS.md).
const tuning = JSON.parse(fs.readFileSync(path.join(root, 'scripts/gateway-env.json'), 'utf8'));
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'apps/proxy/src/main.ts')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...tuning, ...process.env },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
