import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromiumVersion } from './browser.ts';
import { ROOT } from './processes.ts';

/** What the figures were measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  os: string;
  node: string;
  chromium: string;
  websockify: string;
  numpy: string;
  xvnc: string;
  ws: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAtStart: number;
}

function debVersion(pkg: string): string {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' }).trim() || 'not installed';
  } catch {
    return 'not installed';
  }
}

export function describeMachine(): Machine {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const release = fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '';
  const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(release)?.[1] ?? os.type();
  const debian = fs.existsSync('/etc/debian_version') ? fs.readFileSync('/etc/debian_version', 'utf8').trim() : '';
  const wsPackage = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/ws/package.json'), 'utf8')) as {
    version: string;
  };
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: `${os.type()} ${os.release()}`,
    os: debian ? `${pretty} (${debian})` : pretty,
    node: process.version,
    chromium: chromiumVersion(),
    websockify: `Debian websockify ${debVersion('websockify')}`,
    numpy: debVersion('python3-numpy'),
    xvnc: `Debian TigerVNC Xvnc ${debVersion('tigervnc-standalone-server')}`,
    ws: `ws ${wsPackage.version}`,
    loadAtStart: os.loadavg()[0]!,
  };
}
