import type { BrowserContext, WebSocketRoute } from '@playwright/test';
import WebSocket from 'ws';
import type { Stack } from '../support/stack.ts';
import { expect, logIn, test } from './fixtures.ts';

/**
 * The gateway's close codes reach the web app as the shared contract says: a policy close (1008 after a ping flood)
 * stops the view with a word and is never answered by reconnecting. A browser cannot send WebSocket pings, so each
 * page socket is relayed through a Node client that can: the flood, the gateway's close and its code are real.
 */

interface Relay {
  /** Page sockets opened so far (a console may open a second one as it starts: preconnect, rejoin). */
  readonly opened: () => number;
  /** Floods the newest upstream with pings; resolves with the gateway's close code. */
  flood(): Promise<number>;
}

async function relay(context: BrowserContext, stack: Stack, path: RegExp, protocols: string[] = []): Promise<Relay> {
  const cookie = (await context.cookies(stack.baseUrl)).map((c) => `${c.name}=${c.value}`).join('; ');
  const upstreams: WebSocket[] = [];
  await context.routeWebSocket(path, (route: WebSocketRoute) => {
    const url = new URL(route.url());
    const target = `${stack.baseUrl.replace(/^http/, 'ws')}${url.pathname}`;
    const upstream = new WebSocket(target, protocols, {
      headers: { Cookie: cookie, Origin: stack.baseUrl },
    });
    upstreams.push(upstream);
    upstream.on('message', (data: Buffer, binary: boolean) => route.send(binary ? data : data.toString()));
    upstream.on('close', (code, reason) => void route.close({ code, reason: reason.toString() }));
    route.onMessage((message) => upstream.readyState === upstream.OPEN && upstream.send(message));
    route.onClose(() => upstream.close());
  });
  return {
    opened: () => upstreams.length,
    async flood() {
      const upstream = upstreams.at(-1)!;
      if (upstream.readyState !== upstream.OPEN) await new Promise((resolve) => upstream.once('open', resolve));
      const closed = new Promise<number>((resolve) => upstream.once('close', resolve));
      for (let i = 0; i < 200 && upstream.readyState === upstream.OPEN; i++) upstream.ping();
      return closed;
    },
  };
}

/** Longer than the first reconnect delays (0.5 s, then 1 s): a view that reconnects would have by then. */
const RECONNECT_WINDOW_MS = 3000;

test('the wall stops after a ping flood (1008) and does not reconnect', async ({ page, stack }) => {
  await logIn(page, stack, 'root');
  const wall = await relay(page.context(), stack, /\/api\/wall$/);
  await page.goto('/wall');
  await expect(page.getByRole('status').filter({ hasText: 'Thumbnails refresh every' })).toBeVisible();
  const opened = wall.opened();
  expect(await wall.flood()).toBe(1008);
  await expect(page.getByRole('alert')).toContainText('Too many control frames.');
  await page.waitForTimeout(RECONNECT_WINDOW_MS);
  expect(wall.opened()).toBe(opened);
  await expect(page.getByRole('alert')).toContainText('Too many control frames.');
});

test('a console stops after a ping flood (1008), says why, and waits for Reconnect', async ({ page, stack }) => {
  await logIn(page, stack, 'root');
  const consoles = await relay(page.context(), stack, /\/api\/consoles\//, ['binary']);
  const uuid = String(stack.pool.vm('Windows Server 2022').record.uuid);
  await page.goto(`/console/vm/${uuid}`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  const opened = consoles.opened();
  expect(await consoles.flood()).toBe(1008);
  await expect(page.getByText('The browser sent too many control frames; the console was closed.')).toBeVisible();
  await page.waitForTimeout(RECONNECT_WINDOW_MS);
  expect(consoles.opened()).toBe(opened);
  await expect(page.getByRole('button', { name: 'Reconnect' })).toBeVisible();
});
