import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, startGateway, type Gateway, type GatewayConfig, type TrustMode } from '@xwc/proxy';
import { startPool, type PoolOptions, type SimulatedPool } from '@xwc/xapi-sim';

/** Lines written to a sink, kept for assertions (and for scanning them for secrets). */
export class LineSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
    callback();
  }
  json(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface StackOptions {
  pool?: PoolOptions;
  /** Environment-style settings for the gateway (PORT, CONSOLES_PER_USER, …); PORT defaults to 0. */
  env?: Record<string, string>;
  uiDir?: string;
  /** How the gateway trusts the pool: default the simulator's CA; `config` = as the env settings say. */
  trust?: TrustMode | 'config';
  /** Files to put in the gateway's DATA_DIR before it starts (e.g. a known-hosts.json). */
  dataFiles?: (pool: SimulatedPool) => Record<string, string>;
}

export interface Stack {
  pool: SimulatedPool;
  gateway: Gateway;
  config: GatewayConfig;
  /** `http://127.0.0.1:<port>`: also the Origin the gateway accepts. */
  baseUrl: string;
  logs: LineSink;
  audit: LineSink;
  dataDir: string;
  password(username: string): string;
  /** Logs in through the API; returns the cookie header value and the role. */
  login(username?: string): Promise<{ cookie: string; role: string }>;
  close(): Promise<void>;
}

/** The simulated pool and a gateway in front of it, in this process, on loopback. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-stack-'));
  const pool = await startPool({
    authFailureDelayMs: 200,
    operationMs: 20,
    ...options.pool,
    dataDir: path.join(dataDir, 'sim'),
  });
  for (const [name, content] of Object.entries(options.dataFiles?.(pool) ?? {})) {
    fs.writeFileSync(path.join(dataDir, name), content);
  }
  const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'debug', ...options.env });
  const trust = options.trust ?? { kind: 'ca', pem: pool.caPem };
  const logs = new LineSink();
  const audit = new LineSink();
  const gateway = await startGateway({
    config,
    xapiUrl: pool.master.url,
    ...(trust === 'config' ? {} : { trust }),
    logSink: logs,
    auditSink: audit,
    ...(options.uiDir ? { uiDir: options.uiDir } : {}),
  });
  const baseUrl = gateway.url;
  const password = (username: string): string => {
    const user = pool.users.find((u) => u.username === username);
    if (!user) throw new Error(`no simulated user ${username}`);
    return user.password;
  };
  return {
    pool,
    gateway,
    config,
    baseUrl,
    logs,
    audit,
    dataDir,
    password,
    async login(username = 'root') {
      const response = await fetch(`${baseUrl}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: baseUrl },
        body: JSON.stringify({ username, password: password(username) }),
      });
      if (response.status !== 200) throw new Error(`login as ${username}: ${response.status} ${await response.text()}`);
      const body = (await response.json()) as { role: string };
      const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
      return { cookie, role: body.role };
    },
    async close() {
      await gateway.close();
      await pool.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
