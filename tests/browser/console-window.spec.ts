import type { Route } from '@playwright/test';
import { canvasPicture, expect, logIn, test, vmUuid } from './fixtures.ts';

/**
 * A console in a window of its own (/console/vm/<uuid>) shows the console as soon as its code and socket are in: it
 * does not wait for the session check, nor for the inventory that follows it and names the VM in the title, and its
 * first render is the console, never a loading placeholder (which React keeps on screen for a while once shown).
 */

declare global {
  interface Window {
    placeholders?: string[];
  }
}

test('a console window connects and draws while its session check (and so its inventory) is held back', async ({
  page,
  stack,
}) => {
  const uuid = vmUuid(stack, 'Debian 12 web');
  await logIn(page, stack, 'root');
  const held: Route[] = [];
  const hold = (route: Route): void => void held.push(route);
  await page.route('**/api/session', hold);
  await page.addInitScript(() => {
    const seen: string[] = (window.placeholders = []);
    new MutationObserver(() => {
      for (const element of document.querySelectorAll('.page-loading')) seen.push(element.textContent ?? '');
    }).observe(document, { childList: true, subtree: true });
  });
  await page.goto(`/console/vm/${uuid}`);

  await expect(page.locator('.console-status')).toContainText('Connected');
  await expect
    .poll(async () => (await canvasPicture(page)).rgba.some((value, i) => i % 4 !== 3 && value !== 0))
    .toBe(true);
  // The session check was asked for and is still unanswered; the inventory's stream only starts after it.
  expect(held.map((route) => new URL(route.request().url()).pathname)).toEqual(['/api/session']);
  await expect(page).toHaveTitle('Console');
  expect(await page.evaluate(() => window.placeholders)).toEqual([]);

  for (const route of held) await route.continue();
  await expect(page).toHaveTitle('Debian 12 web — console');
  await expect(page.locator('.console-status')).toContainText('Connected');
});
