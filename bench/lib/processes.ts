import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xvncArgs } from '../../tests/support/vnc-servers.ts';
import GATEWAY_ENV from '../../scripts/gateway-env.json' with { type: 'json' };

/**
 * Every process the benchmarks start: each in its own process group (so what it forks, like websockify's
 * per-connection children, goes with it), stopped by PID, and killed on exit, on error and on SIGINT/SIGTERM.
 */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** The last lines of stderr, for error messages. */
  stderrTail(): string;
  /** Resolves with the next stdout line that parses as JSON (servers announce themselves so). */
  nextJson<T>(timeoutMs?: number): Promise<T>;
  /** Sends one JSON line to the child's stdin (commands to the simulated pool). */
  send(message: unknown): void;
  stop(): Promise<void>;
}

const live = new Set<Child>();

/** The environment without the measuring client's own malloc settings (bench/run.ts): processes under test run as deployed. */
export function plainEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env.GLIBC_TUNABLES;
  delete env.XWC_BENCH_CLIENT;
  return env;
}

/**
 * Every process under test (the gateway, the bridge, websockify, the TLS pipe, the target, the pool, Xvnc) runs with
 * the allocator and heap settings `npm start` gives the gateway, so no path is measured with settings another lacks.
 */
export const TESTED_ENV: Readonly<Record<string, string>> = { ...GATEWAY_ENV };

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function spawnProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Child {
  const proc = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...plainEnv(), ...TESTED_ENV, ...options.env },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = proc.pid;
  const stderr: string[] = [];
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (text: string) => {
    stderr.push(text);
    if (stderr.length > 40) stderr.splice(0, stderr.length - 40);
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let partial = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (text: string) => {
    partial += text;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts.filter(Boolean));
    for (const wake of waiters.splice(0)) wake();
  });
  proc.stdin!.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  exited.then(() => {
    for (const wake of waiters.splice(0)) wake();
  });

  const child: Child = {
    name,
    pid,
    process: proc,
    stderrTail: () => stderr.join('').split('\n').slice(-15).join('\n'),
    async nextJson<T>(timeoutMs = 30_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (lines.length) {
          const line = lines.shift()!;
          try {
            return JSON.parse(line) as T;
          } catch {
            // Not an announcement: ignore.
          }
        }
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`${name} exited (${proc.exitCode ?? proc.signalCode}):\n${child.stderrTail()}`);
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${name} did not answer within ${timeoutMs} ms:\n${child.stderrTail()}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    send(message: unknown) {
      proc.stdin!.write(`${JSON.stringify(message)}\n`);
    },
    async stop() {
      if (!live.has(child)) return;
      live.delete(child);
      if (proc.exitCode === null && proc.signalCode === null) {
        killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      // Whatever the group leader left behind (websockify's per-connection children) goes too.
      killGroup(pid, 'SIGKILL');
    },
  };
  live.add(child);
  return child;
}

/**
 * With XWC_BENCH_PROFILE set to a directory, every gateway process is started with `node --cpu-prof` and writes its
 * profile there when it stops (read it with `npx tsx bench/profile.ts <file>`, which maps the bundle back to the
 * sources): what the analysis of a missed target is based on. Profiling slows the gateway, so figures of such a run
 * are not comparable with others. With XWC_BENCH_PROFILE_POOL=1 as well, the simulated pool is profiled too (what
 * a large pool's first login waits for is mostly the pool building its `event.from` reply).
 */
function profileArgs(name: string): string[] {
  const dir = process.env.XWC_BENCH_PROFILE;
  const profiled = name === 'gateway' || (name === 'simulated pool' && process.env.XWC_BENCH_PROFILE_POOL);
  if (!dir || !profiled) return [];
  return ['--cpu-prof', '--cpu-prof-dir', path.resolve(dir)];
}

/** A bundled JavaScript file run by Node with source maps, as `npm start` runs the built gateway. */
export function spawnJs(name: string, file: string, args: readonly string[] = [], env?: Record<string, string>): Child {
  return spawnProcess(
    name,
    process.execPath,
    [...profileArgs(name), '--enable-source-maps', file, ...args],
    env ? { env } : {},
  );
}

/** A TypeScript file run by Node through tsx (the benchmark's own servers). */
export function spawnTs(name: string, file: string, args: readonly string[] = [], env?: Record<string, string>): Child {
  return spawnProcess(
    name,
    process.execPath,
    [...profileArgs(name), '--import', 'tsx', path.resolve(ROOT, file), ...args],
    env ? { env } : {},
  );
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((child) => child.stop()));
}

function killAllNow(): void {
  for (const child of live) killGroup(child.pid, 'SIGKILL');
  live.clear();
}

let installed = false;
/** Kills every child when this process ends, however it ends. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n${signal}: stopping the benchmark's processes\n`);
      killAllNow();
      process.exit(130);
    });
  }
}

/** A loopback port nobody listens on right now (for programs that cannot be told to pick one, like websockify). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, child: Child, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited:\n${child.stderrTail()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${child.name} did not listen on ${port}:\n${child.stderrTail()}`);
}

/** Starts a program that listens on a port it is told, retrying with other ports if that one was taken meanwhile. */
async function startListening(
  name: string,
  command: string,
  args: (port: number) => string[],
): Promise<Child & { port: number }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawnProcess(name, command, args(port));
    try {
      await waitForPort(port, child);
      return Object.assign(child, { port });
    } catch (error) {
      await child.stop();
      if (attempt >= 2) throw error;
    }
  }
}

/** Debian's websockify in front of a TCP target, exactly as nova-novncproxy runs its engine (no verbose/record flags). */
export async function startWebsockify(target: number): Promise<{ child: Child; url: string }> {
  const child = await startListening('websockify', '/usr/bin/websockify', (port) => [
    `127.0.0.1:${port}`,
    `127.0.0.1:${target}`,
  ]);
  return { child, url: `ws://127.0.0.1:${child.port}/` };
}

/**
 * Debian's TigerVNC Xvnc, a real VNC server (Tight, ZRLE, …) like the QEMU behind a XenServer console: 1024×768,
 * no authentication, loopback only, and X's classic grey root weave (`-retro`) so the first frame has visible pixels.
 */
export async function startXvnc(): Promise<{ child: Child; port: number }> {
  const child = await startListening('Xvnc', '/usr/bin/Xvnc', (port) => xvncArgs(port, port, '1024x768', ['-retro']));
  return { child, port: child.port };
}
