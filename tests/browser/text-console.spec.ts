import fs from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import type { TextConsole } from '../../apps/xapi-sim/src/rfb/index.ts';
import type { Stack } from '../support/stack.ts';
import { expect, logIn, test, vmUuid } from './fixtures.ts';

/**
 * The text view of a console (xterm.js on `/api/consoles/…/text`) in Chromium against the simulated pool, whose PV
 * guests and servers have a vncterm-like text console printing a boot log and a getty.
 */

const VM = 'Debian 12 web';

/** Records Content Security Policy violations from the start of every page of the context. */
async function watchPolicy(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { violations: string[] }).violations = violations;
    document.addEventListener('securitypolicyviolation', (event) =>
      violations.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
}

const violations = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as { violations: string[] }).violations);

const textConsole = (stack: Stack, vm: string): TextConsole => stack.pool.display(vm) as unknown as TextConsole;

/** The terminal's rows as shown (xterm.js's DOM renderer: one element per row). */
const rows = (page: Page) => page.locator('.text-screen .xterm-rows');

async function openText(page: Page, stack: Stack, user = 'root', vm = VM): Promise<void> {
  await logIn(page, stack, user, `/object/vm/${vmUuid(stack, vm)}/console`);
  await page.getByRole('button', { name: 'Text', exact: true }).click();
  await expect(page.locator('.text-console .console-status')).toContainText('Connected');
}

/** Clicks `count` times at the middle of the row showing `text` (rows do not take pointer events: the screen does). */
async function clickRow(page: Page, text: string, count: number): Promise<void> {
  const box = (await page.locator('.text-screen .xterm-rows > div', { hasText: text }).first().boundingBox())!;
  await page.mouse.click(box.x + 40, box.y + box.height / 2, { clickCount: count });
}

test('a PV guest’s text console: boot text, typing, copy, search in a deep scrollback, download, font size', async ({
  page,
  stack,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await watchPolicy(page);
  await openText(page, stack);
  await expect(rows(page)).toContainText('Booting paravirtualized kernel on Xen');
  await expect(rows(page)).toContainText('debian-12-web login:');

  // Typing reaches the guest, and its echo comes back as text.
  await page.locator('.text-screen').click();
  await page.keyboard.type('alice', { delay: 20 });
  await expect.poll(() => textConsole(stack, VM).screenLines().join('\n')).toContain('debian-12-web login: alice');
  await expect(rows(page)).toContainText('login: alice');
  // Colours from the guest are drawn (xterm.js's stylesheets reach the page despite the strict policy).
  textConsole(stack, VM).terminal.write('\x1b[31mred alert\x1b[0m\n');
  await expect(rows(page).locator('span', { hasText: 'red alert' })).not.toHaveCSS('color', 'rgb(215, 221, 228)');

  // A line selected with the mouse is copied as text.
  await clickRow(page, 'paravirtualized kernel', 3);
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect
    .poll(() => page.evaluate(() => navigator.clipboard.readText()))
    .toContain('Booting paravirtualized kernel on Xen');

  // A long boot: the needle is 9,900 lines above the end, still in the scrollback and found by the search.
  const lines = Array.from({ length: 12_000 }, (_, i) => (i === 2_100 ? 'needle: eth0 link is up' : `noise ${i}`));
  textConsole(stack, VM).terminal.write(`\n${lines.join('\n')}\n`);
  await expect(rows(page)).toContainText('noise 11999');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('searchbox', { name: 'Search the console text' }).fill('eth0 link is up');
  await page.getByRole('searchbox', { name: 'Search the console text' }).press('Enter');
  await expect(rows(page)).toContainText('needle: eth0 link is up');
  await expect(page.getByText('Not found')).toHaveCount(0);
  await page.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('eth0 link is up');

  // The scrollback as a text file.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^Debian_12_web-\d{8}-\d{6}\.txt$/);
  const saved = fs.readFileSync((await download.path())!, 'utf8');
  expect(saved).toContain('needle: eth0 link is up');
  expect(saved).toContain('noise 11999');
  expect(saved.split('\n').length).toBeGreaterThan(10_000);

  // The font size control resizes the text (styles that xterm.js makes reach the page despite the strict policy).
  const fontSize = () => rows(page).evaluate((element) => getComputedStyle(element).fontSize);
  const before = await fontSize();
  await page.getByRole('button', { name: 'Larger text' }).click();
  await expect.poll(fontSize).toBe(`${parseInt(before, 10) + 1}px`);
  // xterm.js's stylesheets were adopted, not inlined; only the style attributes it puts on selected cells were refused.
  expect((await violations(page)).filter((v) => !v.startsWith('style-src-attr '))).toEqual([]);
});

test('a guest printing escape sequences changes nothing outside the terminal', async ({ page, stack, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openText(page, stack);
  await page.evaluate(() => navigator.clipboard.writeText('mine'));
  const title = await page.title();
  const pages = context.pages().length;
  textConsole(stack, VM).terminal.write(
    '\x1b]0;pwned\x07\x1b]52;c;cm0gLXJmIC8K\x07\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07\x1b[5t\x07 done\n',
  );
  await expect(rows(page)).toContainText('click me done');
  await clickRow(page, 'click me done', 1);
  expect(await page.title()).toBe(title);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('mine');
  expect(context.pages().length).toBe(pages);
  await expect(page.locator('.text-screen a')).toHaveCount(0);
});

test('a server’s console opens as text for a pool admin', async ({ page, stack }) => {
  const host = stack.pool.hosts[0]!;
  await logIn(page, stack, 'root', `/object/host/${host.uuid}/console`);
  await expect(page.locator('.text-console .console-status')).toContainText('Connected');
  await expect(rows(page)).toContainText('XCP-ng release 8.3.0');
  await expect(page.getByRole('button', { name: 'Text', exact: true })).toHaveAttribute('aria-pressed', 'true');
});

test('the text view follows a reboot without reconnecting', async ({ page, stack }) => {
  await openText(page, stack);
  await expect(rows(page)).toContainText('login:');
  textConsole(stack, VM).terminal.write('before the reboot\n');
  await expect(rows(page)).toContainText('before the reboot');
  await stack.pool.reboot(VM);
  await expect(page.locator('.console-notice')).toContainText(/rebooted|re-attached/, { timeout: 30_000 });
  await expect(rows(page)).toContainText('before the reboot');
  await expect(page.locator('.text-console .console-status')).toContainText('Connected');
  // The new boot's screen follows the old output.
  await expect.poll(async () => (await rows(page).innerText()).split('login:').length - 1).toBeGreaterThan(1);
});

async function viewerOf(browser: Browser, stack: Stack, user: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: stack.baseUrl, locale: 'en-GB' });
  const page = await context.newPage();
  await logIn(page, stack, user, `/object/vm/${vmUuid(stack, VM)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  return page;
}

test('under one connection per VM, the text view says the graphical view holds it, and switches', async ({
  browser,
  stack,
}) => {
  const [pool] = stack.pool.findRefs('pool');
  stack.pool.setField('pool', pool!, 'limit_console_sessions', true);
  const watcher = await viewerOf(browser, stack, 'root');
  const other = await viewerOf(browser, stack, 'vmoperator');
  try {
    await other.getByRole('button', { name: 'Text', exact: true }).click();
    await expect(other.locator('.console-message')).toContainText(
      'The pool allows one console connection per VM, and the graphical view has it: close it to open the text view.',
    );
    await other.getByRole('button', { name: 'Switch to the graphical view' }).click();
    await expect(other.locator('.console-status')).toContainText('Connected');
    await expect(other.getByRole('button', { name: 'People on this console: 2' })).toBeVisible();
    await expect(watcher.getByRole('button', { name: 'People on this console: 2' })).toBeVisible();
  } finally {
    await watcher.context().close();
    await other.context().close();
  }
});
