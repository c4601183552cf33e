// `npm start`: run the built gateway (apps/proxy/dist), building first when an output is missing or older than its
// sources. A production install (`npm ci --omit=dev`) has no build tools: it runs what was built, and refuses to run
// a stale build rather than serve something other than its sources.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, staleness } from './build-targets.mjs';

const why = staleness();
if (why) {
  if (!fs.existsSync(path.join(root, 'node_modules/esbuild')) || !fs.existsSync(path.join(root, 'node_modules/vite'))) {
    process.stderr.write(
      `The build is ${why} and the build tools are not installed (a production install, npm ci --omit=dev). ` +
        'Run `npm ci && npm run build` first, then install with --omit=dev.\n',
    );
    process.exit(1);
  }
  process.stdout.write(`The build is ${why}: building (npm run build)…\n`);
  const result = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// Keep freed socket buffers in the heap instead of returning them to the kernel after every read:
// on some VMs re-faulting those pages costs more than the whole bridge (docs/BENCHMARKS.md).
const tuning = JSON.parse(fs.readFileSync(path.join(root, 'scripts/gateway-env.json'), 'utf8'));
const child = spawn(
  process.execPath,
  ['--enable-source-maps', path.join(root, 'apps/proxy/dist/main.js'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { ...tuning, ...process.env } },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
