import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface VncServer {
  port: number;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`VNC server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`VNC server did not listen on ${port}`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
}

/** A display number unlikely to be in use by anything else on this machine. */
const freeDisplay = (): number => 100 + Math.floor(Math.random() * 400);

/** Xvnc's arguments: loopback only, no authentication, 24-bit, shared; `extra` for protocol or root-window options. */
export function xvncArgs(display: number, port: number, geometry: string, extra: readonly string[] = []): string[] {
  return [
    `:${display}`,
    '-geometry',
    geometry,
    '-depth',
    '24',
    '-SecurityTypes',
    'None',
    '-localhost',
    '-rfbport',
    String(port),
    '-AlwaysShared',
    ...extra,
  ];
}

/** TigerVNC's Xvnc on loopback, no authentication, a fixed geometry; stopped by PID. */
export async function startXvnc(options: { geometry?: string; rfb33?: boolean } = {}): Promise<VncServer> {
  const display = freeDisplay();
  const port = 5900 + display;
  const args = xvncArgs(display, port, options.geometry ?? '800x600', options.rfb33 ? ['-Protocol3.3'] : []);
  const child = spawn('/usr/bin/Xvnc', args, { stdio: 'ignore' });
  await waitForPort(port, child);
  return { port, stop: stopper(child) };
}
