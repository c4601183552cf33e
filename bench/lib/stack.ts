import fs from 'node:fs';
import path from 'node:path';
import type { PoolOptions } from '@xwc/xapi-sim';
import { tcpEndpoint, wsEndpoint, type Endpoint } from './conn.ts';
import { ROOT, spawnTs, startWebsockify, type Child } from './processes.ts';
import GATEWAY_ENV from '../../scripts/gateway-env.json' with { type: 'json' };

/** The processes the scenarios put behind and in front of each other, each announced by a JSON line. */

export const TMP = path.join(ROOT, 'bench/tmp');

export function tmpDir(name: string): string {
  const dir = path.join(TMP, `${name}-${process.pid}-${Date.now().toString(36)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export async function startTarget(): Promise<{ child: Child; port: number }> {
  const child = spawnTs('target', 'bench/servers/target.ts');
  const { port } = await child.nextJson<{ port: number }>();
  return { child, port };
}

export async function startBridge(targetPort: number): Promise<{ child: Child; url: string }> {
  const child = spawnTs('bridge', 'bench/servers/bridge-server.ts', ['--target', String(targetPort)], GATEWAY_ENV);
  const { url } = await child.nextJson<{ url: string }>();
  return { child, url };
}

/** The VM whose console is relayed to the benchmark's target (a running VM of the demo seed). */
export const TARGET_VM = 'Debian 12 web';

export interface GatewayStack {
  pool: Child;
  gateway: Child;
  url: string;
  cookie: string;
  /** Asks the pool process something (bench/servers/pool.ts). */
  ask<T>(command: Record<string, unknown>): Promise<T>;
  /** A console WebSocket to a VM, logged in, with the gateway's own Origin. */
  console(uuid: string): Endpoint;
  vmUuid(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface GatewayStackOptions {
  /** Puts this TCP port behind TARGET_VM's console. */
  targetPort?: number;
  pool?: PoolOptions;
  /** Gateway settings, as environment variables (docs/configuration.md). */
  env?: Record<string, string>;
  uiDir?: string;
  /** Log in as root through the API. */
  login?: boolean;
}

export async function startGatewayStack(options: GatewayStackOptions = {}): Promise<GatewayStack> {
  const dir = tmpDir('stack');
  const poolOptions: PoolOptions = {
    authFailureDelayMs: 200,
    ...options.pool,
    ...(options.targetPort ? { vnc: { [TARGET_VM]: { host: '127.0.0.1', port: options.targetPort } } } : {}),
    dataDir: path.join(dir, 'sim'),
  };
  const pool = spawnTs('simulated pool', 'bench/servers/pool.ts', ['--options', JSON.stringify(poolOptions)]);
  let gateway: Child | undefined;
  try {
    const announced = await pool.nextJson<{ master: string; ca: string }>(60_000);
    gateway = spawnTs(
      'gateway',
      'bench/servers/gateway.ts',
      [
        '--xapi-url',
        announced.master,
        '--ca-file',
        announced.ca,
        ...(options.uiDir ? ['--ui-dir', options.uiDir] : []),
      ],
      {
        ...GATEWAY_ENV,
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: path.join(dir, 'gateway'),
        AUDIT_LOG: path.join(dir, 'audit.log'),
        LOG_LEVEL: 'warn',
        ...options.env,
      },
    );
    const { url } = await gateway.nextJson<{ url: string }>(30_000);
    let nextId = 1;
    const ask = async <T>(command: Record<string, unknown>): Promise<T> => {
      const id = nextId++;
      pool.send({ ...command, id });
      for (;;) {
        const answer = await pool.nextJson<{ id: number; error?: string }>(60_000);
        if (answer.id !== id) continue;
        if (answer.error) throw new Error(`simulated pool: ${answer.error}`);
        return answer as T;
      }
    };
    const cookie = options.login === false ? '' : await login(url, 'root', 'xenroot');
    const stack: GatewayStack = {
      pool,
      gateway,
      url,
      cookie,
      ask,
      console: (uuid) =>
        wsEndpoint('gateway', `${url.replace(/^http/, 'ws')}/api/consoles/vm/${uuid}`, { cookie, origin: url }),
      async vmUuid(name) {
        const response = await fetch(`${url}/api/objects/vm`, { headers: { cookie } });
        const body = (await response.json()) as { records: Record<string, { name_label: string }> };
        const uuid = Object.keys(body.records).find((u) => body.records[u]!.name_label === name);
        if (!uuid) throw new Error(`no VM named ${name}`);
        return uuid;
      },
      async stop() {
        await gateway!.stop();
        await pool.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
    return stack;
  } catch (error) {
    await gateway?.stop();
    await pool.stop();
    throw error;
  }
}

export async function login(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username, password }),
  });
  if (response.status !== 200) throw new Error(`login as ${username}: ${response.status} ${await response.text()}`);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/** The four ways to the same TCP target the transfer scenarios compare. */
export type Path = 'raw' | 'bridge' | 'gateway' | 'websockify';

export interface Paths {
  readonly endpoints: Readonly<Record<Path, Endpoint>>;
  /** The process relaying each path (none for raw TCP), for CPU and memory readings. */
  readonly proxyPid: Readonly<Record<Path, number | undefined>>;
  stop(): Promise<void>;
}

/**
 * A TCP target behind raw TCP, the bridge alone (plain TCP upstream, like for like with websockify), the whole
 * gateway (login, XAPI console lookup, TLS CONNECT through the simulated pool's relay) and websockify.
 */
export async function startPaths(): Promise<Paths> {
  const children: Child[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await child.stop();
  };
  try {
    const target = await startTarget();
    children.push(target.child);
    const bridge = await startBridge(target.port);
    children.push(bridge.child);
    const websockify = await startWebsockify(target.port);
    children.push(websockify.child);
    const stack = await startGatewayStack({ targetPort: target.port });
    children.push(stack.pool, stack.gateway);
    const vm = await stack.vmUuid(TARGET_VM);
    return {
      endpoints: {
        raw: tcpEndpoint(target.port),
        bridge: wsEndpoint('bridge', bridge.url),
        gateway: stack.console(vm),
        websockify: wsEndpoint('websockify', websockify.url),
      },
      proxyPid: {
        raw: undefined,
        bridge: bridge.child.pid,
        gateway: stack.gateway.pid,
        websockify: websockify.child.pid,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
