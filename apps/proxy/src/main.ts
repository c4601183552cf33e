import path from 'node:path';
import { parseArgs } from 'node:util';
import { readConfigFile } from './config-file.ts';
import { ConfigError, loadConfig, type GatewayConfig } from './config.ts';
import { startGateway, type Gateway } from './gateway.ts';
import { startOpsServer, type OpsServer } from './ops/ops-server.ts';
import { EXIT, listenError, StartupError } from './ops/startup-error.ts';
import type { TrustMode } from './pool/trust.ts';
import { helpText } from './settings.ts';

interface Embedded {
  xapiUrl: string;
  trust: TrustMode;
  users: readonly { username: string; password: string; role: string }[];
  close(): Promise<void>;
}

/** Without XAPI_URL the product runs on the simulated pool, in this process (bundled into the build). */
async function startEmbeddedPool(config: GatewayConfig): Promise<Embedded> {
  const { startPool } = await import('@xwc/xapi-sim');
  const pool = await startPool({
    seed: config.demo.seed,
    ...(config.demo.hosts ? { hosts: config.demo.hosts } : {}),
    ...(config.demo.vms !== undefined ? { vms: config.demo.vms } : {}),
    ...(config.demo.rootPassword ? { rootPassword: config.demo.rootPassword } : {}),
    authFailureDelayMs: 1000,
    dataDir: path.join(config.dataDir, 'simulator'),
  });
  return {
    xapiUrl: pool.master.url,
    trust: { kind: 'ca', pem: pool.caPem },
    users: pool.users,
    close: () => pool.close(),
  };
}

/** The settings: `--config FILE` (or CONFIG_FILE) under the environment, which wins. */
function settings(): GatewayConfig {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(helpText());
    process.exit(EXIT.ok);
  }
  const file = values.config ?? process.env.CONFIG_FILE;
  return loadConfig(file ? { ...readConfigFile(file), ...process.env } : process.env);
}

async function start(): Promise<{ config: GatewayConfig; gateway: Gateway; ops: OpsServer; embedded?: Embedded }> {
  const config = settings();
  const embedded = config.xapiUrl ? undefined : await startEmbeddedPool(config);
  const gateway = await startGateway({
    config,
    xapiUrl: config.xapiUrl ?? embedded!.xapiUrl,
    ...(embedded ? { trust: embedded.trust } : {}),
  });
  const ops = await startOpsServer({ ...config.metrics, metrics: gateway.metrics, health: gateway.health }).catch(
    (error: unknown) => {
      throw listenError(error, 'METRICS_HOST, METRICS_PORT', config.metrics.host, config.metrics.port);
    },
  );
  return { config, gateway, ops, ...(embedded ? { embedded } : {}) };
}

async function main(): Promise<void> {
  let started: Awaited<ReturnType<typeof start>>;
  try {
    started = await start();
  } catch (error) {
    // One line naming the problem, and an exit code an operator or a service manager can act on.
    if (error instanceof ConfigError) fail(`Configuration error: ${error.message}`, EXIT.config);
    if (error instanceof StartupError) fail(`Cannot start: ${error.message}`, error.exitCode);
    if (
      error instanceof Error &&
      error.name === 'TypeError' &&
      'code' in error &&
      error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    )
      fail(`${error.message} (--help lists the options)`, EXIT.config);
    throw error;
  }
  const { config, gateway, ops, embedded } = started;
  const lines = [`XWC is serving ${embedded ? 'the simulated demo pool' : config.xapiUrl} at ${gateway.url}`];
  lines.push(`Metrics, /healthz and /readyz at ${ops.url}`);
  if (embedded) {
    lines.push('Log in with any of these simulated users:');
    for (const user of embedded.users)
      lines.push(`  ${user.username.padEnd(11)} ${user.password.padEnd(24)} ${user.role}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    // Not ready first, so load balancers stop sending work; then stop accepting and let consoles drain.
    gateway.health.drain();
    const { shutdownDelayMs: delay, shutdownDrainMs: drain } = config;
    process.stderr.write(
      `${signal}: stopping — /readyz says draining now; new connections refused in ${delay / 1000} s; ` +
        `live consoles then get up to ${drain / 1000} s before they are closed with 1001 (reconnect)\n`,
    );
    void new Promise((resolve) => setTimeout(resolve, delay))
      .then(() => gateway.close(drain))
      .then(() => Promise.all([ops.close(), embedded?.close()]))
      .finally(() => process.exit(EXIT.ok));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => gateway.reload());
}

function fail(line: string, code: number): never {
  process.stderr.write(`${line}\n`);
  process.exit(code);
}

await main();
