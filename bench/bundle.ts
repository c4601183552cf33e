import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, VIEWPORT } from './lib/browser.ts';
import { measured, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { startGatewayStack } from './lib/stack.ts';

/**
 * The JavaScript the UI makes a browser download: Chromium records every script response while it loads the
 * login page, logs in to the inventory, then opens a VM's console (in-app navigation to its Console tab).
 * Sizes are the bytes the gateway sent (the response bodies as Chromium received them, in the encoding the gateway
 * chose: the build's pre-compressed copies). noVNC is found by content (its RFB class), and must be fetched only
 * when the console opens.
 */

const VM = 'Windows Server 2022';
const kB = 1000;

export const bundle: Scenario = {
  name: 'bundle',
  title: 'Bundle',
  method:
    'The UI built from the current sources (vite build, the project config). Chromium loads the login page, logs ' +
    'in (inventory tree shown), then opens a VM console in the app; every script response is recorded per phase. ' +
    'Sizes: the response bodies as the gateway sent them (Chromium’s encoded body size), in the encoding it chose ' +
    'from the build’s pre-compressed copies (named per file). noVNC is identified by content.',
  allotment: { full: 25, quick: 15 },
  async run(ctx: Context): Promise<Row[]> {
    const uiDir = await ctx.uiDir();
    const assets = path.join(uiDir, 'assets');
    const isNoVnc = (name: string): boolean =>
      name.endsWith('.js') && fs.readFileSync(path.join(assets, name), 'utf8').includes('_rfbVersion');
    const stack = await startGatewayStack({ uiDir, login: false, env: { LOGIN_ATTEMPTS_PER_USER: '100' } });
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: VIEWPORT });
      const page = await context.newPage();
      type Phase = 'login' | 'inventory' | 'console';
      let phase = 'login' as Phase;
      const scripts: Record<Phase, Set<string>> = { login: new Set(), inventory: new Set(), console: new Set() };
      /** Per file: the bytes the gateway sent and their Content-Encoding. */
      const sent = new Map<string, { bytes: number; encoding: string }>();
      const sizing: Promise<void>[] = [];
      page.on('response', (response) => {
        const url = new URL(response.url());
        if (response.request().resourceType() === 'script' && url.pathname.startsWith('/assets/')) {
          const name = path.basename(url.pathname);
          scripts[phase].add(name);
          sizing.push(
            response
              .request()
              .sizes()
              .then(({ responseBodySize }) => {
                const encoding = response.headers()['content-encoding'] ?? 'identity';
                sent.set(name, { bytes: responseBodySize, encoding });
              }),
          );
        }
      });
      await page.goto(stack.url);
      await page.getByLabel('User name').waitFor();
      await page.waitForLoadState('networkidle');
      phase = 'inventory';
      await page.getByLabel('User name').fill('root');
      await page.getByLabel('Password').fill('xenroot');
      await page.getByRole('button', { name: 'Log in', exact: true }).click();
      await page.getByRole('treeitem', { name: VM }).first().waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle');
      phase = 'console';
      const uuid = await page.evaluate(async (name) => {
        const body = (await (await fetch('/api/objects/vm')).json()) as {
          records: Record<string, { name_label: string }>;
        };
        return Object.keys(body.records).find((u) => body.records[u]!.name_label === name)!;
      }, VM);
      await page.evaluate((to) => {
        history.pushState(null, '', to);
        dispatchEvent(new PopStateEvent('popstate'));
      }, `/object/vm/${uuid}/console`);
      await page.locator('.console-screen canvas').waitFor({ timeout: 30_000 });
      await page.waitForLoadState('networkidle');
      await Promise.all(sizing);
      await context.close();

      const sentBytes = (name: string): number => sent.get(name)?.bytes ?? NaN;
      const size = (names: Iterable<string>): number => [...names].reduce((s, n) => s + sentBytes(n), 0);
      const initial = new Set([...scripts.login, ...scripts.inventory]);
      const initialKb = size(initial) / kB;
      const noVncFiles = fs.readdirSync(assets).filter(isNoVnc);
      const early = noVncFiles.filter((f) => initial.has(f));
      const late = noVncFiles.filter((f) => scripts.console.has(f));
      const list = (names: Iterable<string>): string =>
        [...names]
          .map((n) => `${n} ${(sentBytes(n) / kB).toFixed(1)} (${sent.get(n)?.encoding ?? 'not fetched'})`)
          .join(', ') || 'none';
      ctx.log(`  login page: ${list(scripts.login)}`);
      ctx.log(`  + inventory: ${list(scripts.inventory)}`);
      ctx.log(`  + console: ${list(scripts.console)}`);
      const lazy = early.length === 0 && late.length > 0;
      return [
        {
          id: 'bundle.initial',
          measure: 'Initial JavaScript sent, login and inventory pages',
          unit: 'kB',
          higherIsBetter: false,
          ours: measured([initialKb], { detail: `files (kB sent, encoding): ${list(initial)}` }),
          budget: 150,
          target: { text: '≤ 150 kB sent, noVNC only with a console', pass: initialKb <= 150 && lazy },
          notes: [
            lazy
              ? `noVNC (${list(noVncFiles)}) is fetched only when a console opens`
              : `noVNC NOT lazy: fetched before any console (${early.join(', ') || 'never fetched'})`,
          ],
        },
        {
          id: 'bundle.login',
          measure: 'JavaScript sent for the login page alone',
          unit: 'kB',
          higherIsBetter: false,
          ours: measured([size(scripts.login) / kB]),
        },
        {
          id: 'bundle.console',
          measure: 'JavaScript sent when a console opens, noVNC included',
          unit: 'kB',
          higherIsBetter: false,
          ours: measured([size(scripts.console) / kB], {
            detail: `files (kB sent, encoding): ${list(scripts.console)}`,
          }),
        },
      ];
    } finally {
      await browser.close();
      await stack.stop();
    }
  },
};
