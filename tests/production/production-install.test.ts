import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startPool, type SimulatedPool } from '@xwc/xapi-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startChild, waitFor, type Child } from '../scale-out/support/processes.ts';
import { installProduction } from './built-tree.ts';

/**
 * The gateway as operators run it: the built tree installed with `npm ci --omit=dev` in a directory of its own, started
 * with `npm start`'s script in front of a simulated pool over verified TLS (the pool in this process, the gateway a
 * child process on loopback). Its metrics and readiness are scraped from the metrics listener.
 */
const WRONG_PASSWORD = 'a-wrong-password-typed-by-someone';
/** A share-link token in a path: what a label taken from the path would carry. */
const LINK_TOKEN = `xwcl_${randomBytes(24).toString('base64url')}`;
let dir: string;
let pool: SimulatedPool | undefined;
let gateway: Child | undefined;
let baseUrl: string;
let opsUrl: string;
let cookie: string;
let sessionRefs: string[];
let metricsText: string;

/** The `# TYPE` lines and samples of a Prometheus text exposition. */
function parseExposition(text: string): {
  types: Map<string, string>;
  samples: { name: string; labels: Record<string, string>; value: number }[];
} {
  const types = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

/** The metric a sample belongs to (a histogram's `_bucket`, `_sum` and `_count` series are its own). */
function familyOf(name: string, types: Map<string, string>): string {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return types.get(base) === 'histogram' ? base : name;
}

/** docs/metrics.md's table: name → type and labels. */
function documentedMetrics(): Map<string, { type: string; labels: string[] }> {
  const text = fs.readFileSync(path.resolve(import.meta.dirname, '../../docs/metrics.md'), 'utf8');
  const section = text.slice(text.indexOf('## Every metric'), text.indexOf('## Grafana panels'));
  const documented = new Map<string, { type: string; labels: string[] }>();
  for (const row of section.matchAll(/^\| `(\w+)` +\| (\w+) +\| ([^|]*)\|/gm)) {
    const labels = [...row[3]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!);
    documented.set(row[1]!, { type: row[2]!, labels });
  }
  return documented;
}

const sampleValue = (name: string, labels: Record<string, string>): number | undefined =>
  parseExposition(metricsText).samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;

async function readyz(): Promise<{ status: number; body: { ready: boolean; checks: Record<string, string> } }> {
  const response = await fetch(`${opsUrl}/readyz`);
  return {
    status: response.status,
    body: (await response.json()) as { ready: boolean; checks: Record<string, string> },
  };
}

beforeAll(async () => {
  dir = await installProduction();
  pool = await startPool({ authFailureDelayMs: 50, dataDir: path.join(dir, 'simulator') });
  gateway = startChild(process.execPath, ['scripts/start.mjs'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      XAPI_URL: pool.master.url,
      XAPI_CA_FILE: pool.caFile,
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
      DATA_DIR: path.join(dir, 'data'),
      LOG_LEVEL: 'debug',
      LOG_FILE: path.join(dir, 'gateway.log'),
      SHUTDOWN_DRAIN: '1',
    },
  });
  await waitFor(
    'the gateway to print its addresses',
    async () => /Metrics, .* at http/.test(gateway!.output()),
    30_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; it wrote:\n${gateway!.output()}`);
  });
  baseUrl = /XWC is serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(gateway.output())![1]!;
  opsUrl = /Metrics, \/healthz and \/readyz at (http:\/\/127\.0\.0\.1:\d+)/.exec(gateway.output())![1]!;

  const root = pool.users.find((u) => u.username === 'root')!;
  const login = await api({ baseUrl }, 'POST', '/api/session', {
    body: { username: 'root', password: root.password },
  });
  expect(login.status, login.text).toBe(200);
  cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const refused = await api({ baseUrl }, 'POST', '/api/session', {
    body: { username: 'root', password: WRONG_PASSWORD },
  });
  expect(refused.status).toBe(401);
  expect((await api({ baseUrl }, 'GET', '/api/objects/vm', { cookie })).status).toBe(200);

  const vm = String(pool.vm('Windows Server 2022').record.uuid);
  const viewer = await ConsoleClient.open(consoleUrl(baseUrl, 'vm', vm), { cookie, origin: baseUrl });
  expect(viewer.refused).toBeUndefined();
  await viewer.handshake();
  viewer.ws.close(1000);
  await viewer.closed;
  sessionRefs = pool.findRefs('session');
  expect(sessionRefs.length).toBeGreaterThan(0);
  expect((await api({ baseUrl }, 'GET', `/api/shared/${LINK_TOKEN}`)).status).toBeGreaterThanOrEqual(400);
  // The pool ends the sessions: XAPI's SESSION_INVALID carries the session ref, which must not become a label.
  pool.destroySessions();
  await api({ baseUrl }, 'GET', '/api/objects/vm', { cookie });
  sessionRefs.push(...pool.findRefs('session'));
  // The close is counted once the gateway has taken it in.
  await waitFor('the console close to be counted', async () => {
    metricsText = await (await fetch(`${opsUrl}/metrics`)).text();
    return sampleValue('xwc_console_closes_total', { mode: 'direct' }) === 1;
  });
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await pool?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a production install (npm ci --omit=dev on the built tree)', () => {
  it('holds no build or test tool, and serves the built UI', async () => {
    for (const tool of ['esbuild', 'vite', 'typescript', 'vitest', 'tsx']) {
      expect(fs.existsSync(path.join(dir, 'node_modules', tool)), tool).toBe(false);
    }
    const page = await fetch(`${baseUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200);
  });

  it("passes the Dockerfile's health check, which fails when nothing answers", () => {
    const dockerfile = fs.readFileSync(path.resolve(import.meta.dirname, '../../Dockerfile'), 'utf8');
    const command = /^HEALTHCHECK .*\\\n\s+CMD (.*)$/m.exec(dockerfile)![1]!;
    const check = (port: string): number | null =>
      spawnSync('sh', ['-c', command], { env: { PATH: process.env.PATH, METRICS_PORT: port }, timeout: 15_000 }).status;
    expect(check(new URL(opsUrl).port)).toBe(0);
    expect(check(new URL(baseUrl).port)).toBe(0);
    expect(check('9')).toBe(1);
  });

  it('counts what it served in /metrics: logins, XAPI calls, the console, process metrics', () => {
    expect(sampleValue('xwc_logins_total', { outcome: 'success', reason: '' })).toBe(1);
    expect(sampleValue('xwc_logins_total', { outcome: 'failure', reason: 'SESSION_AUTHENTICATION_FAILED' })).toBe(1);
    expect(
      sampleValue('xwc_xapi_call_seconds_count', { method: 'session.login_with_password', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue('xwc_xapi_errors_total', {
        method: 'session.login_with_password',
        code: 'SESSION_AUTHENTICATION_FAILED',
      }),
    ).toBe(1);
    expect(sampleValue('xwc_console_opens_total', { mode: 'direct' })).toBe(1);
    expect(sampleValue('xwc_consoles_open', { mode: 'direct' })).toBe(0);
    expect(sampleValue('xwc_upstream_connects_total', { outcome: 'ok' })).toBe(1);
    expect(sampleValue('xwc_console_bytes_total', { direction: 'to_browser' })).toBeGreaterThan(12);
    expect(sampleValue('xwc_http_responses_total', { area: 'session', status: '4xx' })).toBe(1);
    expect(sampleValue('xwc_session_store_up', {})).toBe(1);
    expect(sampleValue('xwc_http_responses_total', { area: 'shared', status: '4xx' })).toBe(1);
    expect(sampleValue('xwc_xapi_errors_total', { code: 'SESSION_INVALID' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue('process_resident_memory_bytes', {})).toBeGreaterThan(0);
  });

  it('never puts a session ref, a password or a cookie in /metrics or its logs', () => {
    const root = pool!.users.find((u) => u.username === 'root')!;
    const secrets = [...sessionRefs, root.password, WRONG_PASSWORD, cookie.split('=')[1]!, LINK_TOKEN];
    const logs = fs.readFileSync(path.join(dir, 'gateway.log'), 'utf8');
    const audit = fs.readFileSync(path.join(dir, 'data', 'audit.log'), 'utf8');
    // The logs did record the requests (at debug level, every XAPI call): an empty log would prove nothing.
    expect(logs).toContain('session.login_with_password');
    for (const secret of secrets) {
      expect(metricsText).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
    expect(metricsText).not.toMatch(/OpaqueRef:[0-9a-f]{8}-/);
  });

  it('documents every metric it exposes in docs/metrics.md, with its type and labels', () => {
    const { types, samples } = parseExposition(metricsText);
    const documented = documentedMetrics();
    expect([...documented.keys()].sort()).toEqual([...types.keys()].sort());
    for (const [name, type] of types) expect(documented.get(name)?.type, name).toBe(type);
    for (const sample of samples) {
      const family = familyOf(sample.name, types);
      const labels = Object.keys(sample.labels).filter((l) => l !== 'le');
      expect(labels.sort(), sample.name).toEqual([...documented.get(family)!.labels].sort());
    }
  });

  it('is ready while the pool answers, not ready once it stops, and stops cleanly on SIGTERM', async () => {
    const ready = await readyz();
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ ready: true, checks: { pool: 'ok' } });
    await pool!.close();
    pool = undefined;
    // One answer about the pool serves probes for two seconds.
    let notReady = ready;
    await waitFor('/readyz to report the pool down', async () => (notReady = await readyz()).status === 503);
    expect(notReady.body.ready).toBe(false);
    expect(notReady.body.checks.pool).toBe('unreachable');
    expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200);
    const child = gateway!;
    gateway = undefined;
    await child.stop('SIGTERM');
    expect(await child.exited).toBe(0);
  });
});
