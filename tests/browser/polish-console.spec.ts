import type { Page } from '@playwright/test';
import type { Stack } from '../support/stack.ts';
import { consoleCanvas, expect, logIn, test, treeItem, vmUuid } from './fixtures.ts';

/** Small things that got in a new admin's way (issue 14), each checked where it showed. */

const VM = 'Windows Server 2022';

async function openConsole(page: Page, stack: Stack): Promise<void> {
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, VM)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
}

function setRollingUpgrade(stack: Stack, on: boolean): void {
  const pool = stack.pool.findRefs('pool')[0]!;
  const { rolling_upgrade_in_progress: _was, ...other } = stack.pool.record('pool', pool).other_config as Record<
    string,
    string
  >;
  stack.pool.setField('pool', pool, 'other_config', on ? { ...other, rolling_upgrade_in_progress: 'true' } : other);
}

test('the View menu stays inside a 1440 px window', async ({ page, stack }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await logIn(page, stack);
  await page.getByRole('button', { name: 'View', exact: true }).click();
  const menu = page.getByRole('menu');
  await expect(menu).toBeVisible();
  const box = (await menu.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(1440);
});

test('the search box’s placeholder is not cut off, at 1440 px or 800 px', async ({ page, stack }) => {
  await page.setViewportSize({ width: 800, height: 900 });
  await logIn(page, stack);
  const search = page.getByRole('searchbox', { name: 'Search the inventory' });
  const fits = await search.evaluate((input: HTMLInputElement) => {
    const style = getComputedStyle(input);
    const context = document.createElement('canvas').getContext('2d')!;
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return { text: context.measureText(input.placeholder).width, room };
  });
  expect(fits.text).toBeLessThanOrEqual(fits.room);
});

test('the rolling-upgrade banner can be dismissed, and stays dismissed for the session', async ({ page, stack }) => {
  setRollingUpgrade(stack, true);
  await logIn(page, stack);
  const banner = page.getByText(/rolling pool upgrade is in progress/);
  await expect(banner).toBeVisible();
  await page.getByRole('button', { name: 'Dismiss this notice for this session' }).click();
  await expect(banner).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('tree')).toBeVisible();
  await expect(treeItem(page, VM)).toBeVisible();
  await expect(banner).toHaveCount(0);
});

test('a host’s console speaks of the host, not of a VM', async ({ page, stack }) => {
  const host = stack.pool.hosts[0]!;
  await logIn(page, stack, 'root', `/object/host/${host.uuid}/console`);
  await page.getByRole('button', { name: 'Graphical', exact: true }).click();
  await expect(page.locator('.console-status')).toContainText('Connected');
  const footer = page.locator('.console-footer');
  await expect(footer).toContainText('Click the screen to type into the host.');
  await expect(page.getByRole('button', { name: 'Clipboard' })).toHaveAttribute('title', /the host/);
  await expect(footer).not.toContainText('VM');
});

test('with View only on, focusing the console does not claim the keyboard is captured', async ({ page, stack }) => {
  await openConsole(page, stack);
  await page.getByRole('button', { name: 'View only' }).click();
  await consoleCanvas(page).click();
  const footer = page.locator('.console-footer');
  await expect(footer).toContainText('View only is on');
  await expect(footer).not.toContainText('Keyboard captured');
  await expect(page.locator('.console-frame.captured')).toHaveCount(0);
});

test('no "reconnecting" banner stays under the session-ended dialog', async ({ page, stack }) => {
  await logIn(page, stack);
  const reconnecting = page.locator('.banner', { hasText: /reconnecting/i });
  // The inventory stream drops and cannot come back for now: the link banner says so.
  await page.route('**/api/events*', (route) => route.abort());
  stack.gateway.server.closeAllConnections();
  await expect(reconnecting).toBeVisible();
  // Meanwhile the pool ends the session; the next attempt learns it.
  stack.pool.destroySessions();
  await page.unroute('**/api/events*');
  await expect(page.getByRole('dialog', { name: 'Your session has ended' })).toBeVisible({ timeout: 30_000 });
  await expect(reconnecting).toHaveCount(0);
});

test('every "new window" control opens the console the same way, as a tab of its own', async ({
  page,
  stack,
  context,
}) => {
  const uuid = vmUuid(stack, VM);
  await openConsole(page, stack);
  /** How the page was opened: a tab like any other (not a popup window of its own size), without a way back. */
  const opened = async (click: () => Promise<void>) => {
    const [popup] = await Promise.all([context.waitForEvent('page'), click()]);
    await expect(popup).toHaveURL(new RegExp(`/console/vm/${uuid}$`));
    const shape = await popup.evaluate(() => ({
      tab: window.toolbar.visible,
      size: [window.outerWidth, window.outerHeight],
      noOpener: window.opener === null,
    }));
    await popup.close();
    return shape;
  };
  const link = await opened(() => page.getByRole('link', { name: 'Console in new window' }).click());
  const button = await opened(() => page.getByRole('button', { name: 'Open in new window' }).click());
  const menu = await opened(async () => {
    await treeItem(page, VM).click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Open console in new window' }).click();
  });
  expect(link).toMatchObject({ tab: true, noOpener: true });
  expect(button).toEqual(link);
  expect(menu).toEqual(link);
});

test('after paste-as-keys the keyboard is back on the console', async ({ page, stack }) => {
  await openConsole(page, stack);
  await page.getByRole('button', { name: 'Paste as keys' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Text to type into the console').fill('hi');
  await dialog.getByRole('button', { name: 'Type it' }).click();
  // The dialog closes by itself once everything is typed.
  await expect(page.getByText('Typed 2 characters.')).toBeVisible();
  await expect(dialog).toHaveCount(0);
  await expect(consoleCanvas(page)).toBeFocused();
});
