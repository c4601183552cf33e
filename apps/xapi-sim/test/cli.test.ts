import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { xmlrpc } from '@xwc/api-client';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

interface Ready {
  master: string;
  hosts: { name: string; address: string; url: string }[];
  users: { username: string; password: string; role: string }[];
  ca: string;
}

/** Starts the CLI, waits for its ready line, and returns a function that stops it with SIGTERM. */
async function startCli(
  args: string[],
): Promise<{ ready: Ready; stop: () => Promise<{ code: number | null; stdout: string }> }> {
  const child = spawn(process.execPath, [TSX, 'apps/xapi-sim/src/cli.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 20_000;
  while (!stdout.includes('\n')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`no ready line; stderr: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    ready: JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as Ready,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return { code, stdout };
    },
  };
}

function call(ready: Ready, method: string, params: string[]): Promise<xmlrpc.XapiOutcome> {
  const body = xmlrpc.encodeCall(method, params);
  return new Promise((resolve, reject) => {
    const req = request(
      `${ready.master}/`,
      { method: 'POST', ca: readFileSync(ready.ca), headers: { 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          const decoded = xmlrpc.decodeResponse(text);
          if (decoded.kind === 'value') resolve(xmlrpc.unwrapStatus(decoded.value));
          else reject(new Error('fault'));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('npm run sim', () => {
  it('prints one JSON ready line, serves the pool, and exits cleanly on SIGTERM', async () => {
    const { ready, stop } = await startCli(['--port', '0']);
    try {
      expect(ready.hosts.map((h) => h.name)).toEqual(['xcp-host-01', 'xcp-host-02', 'xcp-host-03']);
      expect(ready.hosts.map((h) => h.address)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13']);
      expect(ready.master).toBe(ready.hosts[0]!.url);
      expect(ready.users.map((u) => [u.username, u.role])).toEqual([
        ['root', 'pool-admin'],
        ['admin', 'pool-admin'],
        ['operator', 'pool-operator'],
        ['poweradmin', 'vm-power-admin'],
        ['vmadmin', 'vm-admin'],
        ['vmoperator', 'vm-operator'],
        ['readonly', 'read-only'],
      ]);
      expect(ready.users[0]!.password).toBe('xenroot');
      expect(readFileSync(ready.ca, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
      const operator = ready.users.find((u) => u.username === 'vmoperator')!;
      const login = await call(ready, 'session.login_with_password', [operator.username, operator.password]);
      expect(login.ok).toBe(true);
    } finally {
      const { code, stdout } = await stop();
      expect(code).toBe(0);
      expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(existsSync(ready.ca)).toBe(false);
  });

  it('takes the seed, sizes, root password, RFB version, VNC relays and data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'xapi-sim-cli-'));
    try {
      const { ready, stop } = await startCli([
        '--port',
        '0',
        '--seed',
        'scale',
        '--hosts',
        '4',
        '--vms',
        '40',
        '--rfb',
        '3.3',
        '--root-password',
        's3cret',
        '--data-dir',
        dataDir,
        '--vnc',
        'Debian 12 web=127.0.0.1:5999',
      ]);
      try {
        expect(ready.hosts).toHaveLength(4);
        expect(ready.ca).toBe(join(dataDir, 'ca.pem'));
        const root = await call(ready, 'session.login_with_password', ['root', 's3cret']);
        if (!root.ok) throw new Error(`login failed: ${root.code}`);
        const vms = await call(ready, 'VM.get_all', [root.value as string]);
        expect(vms.ok && vms.value).toHaveLength(44);
      } finally {
        expect((await stop()).code).toBe(0);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses bad arguments with a message and a failure status', async () => {
    await expect(startCli(['--seed', 'nope'])).rejects.toThrow(/--seed expects demo or scale/);
  });
});
