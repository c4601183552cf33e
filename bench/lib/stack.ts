import fs from 'node:fs';
import path from 'node:path';
import type { PoolOptions } from '@xwc/xapi-sim';
import { tcpEndpoint, wsEndpoint, type Endpoint } from './conn.ts';
import { gatewayBundle } from './gateway-build.ts';
import { consoleTunnel, tlsEndpoint } from './tls-console.ts';
import { ROOT, spawnJs, spawnTs, startWebsockify, type Child } from './processes.ts';

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

/** The bench's VNC server (bench/servers/screen.ts) with one listener per screen described. */
export async function startScreens(
  screens: readonly Record<string, unknown>[],
): Promise<{ child: Child; ports: number[] }> {
  const child = spawnTs('screen', 'bench/servers/screen.ts', ['--screens', JSON.stringify(screens)]);
  const { ports } = await child.nextJson<{ ports: number[] }>();
  return { child, ports };
}

export async function startBridge(targetPort: number): Promise<{ child: Child; url: string }> {
  const child = spawnTs('bridge', 'bench/servers/bridge-server.ts', ['--target', String(targetPort)]);
  const { url } = await child.nextJson<{ url: string }>();
  return { child, url };
}

/** The VM whose console is relayed to the benchmark's target (a running VM of the demo seed). */
export const TARGET_VM = 'Debian 12 web';

/** One gateway process in front of the simulated pool, logged in as root. */
export interface Gateway {
  readonly child: Child;
  readonly url: string;
  readonly cookie: string;
  /** A console WebSocket to a VM whose console is the bench target (bench/servers/target.ts). */
  console(uuid: string): Endpoint;
  /** A console WebSocket to a VM whose console speaks RFB (the engine, or a VNC server behind pass-through). */
  rfbConsole(uuid: string): Endpoint;
  vmUuid(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface GatewayStack extends Omit<Gateway, 'child'> {
  pool: Child;
  /** The pool master's URL and the CA file its hosts' certificates chain to. */
  poolAccess: { master: string; ca: string };
  gateway: Child;
  /** The first gateway (the one `gateway`, `url`, `console`… belong to). */
  primary: Gateway;
  /** Asks the pool process something (bench/servers/pool.ts). */
  ask<T>(command: Record<string, unknown>): Promise<T>;
  /** Another gateway process on the same pool (stopped with the stack): e.g. the same consoles with other settings. */
  addGateway(options?: GatewayOptions): Promise<Gateway>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Gateway settings, as environment variables (docs/configuration.md); the allocator settings always apply. */
  env?: Record<string, string>;
  uiDir?: string;
  /** Log in as root through the API (default true). */
  login?: boolean;
}

export interface GatewayStackOptions extends GatewayOptions {
  /** Puts this TCP port behind TARGET_VM's console. */
  targetPort?: number;
  /** TCP ports behind the consoles of these VMs (by name). */
  consoles?: Record<string, number>;
  /** Puts this TCP port behind every VM's console (thousands of consoles, each a VM of its own). */
  relayAll?: number;
  pool?: PoolOptions;
}

export async function startGatewayStack(options: GatewayStackOptions = {}): Promise<GatewayStack> {
  const dir = tmpDir('stack');
  const consoles = { ...options.consoles, ...(options.targetPort ? { [TARGET_VM]: options.targetPort } : {}) };
  const poolOptions: PoolOptions = {
    authFailureDelayMs: 200,
    ...options.pool,
    vnc: Object.fromEntries(Object.entries(consoles).map(([name, port]) => [name, { host: '127.0.0.1', port }])),
    dataDir: path.join(dir, 'sim'),
  };
  const pool = spawnTs('simulated pool', 'bench/servers/pool.ts', [
    '--options',
    JSON.stringify(poolOptions),
    ...(options.relayAll ? ['--relay-all', String(options.relayAll)] : []),
  ]);
  const gateways: Gateway[] = [];
  try {
    // Seeding the scale pool took up to 2.1 s per 1,000 VMs with the machine's load at 20: over twice that, bounded.
    const startMs = Math.max(60_000, 5 * (poolOptions.vms ?? 0));
    const announced = await pool.nextJson<{ master: string; ca: string }>(startMs);
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
    const addGateway = async (gatewayOptions: GatewayOptions = {}): Promise<Gateway> => {
      const gateway = await startGateway(announced, path.join(dir, `gateway-${gateways.length}`), gatewayOptions);
      gateways.push(gateway);
      return gateway;
    };
    const first = await addGateway(options);
    return {
      pool,
      poolAccess: announced,
      gateway: first.child,
      primary: first,
      url: first.url,
      cookie: first.cookie,
      console: first.console,
      rfbConsole: first.rfbConsole,
      vmUuid: first.vmUuid,
      ask,
      addGateway,
      async stop() {
        for (const gateway of gateways.reverse()) await gateway.stop();
        await pool.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const gateway of gateways) await gateway.stop();
    await pool.stop();
    throw error;
  }
}

async function startGateway(
  pool: { master: string; ca: string },
  dir: string,
  options: GatewayOptions,
): Promise<Gateway> {
  fs.mkdirSync(dir, { recursive: true });
  const child = spawnJs(
    'gateway',
    await gatewayBundle(),
    ['--xapi-url', pool.master, '--ca-file', pool.ca, ...(options.uiDir ? ['--ui-dir', options.uiDir] : [])],
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: path.join(dir, 'data'),
      AUDIT_LOG: path.join(dir, 'audit.log'),
      LOG_LEVEL: 'warn',
      ...options.env,
    },
  );
  if (process.env.XWC_BENCH_PROFILE) {
    const settings = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
    process.stderr.write(`  profiling gateway ${child.pid}${settings.length ? ` (${settings.join(' ')})` : ''}\n`);
  }
  try {
    const { url } = await child.nextJson<{ url: string }>(30_000);
    const cookie = options.login === false ? '' : await login(url, 'root', 'xenroot');
    const consoleUrl = (uuid: string): string => `${url.replace(/^http/, 'ws')}/api/consoles/vm/${uuid}`;
    return {
      child,
      url,
      cookie,
      console: (uuid) => wsEndpoint('gateway', consoleUrl(uuid), { cookie, origin: url }),
      rfbConsole: (uuid) => wsEndpoint('gateway', consoleUrl(uuid), { cookie, origin: url }, 'rfb'),
      async vmUuid(name) {
        const response = await fetch(`${url}/api/objects/vm`, { headers: { cookie } });
        const body = (await response.json()) as { records: Record<string, { name_label: string }> };
        const uuid = Object.keys(body.records).find((u) => body.records[u]!.name_label === name);
        if (!uuid) throw new Error(`no VM named ${name}`);
        return uuid;
      },
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/**
 * A gateway on a pool where `consoles` running VMs each have their own console, every one relayed to `targetPort`
 * (the scale seed runs about a tenth of its VMs): as many lone viewers as consoles, each bridged byte for byte under
 * the default CONSOLE_SHARING=on-demand. Returns the stack and those VMs' uuids.
 */
export async function startConsolesStack(
  consoles: number,
  targetPort: number,
  env: Record<string, string> = {},
): Promise<{ stack: GatewayStack; uuids: string[] }> {
  const stack = await startGatewayStack({
    relayAll: targetPort,
    pool: { seed: 'scale', hosts: 20, vms: Math.ceil((consoles * 11) / 1000) * 1000 },
    env: { CONSOLES_PER_USER: String(consoles), CONSOLES_TOTAL: String(Math.max(2000, consoles)), ...env },
  });
  try {
    const { vms } = await stack.ask<{ vms: { uuid: string }[] }>({ op: 'vms', power: 'Running', limit: consoles });
    if (vms.length < consoles) throw new Error(`the scale pool runs ${vms.length} VMs, ${consoles} needed`);
    return { stack, uuids: vms.map((vm) => vm.uuid) };
  } catch (error) {
    await stack.stop();
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

/** The ways to the same TCP target the transfer scenarios compare. */
export type Path = 'raw' | 'bridge' | 'gateway' | 'websockify' | 'tlsPipe' | 'rawTls';

export interface Paths {
  readonly endpoints: Readonly<Record<Path, Endpoint>>;
  /** The process relaying each path (none for raw TCP), for CPU and memory readings. */
  readonly proxyPid: Readonly<Record<Path, number | undefined>>;
  stop(): Promise<void>;
}

/**
 * A TCP target behind raw TCP, the bridge alone (plain TCP upstream, like for like with websockify), the whole
 * gateway (login, XAPI console lookup, TLS CONNECT through the simulated pool's relay) and websockify; and the
 * TLS path's peers through the same relay: the minimal TLS→WebSocket pipe and the raw TLS reader.
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
    const tunnel = await consoleTunnel(stack.poolAccess.master, stack.poolAccess.ca, TARGET_VM);
    const tlsPipe = spawnTs('TLS pipe', 'bench/servers/tls-pipe.ts', ['--tunnel', JSON.stringify(tunnel)]);
    children.push(tlsPipe);
    const { url: tlsPipeUrl } = await tlsPipe.nextJson<{ url: string }>();
    return {
      endpoints: {
        raw: tcpEndpoint(target.port),
        bridge: wsEndpoint('bridge', bridge.url),
        gateway: stack.console(vm),
        websockify: wsEndpoint('websockify', websockify.url),
        tlsPipe: wsEndpoint('TLS pipe', tlsPipeUrl),
        rawTls: tlsEndpoint(tunnel),
      },
      proxyPid: {
        raw: undefined,
        bridge: bridge.child.pid,
        gateway: stack.gateway.pid,
        websockify: websockify.child.pid,
        tlsPipe: tlsPipe.pid,
        rawTls: undefined,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
