import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startPool, type SimulatedPool } from '@xwc/xapi-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startChild, waitFor, type Child } from '../scale-out/support/processes.ts';
import { ensureBuilt } from './built-tree.ts';

/**
 * The built gateway's life as a service (apps/proxy/dist/main.js, a child process serving HTTPS on loopback in front of
 * a simulated pool in this process): request ids from a browser request to its XAPI calls and audit line, SIGHUP
 * (log files reopened, the TLS certificate read again, consoles kept), SIGTERM (not ready first, then a drain, then
 * 1001 "reconnect").
 */
const main = path.resolve(import.meta.dirname, '../../apps/proxy/dist/main.js');
let dir: string;
let pool: SimulatedPool;
let gateway: Child | undefined;
let baseUrl: string;
let opsUrl: string;
let cookie: string;
/** One CA signing both certificates, so a client trusting it accepts the renewed one. */
let caPem: string;

/** A CA, and two certificates for 127.0.0.1 signed by it (the openssl CLI, as the simulator makes its own). */
function makeCertificates(): void {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=xwc test CA', '-days', '2');
  for (const name of ['first', 'second']) {
    run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    run(
      'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.pem`, '-days', '2', '-extfile', 'san.ext',
    ); // prettier-ignore
  }
  caPem = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8');
}

/** An HTTPS call as the UI makes it (same origin, the session cookie), trusting the test CA. */
function call(
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; text: string; cookie?: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      `${baseUrl}${urlPath}`,
      {
        method,
        ca: caPem,
        headers: {
          origin: baseUrl,
          ...(cookie ? { cookie } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            text,
            ...(response.headers['set-cookie'] ? { cookie: response.headers['set-cookie'][0]!.split(';')[0]! } : {}),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The SHA-256 fingerprint of the certificate the gateway presents to a new connection now. */
function presented(): Promise<string> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: caPem }, () => {
      resolve(socket.getPeerX509Certificate()!.fingerprint256);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

const fingerprintOf = (file: string): string =>
  new X509Certificate(fs.readFileSync(path.join(dir, file))).fingerprint256;

const jsonLines = (file: string): Record<string, unknown>[] =>
  fs
    .readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function openConsole(): Promise<ConsoleClient> {
  const vm = String(pool.vm('Windows Server 2022').record.uuid);
  const viewer = await ConsoleClient.open(consoleUrl(baseUrl, 'vm', vm), { cookie, origin: baseUrl, ca: caPem });
  expect(viewer.refused).toBeUndefined();
  await viewer.handshake();
  return viewer;
}

beforeAll(async () => {
  await ensureBuilt();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-life-'));
  makeCertificates();
  fs.copyFileSync(path.join(dir, 'first.pem'), path.join(dir, 'cert.pem'));
  fs.copyFileSync(path.join(dir, 'first.key'), path.join(dir, 'key.pem'));
  pool = await startPool({ authFailureDelayMs: 50, dataDir: path.join(dir, 'simulator') });
  gateway = startChild(process.execPath, ['--enable-source-maps', main], {
    env: {
      PATH: process.env.PATH,
      XAPI_URL: pool.master.url,
      XAPI_CA_FILE: pool.caFile,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      TLS_CERT_FILE: path.join(dir, 'cert.pem'),
      TLS_KEY_FILE: path.join(dir, 'key.pem'),
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'debug',
      LOG_FILE: path.join(dir, 'gateway.log'),
      AUDIT_LOG: path.join(dir, 'audit.log'),
      SHUTDOWN_DELAY: '3',
      SHUTDOWN_DRAIN: '2',
    },
  });
  await waitFor('the gateway to print its addresses', async () => /\/readyz at http/.test(gateway!.output()), 30_000);
  baseUrl = /XWC is serving .* at (https:\/\/127\.0\.0\.1:\d+)/.exec(gateway.output())![1]!;
  opsUrl = /\/readyz at (http:\/\/127\.0\.0\.1:\d+)/.exec(gateway.output())![1]!;
  const root = pool.users.find((u) => u.username === 'root')!;
  const login = await call('POST', '/api/session', { username: 'root', password: root.password });
  expect(login.status, login.text).toBe(200);
  cookie = login.cookie!;
}, 120_000);

afterAll(async () => {
  await gateway?.stop('SIGKILL');
  await pool?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the built gateway as a service', () => {
  it('ties a browser request to its XAPI calls and its audit line with one request id', async () => {
    // The request line is written when the response has finished, which the client can see first.
    const isLogin = (l: Record<string, unknown>) =>
      l.msg === 'request' && l.path === '/api/session' && l.method === 'POST';
    await waitFor('the login request line', async () => jsonLines('gateway.log').some(isLogin));
    const logs = jsonLines('gateway.log');
    const request = logs.find(isLogin);
    expect(request?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const id = request!.requestId;
    expect(logs).toContainEqual(
      expect.objectContaining({ msg: 'xapi call', method: 'session.login_with_password', requestId: id }),
    );
    expect(jsonLines('audit.log')).toContainEqual(
      expect.objectContaining({ event: 'login', outcome: 'success', requestId: id }),
    );
    // Another request has another id.
    expect(logs.filter((l) => l.requestId === id && l.msg === 'request')).toHaveLength(1);
  });

  it('on SIGHUP reopens its log files and presents a renewed certificate, and open consoles stay up', async () => {
    expect(await presented()).toBe(fingerprintOf('first.pem'));
    const viewer = await openConsole();
    // logrotate: the files are moved away, the gateway told to reopen them by name.
    fs.renameSync(path.join(dir, 'gateway.log'), path.join(dir, 'gateway.log.1'));
    fs.renameSync(path.join(dir, 'audit.log'), path.join(dir, 'audit.log.1'));
    fs.copyFileSync(path.join(dir, 'second.pem'), path.join(dir, 'cert.pem'));
    fs.copyFileSync(path.join(dir, 'second.key'), path.join(dir, 'key.pem'));
    process.kill(gateway!.pid, 'SIGHUP');
    await waitFor('the reload', async () => fs.existsSync(path.join(dir, 'gateway.log')));
    await waitFor('the reload to be logged', async () =>
      jsonLines('gateway.log').some((l) => String(l.msg).startsWith('reloaded')),
    );
    expect(await presented()).toBe(fingerprintOf('second.pem'));
    // The console opened before the reload still carries the pool's screen updates.
    viewer.discard();
    viewer.send([3, 0, 0, 0, 0, 0, 0, 16, 0, 16]);
    expect((await viewer.read(4))[0]).toBe(0);
    // New lines go to the new files.
    expect((await call('GET', '/api/session')).status).toBe(200);
    await waitFor('a request line in the new log', async () =>
      jsonLines('gateway.log').some((l) => l.msg === 'request'),
    );
    viewer.ws.close(1000);
    await viewer.closed;
    await waitFor('the close in the new audit log', async () =>
      jsonLines('audit.log').some((l) => l.event === 'console-close'),
    );
  });

  it('on SIGTERM is not ready first, then drains, closes consoles with 1001 "reconnect", and exits 0', async () => {
    const viewer = await openConsole();
    expect((await fetch(`${opsUrl}/readyz`)).status).toBe(200);
    process.kill(gateway!.pid, 'SIGTERM');
    await waitFor('/readyz to say draining', async () => (await fetch(`${opsUrl}/readyz`)).status === 503);
    const readiness = (await (await fetch(`${opsUrl}/readyz`)).json()) as { checks: Record<string, string> };
    expect(readiness.checks.draining).toBe('stopping');
    // SHUTDOWN_DELAY: still serving while load balancers notice.
    expect((await call('GET', '/api/session')).status).toBe(200);
    expect(await viewer.closed).toEqual({ code: 1001, reason: 'The gateway is shutting down; reconnect.' });
    expect(await gateway!.exited).toBe(0);
    expect(gateway!.output()).toContain('SIGTERM: stopping');
    gateway = undefined;
  });
});
