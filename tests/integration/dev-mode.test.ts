import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startViteDevServer } from '../../scripts/vite-dev.ts';
import { rawHttp, requestText } from '../support/raw-http.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * `npm run dev`: the gateway in front of Vite's dev server on one origin — the page, modules and the hot-reload
 * WebSocket come through the gateway with production's checks. The real command serves the real app; hot reload is
 * shown on a fixture app in a temporary directory (the source tree is never touched).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The token Vite's client sends with its WebSocket (written into /@vite/client). */
async function hmrToken(base: string): Promise<string> {
  const client = await (await fetch(`${base}/@vite/client`)).text();
  return /const wsToken = "([^"]+)"/.exec(client)![1]!;
}

/** Opens the hot-reload WebSocket through `base`; resolves with the socket and its messages so far (live array). */
function openHmr(base: string, token: string, origin: string) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/?token=${encodeURIComponent(token)}`, 'vite-hmr', {
    headers: { origin },
  });
  const messages: { type: string; [key: string]: unknown }[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as { type: string }));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, messages, opened };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('npm run dev', () => {
  let child: ChildProcess;
  let base: string;
  let dataDir: string;
  let output = '';

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-dev-'));
    // The script `npm run dev` runs (tsx scripts/dev.mjs), in a process of its own, on free ports.
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.mjs'], {
      cwd: root,
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, AUDIT_LOG: path.join(dataDir, 'audit.log') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    base = await until(
      'the gateway to listen',
      () => /is serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1],
      60_000,
    );
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it("serves Vite's page through the gateway with production's headers and the run's nonce", async () => {
    const page = await fetch(`${base}/object/vm/x`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    const nonce = /'nonce-([A-Za-z0-9_-]+)'/.exec(csp)![1]!;
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}'`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const html = await page.text();
    expect(html).toContain(`<script type="module" src="/@vite/client" nonce="${nonce}">`);
    // Every inline script carries the nonce, or the CSP would block it.
    for (const tag of html.match(/<script(?![^>]*\bsrc=)[^>]*>/g) ?? []) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('serves the app’s modules from Vite, transformed for hot reload', async () => {
    const module = await fetch(`${base}/src/main.tsx`);
    expect(module.status).toBe(200);
    expect(module.headers.get('content-type')).toMatch(/javascript/);
    expect(await module.text()).toContain('/src/app/render.tsx');
    const component = await (await fetch(`${base}/src/details/DetailsPanel.tsx`)).text();
    expect(component).toContain('import.meta.hot');
  });

  it('relays the hot-reload WebSocket on the same origin, and refuses it from another', async () => {
    const token = await hmrToken(base);
    const hmr = openHmr(base, token, base);
    await hmr.opened;
    await until('Vite to greet', () => hmr.messages.find((m) => m.type === 'connected'));
    hmr.ws.close();
    await expect(openHmr(base, token, 'http://evil.example').opened).rejects.toThrow('upgrade refused: 403');
  });

  it('answers the API on the same origin, with the same cookie', async () => {
    const login = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ username: 'root', password: 'xenroot' }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${base}/api/session`, { headers: { cookie } })).status).toBe(200);
  });
});

describe('hot reload through the gateway', () => {
  let stack: Stack;
  let app: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    app = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-hmr-'));
    fs.writeFileSync(path.join(app, 'index.html'), '<!doctype html><script type="module" src="/greeting.js"></script>');
    fs.writeFileSync(
      path.join(app, 'greeting.js'),
      "export const greeting = 'hello';\nif (import.meta.hot) import.meta.hot.accept();\n",
    );
    const nonce = 'fixture-nonce-0123456789';
    const { vite, url } = await startViteDevServer({ nonce, config: { configFile: false, root: app, plugins: [] } });
    close = () => vite.close();
    stack = await startStack({ env: { DEV_SERVER_URL: url, DEV_CSP_NONCE: nonce } });
  });
  afterAll(async () => {
    await stack?.close();
    await close?.();
    fs.rmSync(app, { recursive: true, force: true });
  });

  it('sends an edit of a module to the browser over the relayed WebSocket, and serves the new code', async () => {
    const base = stack.baseUrl;
    expect(await (await fetch(`${base}/greeting.js`)).text()).toContain("'hello'");
    const hmr = openHmr(base, await hmrToken(base), base);
    await hmr.opened;
    await until('Vite to greet', () => hmr.messages.find((m) => m.type === 'connected'));
    fs.writeFileSync(
      path.join(app, 'greeting.js'),
      "export const greeting = 'hello again';\nif (import.meta.hot) import.meta.hot.accept();\n",
    );
    const update = await until('the update', () => hmr.messages.find((m) => m.type === 'update'));
    expect(JSON.stringify(update)).toContain('/greeting.js');
    hmr.ws.close();
    expect(await (await fetch(`${base}/greeting.js`)).text()).toContain("'hello again'");
  });

  it('still refuses what the gateway refuses in production: other methods and unknown hosts', async () => {
    const base = stack.baseUrl;
    expect((await fetch(`${base}/greeting.js`, { method: 'POST', headers: { origin: base } })).status).toBe(405);
    const foreign = await rawHttp(base, requestText(base, { target: '/greeting.js', host: 'evil.example' }));
    expect(foreign.status).toBe(421);
  });
});
