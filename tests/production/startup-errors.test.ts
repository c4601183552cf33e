import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startChild, waitFor } from '../scale-out/support/processes.ts';
import { ensureBuilt } from './built-tree.ts';

/**
 * Bad input at start: the built gateway (apps/proxy/dist/main.js, as `npm start` runs it) refuses to start with one
 * line naming the problem and the documented exit code (docs/configuration.md, "Exit codes"), or, for a Redis that
 * does not answer, starts and reports not-ready.
 */
const main = path.resolve(import.meta.dirname, '../../apps/proxy/dist/main.js');
let dir: string;
/** A pool address nothing answers on: these gateways never get as far as calling it. */
const NO_POOL = 'https://127.0.0.1:9';
const PINNED = { XAPI_URL: NO_POOL, XAPI_FINGERPRINT: 'ab'.repeat(32) };

beforeAll(async () => {
  await ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-startup-'));
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the gateway to its exit (at most 20 s) with these settings and arguments. */
function run(
  settings: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [main, ...args], {
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      DATA_DIR: path.join(dir, 'data'),
      ...settings,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

function configFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

/** One line on standard error, naming the problem; nothing on standard output. */
function expectOneLine(result: { stderr: string; stdout: string }, ...parts: string[]): void {
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  for (const part of parts) expect(lines[0]).toContain(part);
  expect(result.stdout).toBe('');
}

/** A listener of this test on a loopback port, to be in the gateway's way. */
async function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('a configuration file', () => {
  it('with an unknown key: exit 2, naming the file and the key', async () => {
    const file = configFile('unknown.json', JSON.stringify({ PORT: 8080, PROT: 8080 }));
    const result = await run({}, ['--config', file]);
    expect(result.code).toBe(2);
    expectOneLine(result, 'Configuration error', file, 'unknown setting "PROT"');
  });

  it('with a value of the wrong type: exit 2, naming the key and the value (a secret is not echoed)', async () => {
    const file = configFile('type.json', JSON.stringify({ PORT: '8080' }));
    const result = await run({ CONFIG_FILE: file });
    expect(result.code).toBe(2);
    expectOneLine(result, file, 'PORT must be a whole number, got "8080"');

    const secret = configFile('secret.json', JSON.stringify({ SESSION_SECRET: 1234567890123 }));
    const hidden = await run({}, ['--config', secret]);
    expect(hidden.code).toBe(2);
    expectOneLine(hidden, 'SESSION_SECRET must be a string, got a value');
    expect(hidden.stderr).not.toContain('1234567890123');
  });

  it('that is not JSON, or missing: exit 2, saying so', async () => {
    const broken = await run({}, ['--config', configFile('broken.json', '{ "PORT": 80,')]);
    expect(broken.code).toBe(2);
    expectOneLine(broken, 'is not valid JSON');
    const missing = await run({}, ['--config', path.join(dir, 'nowhere.json')]);
    expect(missing.code).toBe(2);
    expectOneLine(missing, 'cannot read the configuration file', 'ENOENT');
  });

  it('under the environment, which wins', async () => {
    const file = configFile('port.json', JSON.stringify({ PORT: 8080 }));
    const result = await run({ PORT: 'eighty' }, ['--config', file]);
    expect(result.code).toBe(2);
    expectOneLine(result, 'PORT');
    expect(result.stderr).toContain('eighty');
  });
});

describe('the environment and the command line', () => {
  it('a bad value: exit 2, naming the setting', async () => {
    const result = await run({ LOG_LEVEL: 'loud' });
    expect(result.code).toBe(2);
    expectOneLine(result, 'LOG_LEVEL');
  });

  it('an unknown option: exit 2, pointing at --help; --help lists every setting and the exit codes', async () => {
    const unknown = await run({}, ['--bogus']);
    expect(unknown.code).toBe(2);
    expectOneLine(unknown, '--bogus', '--help');
    const help = await run({}, ['--help']);
    expect(help.code).toBe(0);
    for (const setting of ['XAPI_URL', 'XAPI_CA_FILE', 'METRICS_PORT', 'REDIS_URL', 'SHUTDOWN_DRAIN', 'LOG_FILE']) {
      expect(help.stdout).toContain(`  ${setting} `);
    }
    expect(help.stdout).toContain('Exit codes: 0');
  });
});

describe('what the gateway needs at start', () => {
  it('a port in use: exit 3, naming the settings and the address', async () => {
    const taken = await occupy();
    try {
      const result = await run({ ...PINNED, PORT: String(taken.port) });
      expect(result.code).toBe(3);
      expectOneLine(result, 'HOST, PORT', `127.0.0.1:${taken.port}`, 'already in use (EADDRINUSE)');
      const metrics = await run({ ...PINNED, METRICS_PORT: String(taken.port) });
      expect(metrics.code).toBe(3);
      expect(metrics.stderr).toContain(`METRICS_HOST, METRICS_PORT: cannot listen on 127.0.0.1:${taken.port}`);
    } finally {
      await taken.close();
    }
  });

  it('an unreadable CA file: exit 4, naming the setting, the file and why', async () => {
    const missing = path.join(dir, 'missing-ca.pem');
    const absent = await run({ XAPI_URL: NO_POOL, XAPI_CA_FILE: missing });
    expect(absent.code).toBe(4);
    expectOneLine(absent, `XAPI_CA_FILE: cannot read ${missing} (ENOENT)`);

    const directory = await run({ XAPI_URL: NO_POOL, XAPI_CA_FILE: dir });
    expect(directory.code).toBe(4);
    expectOneLine(directory, `XAPI_CA_FILE: cannot read ${dir} (EISDIR)`);

    const notPem = configFile('not-a-ca.pem', 'this is not a certificate\n');
    const garbage = await run({ XAPI_URL: NO_POOL, XAPI_CA_FILE: notPem });
    expect(garbage.code).toBe(4);
    expectOneLine(garbage, `XAPI_CA_FILE: ${notPem} holds no PEM certificate`);
  });

  it('a Redis that does not answer: starts, and /readyz says the session store is unreachable', async () => {
    const redisPort = await freePort();
    const gateway = startChild(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        DATA_DIR: path.join(dir, 'redis-data'),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
        SHUTDOWN_DRAIN: '0',
      },
    });
    try {
      await waitFor('the metrics listener', async () => /\/readyz at http/.test(gateway.output()), 30_000);
      const opsUrl = /\/readyz at (http:\/\/127\.0\.0\.1:\d+)/.exec(gateway.output())![1]!;
      const response = await fetch(`${opsUrl}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ ready: false, checks: { pool: 'ok', sessionStore: 'unreachable' } });
      expect(gateway.output()).toContain('session store (Redis) unavailable');
      expect(gateway.output()).not.toContain('a-session-secret-of-at-least-32-characters');
    } finally {
      await gateway.stop();
    }
    expect(await gateway.exited).toBe(0);
  });
});
