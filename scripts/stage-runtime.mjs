// `node scripts/stage-runtime.mjs DIR`: copies what a production install needs from this built tree (`npm run build`)
// into DIR, without sources or node_modules; then `npm ci --omit=dev` in DIR installs the runtime dependencies.
// docs/deploy.md, the Dockerfile and tests/production use it.
import fs from 'node:fs';
import path from 'node:path';
import { stageRuntime, staleness } from './build-targets.mjs';

const dest = process.argv[2];
if (!dest) {
  process.stderr.write('usage: node scripts/stage-runtime.mjs DIR\n');
  process.exit(2);
}
const why = staleness();
if (why) {
  process.stderr.write(`The build is ${why}: run npm run build first.\n`);
  process.exit(1);
}
fs.mkdirSync(dest, { recursive: true });
stageRuntime(path.resolve(dest));
process.stdout.write(`Staged the built gateway in ${dest}; next: cd ${dest} && npm ci --omit=dev\n`);
