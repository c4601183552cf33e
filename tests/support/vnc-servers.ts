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

export interface XvncServer extends VncServer {
  display: number;
  /**
   * Shows `text` (escape sequences welcome: xterm does 24-bit colour) in an xterm at the top left, cursor hidden, until
   * the server stops. The picture appears some time after this returns: wait for it on the screen.
   */
  showInXterm(text: string, geometry?: string): void;
}

/** TigerVNC's Xvnc on loopback, no authentication, a fixed geometry; stopped by PID, with the X clients it started. */
export async function startXvnc(options: { geometry?: string; rfb33?: boolean } = {}): Promise<XvncServer> {
  const display = freeDisplay();
  const port = 5900 + display;
  const args = xvncArgs(display, port, options.geometry ?? '800x600', options.rfb33 ? ['-Protocol3.3'] : []);
  const child = spawn('/usr/bin/Xvnc', args, { stdio: 'ignore' });
  await waitForPort(port, child);
  const clients: ChildProcess[] = [];
  const stopServer = stopper(child);
  return {
    port,
    display,
    showInXterm(text, geometry = '100x40+0+0') {
      const script = 'printf "\\033[?25l%s" "$1"; exec sleep 3600';
      const xterm = spawn('/usr/bin/xterm', ['-geometry', geometry, '-e', 'sh', '-c', script, 'sh', text], {
        stdio: 'ignore',
        env: { ...process.env, DISPLAY: `:${display}` },
      });
      clients.push(xterm);
    },
    async stop() {
      await Promise.all(clients.map((c) => stopper(c)()));
      await stopServer();
    },
  };
}

/**
 * Text for `showInXterm` that gives an RFB encoder every kind of area: `rows` lines of cells in many 24-bit colours
 * (tiles with too many colours for a palette), a line of 16 colours, plain text (two-colour tiles), and the black
 * root window around it (solid tiles).
 */
export function xtermColourPattern(rows = 12, columns = 90): string {
  const cells: string[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const [r, g, b] = [(x * 37 + y * 11) % 256, (x * 5 + y * 53) % 256, (x * y * 7 + 90) % 256];
      cells.push(
        `\x1b[48;2;${r};${g};${b}m\x1b[38;2;${255 - r};${g};${255 - b}m${String.fromCharCode(33 + ((x + y) % 90))}`,
      );
    }
    cells.push('\x1b[0m\n');
  }
  for (let c = 0; c < 16; c++) cells.push(`\x1b[48;5;${c}m   `);
  cells.push('\x1b[0m\nThe quick brown fox jumps over the lazy dog 0123456789\n');
  return cells.join('');
}

/**
 * QEMU as an HVM guest's console server: no disk (the SeaBIOS screen ends with "No bootable device"), software
 * emulation, VNC on loopback. Run under `timeout` so it cannot outlive `lifetimeSeconds` even if the test process
 * dies; stopped by PID (timeout passes the signal on to QEMU).
 */
export async function startQemu(options: { lifetimeSeconds?: number; keymap?: string } = {}): Promise<VncServer> {
  const display = freeDisplay();
  const port = 5900 + display;
  const qemu = ['-display', 'none', '-vnc', `127.0.0.1:${display}`, '-m', '64', '-nodefaults', '-vga', 'std'];
  qemu.push('-machine', 'accel=tcg', '-monitor', 'none', '-serial', 'none', '-parallel', 'none');
  if (options.keymap) qemu.push('-k', options.keymap);
  const lifetime = String(options.lifetimeSeconds ?? 300);
  const child = spawn('timeout', ['--kill-after=5', lifetime, 'qemu-system-x86_64', ...qemu], { stdio: 'ignore' });
  await waitForPort(port, child);
  return { port, stop: stopper(child) };
}
