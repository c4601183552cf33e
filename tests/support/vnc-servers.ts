import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * A 512-byte boot sector for `startQemu`: it waits for a key (so a test can see the text screen first and prove a key
 * reached the guest), then switches to VGA mode 13h and fills the screen with bands of the 256-colour palette, four
 * pixels wide: a picture with many colours and short runs, at another screen size (QEMU shows it as 640×400).
 */
export function colourBootSector(): Buffer {
  // prettier-ignore
  const code = [
    0x31, 0xc0, //       xor ax, ax
    0xcd, 0x16, //       int 16h        ; wait for a key
    0xb8, 0x13, 0x00, // mov ax, 13h
    0xcd, 0x10, //       int 10h        ; 320×200, 256 colours
    0x68, 0x00, 0xa0, // push 0a000h
    0x07, //             pop es
    0x31, 0xff, //       xor di, di
    0xb9, 0x00, 0xfa, // mov cx, 64000
    0x89, 0xf8, //       fill: mov ax, di
    0xc1, 0xe8, 0x02, // shr ax, 2      ; colour = offset / 4
    0xaa, //             stosb
    0xe2, 0xf8, //       loop fill
    0xfa, //             cli
    0xf4, //             halt: hlt
    0xeb, 0xfd, //       jmp halt
  ];
  const sector = Buffer.alloc(512);
  Buffer.from(code).copy(sector);
  sector.writeUInt16LE(0xaa55, 510);
  return sector;
}

/**
 * QEMU as an HVM guest's console server: software emulation, VNC on loopback. Without a boot sector there is no disk
 * and the SeaBIOS screen ends with "No bootable device"; with one, it boots it (from a temporary file, writes kept
 * apart). Run under `timeout` so it cannot outlive `lifetimeSeconds` even if the test process dies; stopped by PID
 * (timeout passes the signal on to QEMU).
 */
export async function startQemu(
  options: { lifetimeSeconds?: number; keymap?: string; bootSector?: Buffer } = {},
): Promise<VncServer> {
  const display = freeDisplay();
  const port = 5900 + display;
  const qemu = ['-display', 'none', '-vnc', `127.0.0.1:${display}`, '-m', '64', '-nodefaults', '-vga', 'std'];
  qemu.push('-machine', 'accel=tcg', '-monitor', 'none', '-serial', 'none', '-parallel', 'none');
  if (options.keymap) qemu.push('-k', options.keymap);
  let dir: string | null = null;
  if (options.bootSector) {
    dir = mkdtempSync(join(tmpdir(), 'xwc-qemu-'));
    const disk = join(dir, 'boot.img');
    writeFileSync(disk, options.bootSector);
    qemu.push('-drive', `file=${disk},format=raw,if=ide,snapshot=on`);
  }
  const lifetime = String(options.lifetimeSeconds ?? 300);
  const child = spawn('timeout', ['--kill-after=5', lifetime, 'qemu-system-x86_64', ...qemu], { stdio: 'ignore' });
  const stop = stopper(child);
  const cleanUp = async () => {
    await stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child);
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return { port, stop: cleanUp };
}
