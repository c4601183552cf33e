import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect, type Page } from '@playwright/test';
import type { PoolOptions } from '@xwc/xapi-sim';
import { startStack, type Stack } from '../support/stack.ts';

/** A fresh simulated pool and gateway per test (about 0.1 s), serving the production build of the UI. */

const uiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../apps/web/dist');

export const test = base.extend<{ stack: Stack; gatewayEnv: Record<string, string>; pool: PoolOptions }>({
  /** Gateway settings for a spec's tests: `test.use({ gatewayEnv: { CONSOLE_SHARING: 'always' } })`. */
  gatewayEnv: [{}, { option: true }],
  /** The simulated pool: `test.use({ pool: { seed: 'scale', vms: 30 } })` (the demo pool by default). */
  pool: [{}, { option: true }],
  stack: async ({ gatewayEnv, pool }, use) => {
    if (!fs.existsSync(path.join(uiDir, 'index.html'))) throw new Error('Build the UI first: npx vite build');
    const stack = await startStack({ uiDir, env: gatewayEnv, pool });
    await use(stack);
    await stack.close();
  },
  baseURL: async ({ stack }, use) => {
    await use(stack.baseUrl);
  },
});

export { expect };

/** Logs in through the login page and waits for the inventory tree. */
export async function logIn(page: Page, stack: Stack, username = 'root', path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(stack.password(username));
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await expect(page.getByRole('tree')).toBeVisible();
}

/** The uuid of a simulated VM by name. */
export function vmUuid(stack: Stack, name: string): string {
  return String(stack.pool.vm(name).record.uuid);
}

/** A row of the inventory tree by its exact label. */
export function treeItem(page: Page, label: string) {
  return page.getByRole('treeitem', { name: label, exact: true });
}

export interface Picture {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/**
 * The console canvas (or another, e.g. the recording player's) as RGBA bytes (noVNC draws at the framebuffer's own
 * size; scaling is CSS only).
 */
export async function canvasPicture(page: Page, selector = '.console-screen canvas'): Promise<Picture> {
  const { width, height, base64 } = await page.locator(selector).evaluate((canvas: HTMLCanvasElement) => {
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let binary = '';
    for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return { width: canvas.width, height: canvas.height, base64: btoa(binary) };
  });
  return { width, height, rgba: new Uint8Array(Buffer.from(base64, 'base64')) };
}

/**
 * The live console's canvas. While a view moves onto a shared console, the previous connection's picture is held over
 * the new one (`.console-held`) until the new one has drawn: it is not the console to click or read.
 */
export function consoleCanvas(page: Page) {
  return page.locator('.console-screen > :not(.console-held) canvas');
}
