import type { Page } from '@playwright/test';
import type { Stack } from '../support/stack.ts';
import { consoleCanvas, expect, logIn, test } from './fixtures.ts';

/**
 * The console wall on a generated pool of 30 VMs, 20 of them running: a live thumbnail for every running console on
 * screen (and none for those scrolled away), the state of the others, why a role may not see them, and a click
 * through to the console, which shares the thumbnail's one connection to the pool.
 */

const RUNNING = 20;

test.use({ pool: { seed: 'scale', hosts: 2, vms: 30, seedNumber: 11 } });

/** Starts VMs until exactly 20 run, the last by name among them (so that it sits at the bottom of the wall). */
test.beforeEach(async ({ stack }) => {
  const names = vmNames(stack);
  for (const name of [names.at(-1)!, ...names]) {
    const count = stack.pool.findRefs('VM', (r) => r.power_state === 'Running' && !r.is_control_domain).length;
    if (count >= RUNNING) break;
    if (stack.pool.vm(name).record.power_state === 'Halted') await stack.pool.start(name);
  }
});

/** The guests' names in the wall's order. */
function vmNames(stack: Stack): string[] {
  return stack.pool
    .findRefs('VM', (r) => !r.is_control_domain && !r.is_a_template && !r.is_a_snapshot)
    .map((ref) => String(stack.pool.record('VM', ref).name_label))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

const running = (stack: Stack, name: string): boolean => stack.pool.vm(name).record.power_state === 'Running';
const tiles = (page: Page) => page.locator('.wall-tile');
const tile = (page: Page, name: string) => tiles(page).filter({ has: page.getByText(name, { exact: true }) });

/** Whether a tile's thumbnail shows a picture (more than one colour), not an empty frame. */
const hasPicture = (page: Page, name: string) =>
  tile(page, name)
    .locator('img')
    .evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(img, 0, 0);
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
      return colours.size > 1;
    });

/** Running consoles on screen whose tile has no thumbnail yet. */
const visibleWithoutPicture = (page: Page) =>
  page.evaluate(
    () =>
      [...document.querySelectorAll('.wall-tile.power-running')].filter((tile) => {
        const box = tile.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight && !tile.querySelector('img');
      }).length,
  );

test('a wall of 20 consoles: one thumbnail each, the others’ state, a click through to the console', async ({
  page,
  stack,
}) => {
  // One connection per VM at the pool: the console opened from the wall must share the thumbnail's.
  stack.pool.setField('pool', stack.pool.findRefs('pool')[0]!, 'limit_console_sessions', true);
  await page.setViewportSize({ width: 1900, height: 1700 });
  await logIn(page, stack, 'vmoperator', '/wall');
  const names = vmNames(stack);
  await expect(tiles(page)).toHaveCount(names.length);
  const live = names.filter((n) => running(stack, n));
  expect(live).toHaveLength(RUNNING);
  await expect(page.locator('.wall-tile.live img')).toHaveCount(RUNNING, { timeout: 30_000 });
  // A VM that has just started may show a blank screen for a moment: its thumbnail follows the screen.
  for (const name of live.slice(0, 3)) await expect.poll(() => hasPicture(page, name), { timeout: 20_000 }).toBe(true);
  for (const name of names.filter((n) => !running(stack, n))) {
    const state = stack.pool.vm(name).record.power_state;
    await expect(tile(page, name)).toContainText(state === 'Halted' ? 'Shut down' : String(state));
    await expect(tile(page, name).locator('img')).toHaveCount(0);
  }
  await expect(page.getByRole('status').filter({ hasText: 'Thumbnails refresh every' })).toContainText(
    'the gateway sets the pace from its load',
  );

  // The console opened in another window while the wall shows it shares the thumbnail's connection to the pool.
  const uuid = String(stack.pool.vm(live[1]!).record.uuid);
  const window = await page.context().newPage();
  await window.goto(`/console/vm/${uuid}`);
  await expect(window.locator('.console-status')).toContainText('Connected');
  await expect(consoleCanvas(window)).toBeVisible();
  await window.close();

  // A click on a tile opens its console.
  await tile(page, live[0]!).getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/object/vm/${stack.pool.vm(live[0]!).record.uuid}/console$`));
  await expect(page.locator('.console-status')).toContainText('Connected');
});

test('only consoles on screen get thumbnails: one scrolled into view gets its own', async ({ page, stack }) => {
  await logIn(page, stack, 'vmoperator', '/wall');
  const names = vmNames(stack);
  const last = names.at(-1)!;
  expect(running(stack, last)).toBe(true);
  await expect(tiles(page)).toHaveCount(names.length);
  await expect(tile(page, last)).not.toBeInViewport();
  // Every console on screen has its picture; the one below has none (the gateway was never asked for it).
  await expect.poll(() => visibleWithoutPicture(page), { timeout: 30_000 }).toBe(0);
  await expect(page.locator('.wall-tile.live img').first()).toBeVisible();
  await expect(tile(page, last).locator('img')).toHaveCount(0);
  await tile(page, last).scrollIntoViewIfNeeded();
  await expect(tile(page, last).locator('img')).toBeVisible({ timeout: 30_000 });
});

test('a role that may not open consoles sees the VMs and why there are no screens', async ({ page, stack }) => {
  await logIn(page, stack, 'readonly', '/wall');
  await expect(page.getByRole('status').filter({ hasText: 'Opening VM consoles needs' })).toContainText(
    'you are Read Only',
  );
  const live = vmNames(stack).filter((n) => running(stack, n));
  await expect(tile(page, live[0]!)).toContainText('Your role may not open this console.');
  await expect(page.locator('.wall-tile img')).toHaveCount(0);
});
