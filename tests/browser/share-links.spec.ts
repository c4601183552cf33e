import type { Browser, Page } from '@playwright/test';
import type { Stack } from '../support/stack.ts';
import { consoleCanvas, expect, logIn, test, vmUuid } from './fixtures.ts';

/**
 * A read-only share link's life: made from the console by a logged-in user, opened in another browser that has no
 * login, listed on the console as the maker's guest, and cut off with the reason when it is revoked, when it expires
 * and when its maker logs out.
 */

const VM = 'Debian 12 web';

/** The maker, logged in on the VM's console, with the console connected. */
async function maker(page: Page, stack: Stack, user = 'vmoperator'): Promise<void> {
  await logIn(page, stack, user, `/object/vm/${vmUuid(stack, VM)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
}

/** Makes a link in the Share dialog; returns its address (the dialog stays open). */
async function makeLink(page: Page, stack: Stack, options: { singleUse?: boolean } = {}): Promise<string> {
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Share the console of ${VM}` });
  await expect(dialog.getByRole('note')).toContainText(
    'The link stops working when it expires, when you revoke it, or when your session ends',
  );
  if (options.singleUse) await dialog.getByLabel('Single use (one viewing)').check();
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const url = await dialog.getByLabel('Share link').inputValue();
  expect(url).toMatch(new RegExp(`/share/vm/${vmUuid(stack, VM)}#xwcl_[A-Za-z0-9_-]{43}$`));
  return url;
}

/** A browser of its own with no login at all, on the link. */
async function guest(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-GB' });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

const banner = (page: Page) => page.locator('.share-banner');

test('a link made on the console is watched without a login, listed as a guest, and cut off when revoked', async ({
  page,
  browser,
  stack,
}) => {
  await maker(page, stack);
  const url = await makeLink(page, stack);
  const watcher = await guest(browser, url);
  try {
    await expect(banner(watcher)).toContainText(`vmoperator shared the console of ${VM} with you.`);
    await expect(banner(watcher)).toContainText('View only');
    await expect(banner(watcher)).toContainText(/The link works until \d\d:\d\d \(.+ left\)/);
    await expect(consoleCanvas(watcher)).toBeVisible();
    // The secret part left the address bar (and the history) at once.
    expect(new URL(watcher.url()).hash).toBe('');
    await expect(watcher.getByLabel('User name')).toHaveCount(0);

    // Keys and clicks in the guest's page reach nothing.
    const before = stack.pool.display(VM)!.input.length;
    await consoleCanvas(watcher).click();
    await watcher.keyboard.type('guest typing');
    await page.keyboard.press('Escape');
    await consoleCanvas(page).click();
    await page.keyboard.type('m');
    await expect.poll(() => stack.pool.display(VM)!.input.length).toBeGreaterThan(before);
    expect(
      stack.pool
        .display(VM)!
        .input.slice(before)
        .filter((e) => e.type === 'key' && e.keysym !== 0x6d),
    ).toEqual([]);

    // The maker sees the guest on the console.
    await page.getByRole('button', { name: 'People on this console: 2' }).click();
    await expect(page.getByRole('region', { name: 'People on this console' })).toContainText(
      'guest via vmoperator’s link',
    );

    // Revoked from the dialog: the guest is cut off and told why.
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Share the console of ${VM}` });
    await dialog.getByRole('listitem').filter({ hasText: 'active' }).getByRole('button', { name: 'Revoke' }).click();
    await expect(watcher.locator('.console-message')).toContainText(
      'The person who shared this console revoked the link.',
    );
    await expect(dialog.getByRole('listitem').first()).toContainText('revoked by vmoperator');

    // Opening it again is refused with the reason, still without a login page.
    const again = await guest(browser, url);
    await expect(again.getByRole('alert')).toContainText('This share link was revoked.');
    await again.context().close();
  } finally {
    await watcher.context().close();
  }
});

test('a link that expires cuts its guest off', async ({ page, browser, stack }) => {
  await maker(page, stack);
  const response = await page.request.post('/api/shares', {
    headers: { origin: stack.baseUrl },
    data: { kind: 'vm', uuid: vmUuid(stack, VM), expiresIn: 10 },
  });
  expect(response.status()).toBe(201);
  const { path } = (await response.json()) as { path: string };
  const watcher = await guest(browser, `${stack.baseUrl}${path}`);
  try {
    await expect(consoleCanvas(watcher)).toBeVisible();
    await expect(watcher.locator('.console-message')).toContainText('The share link expired.', { timeout: 20_000 });
  } finally {
    await watcher.context().close();
  }
});

test('a link ends with its maker’s session: logging out cuts the guest off', async ({ page, browser, stack }) => {
  await maker(page, stack);
  const url = await makeLink(page, stack, { singleUse: true });
  const watcher = await guest(browser, url);
  try {
    await expect(banner(watcher)).toContainText('for this one viewing');
    await expect(consoleCanvas(watcher)).toBeVisible();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /vmoperator/ }).click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await expect(watcher.locator('.console-message')).toContainText(
      'The share link ended: the person who shared it logged out, or their session ended.',
    );
  } finally {
    await watcher.context().close();
  }
});

test('a tampered or incomplete link says so, and asks for no login', async ({ page, browser, stack }) => {
  await maker(page, stack);
  const url = await makeLink(page, stack);
  const tampered = `${url.slice(0, -1)}${url.endsWith('A') ? 'B' : 'A'}`;
  for (const [address, words] of [
    [tampered, 'This share link is not valid.'],
    [url.split('#')[0]!, 'This link is incomplete'],
  ] as const) {
    const watcher = await guest(browser, address);
    try {
      await expect(watcher.getByRole('alert')).toContainText(words);
      await expect(watcher.getByLabel('User name')).toHaveCount(0);
    } finally {
      await watcher.context().close();
    }
  }
});
