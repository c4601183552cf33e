import { parseArgs } from 'node:util';
import { parseVncTarget } from './options.ts';
import { startPool } from './pool.ts';

/**
 * `npm run sim -- [--port P] [--hosts M] [--vms N] [--seed demo|scale] [--vnc NAME=HOST:PORT]… [--rfb 3.3|3.8]
 * [--root-password X] [--data-dir D]`: prints one JSON line on stdout once every host listens, logs to
 * stderr, and runs until SIGINT or SIGTERM.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8443' },
    hosts: { type: 'string' },
    vms: { type: 'string' },
    seed: { type: 'string', default: 'demo' },
    'seed-number': { type: 'string', default: '1' },
    vnc: { type: 'string', multiple: true, default: [] },
    rfb: { type: 'string', default: '3.8' },
    'root-password': { type: 'string', default: 'xenroot' },
    'data-dir': { type: 'string' },
    'first-address': { type: 'string', default: '127.0.0.11' },
  },
  strict: true,
});

function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} expects an integer >= ${min}, got "${text}"`);
  return n;
}

async function main(): Promise<void> {
  const seed = values.seed;
  if (seed !== 'demo' && seed !== 'scale') throw new Error(`--seed expects demo or scale, got "${seed}"`);
  const rfbVersion = values.rfb;
  if (rfbVersion !== '3.3' && rfbVersion !== '3.8') throw new Error(`--rfb expects 3.3 or 3.8, got "${rfbVersion}"`);
  const started = Date.now();
  const pool = await startPool({
    seed,
    port: integer('port', values.port, 0),
    hosts: integer('hosts', values.hosts, 1),
    vms: integer('vms', values.vms, 0),
    seedNumber: integer('seed-number', values['seed-number'], 0),
    vnc: Object.fromEntries(values.vnc.map(parseVncTarget)),
    rfbVersion,
    rootPassword: values['root-password'],
    dataDir: values['data-dir'],
    firstAddress: values['first-address'],
  });
  process.stdout.write(
    `${JSON.stringify({
      master: pool.master.url,
      hosts: pool.hosts.map(({ name, address, url }) => ({ name, address, url })),
      users: pool.users,
      ca: pool.caFile,
    })}\n`,
  );
  process.stderr.write(
    `xapi-sim: ${seed} pool with ${pool.hosts.length} hosts ready in ${Date.now() - started} ms; master ${pool.master.url}\n`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`xapi-sim: ${signal}, closing\n`);
    pool.close().then(
      () => {
        process.exitCode = 0;
        // Anything still holding the loop open after every listener closed is not worth waiting for.
        setTimeout(() => process.exit(0), 2000).unref();
      },
      (error: unknown) => {
        process.stderr.write(`xapi-sim: close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`xapi-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
