import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { consoleCanvas } from './fixtures.ts';

/**
 * The README's promise, end to end: `npm start` (scripts/start.mjs) with no XAPI_URL runs the product on the
 * embedded simulated pool, prints where it serves and who may log in, and a printed user gets a VM's console.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Started {
  child: ChildProcess;
  url: string;
  users: Map<string, { password: string; role: string }>;
  output: () => string;
}

/** Runs `npm start`'s script on a free port and reads its banner (bounded: 60 s). */
function startProduct(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, XAPI_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no banner in 60 s:\n${output}`)), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output}`));
    });
    const check = (): void => {
      const url = /XWC is serving the simulated demo pool at (\S+)/.exec(output)?.[1];
      const table = output.slice(output.indexOf('Log in with any of these simulated users:'));
      const users = new Map<string, { password: string; role: string }>();
      for (const [, username, password, role] of table.matchAll(/^ {2}(\S+)\s+(\S+)\s+(\S+)$/gm))
        users.set(username!, { password: password!, role: role! });
      if (!url || !users.has('vmoperator')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, url, users, output: () => output });
    };
    child.stdout!.on('data', check);
  });
}

/** Stops the process group we started (the launcher and its gateway child), by PID. */
async function stopProduct(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

test('npm start serves the demo pool; a printed user logs in and sees a VM console', async ({ page }) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-start-'));
  const product = await startProduct(dataDir);
  try {
    expect(product.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect([...product.users.values()].map((u) => u.role)).toEqual(
      expect.arrayContaining(['pool-admin', 'pool-operator', 'vm-power-admin', 'vm-admin', 'vm-operator', 'read-only']),
    );

    await page.goto(product.url);
    await page.getByLabel('User name').fill('vmoperator');
    await page.getByLabel('Password').fill(product.users.get('vmoperator')!.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('treeitem', { name: 'Debian 12 web', exact: true }).click();
    await page.getByRole('link', { name: 'Console', exact: true }).click();
    await expect(page.locator('.console-status')).toContainText('Connected');
    await expect(consoleCanvas(page)).toBeVisible();

    // The audit log under DATA_DIR records the login and the console as that user.
    const audited = (): string[] =>
      fs
        .readFileSync(path.join(dataDir, 'audit.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { event: string; user: string; outcome?: string })
        .filter((entry) => entry.user === 'vmoperator')
        .map((entry) => `${entry.event}${entry.outcome ? `:${entry.outcome}` : ''}`);
    await expect.poll(audited).toEqual(expect.arrayContaining(['login:success', 'console-open']));
  } finally {
    await stopProduct(product.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
