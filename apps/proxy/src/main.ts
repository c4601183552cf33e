import path from 'node:path';
import { ConfigError, loadConfig, type GatewayConfig } from './config.ts';
import { startGateway, type Gateway } from './gateway.ts';
import type { TrustMode } from './pool/trust.ts';

interface Embedded {
  xapiUrl: string;
  trust: TrustMode;
  users: readonly { username: string; password: string; role: string }[];
  close(): Promise<void>;
}

/** Without XAPI_URL the product runs on the simulated pool, in this process. */
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

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const embedded = config.xapiUrl ? undefined : await startEmbeddedPool(config);
  const gateway: Gateway = await startGateway({
    config,
    xapiUrl: config.xapiUrl ?? embedded!.xapiUrl,
    ...(embedded ? { trust: embedded.trust } : {}),
  });
  const lines = [`XWC is serving ${embedded ? 'the simulated demo pool' : config.xapiUrl} at ${gateway.url}`];
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
    const drain = config.shutdownDrainMs;
    process.stderr.write(`${signal}: stopping (live consoles get up to ${drain / 1000} s to finish)\n`);
    void gateway
      .close(drain)
      .then(() => embedded?.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

await main();
