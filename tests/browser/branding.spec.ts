import type { Page } from '@playwright/test';
import type { Stack } from '../support/stack.ts';
import { expect, logIn, test, treeItem, vmUuid } from './fixtures.ts';

/** Words and names: US English as XenCenter writes, one product name, the pool's own brand, the pool on the login page. */

test.use({ viewport: { width: 1440, height: 900 } });

const PRODUCT = 'XWC';

function hostUuid(stack: Stack, name: string): string {
  const [ref] = stack.pool.findRefs('host', (r) => r.name_label === name);
  return String(stack.pool.record('host', ref!).uuid);
}

async function logOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: /root/ }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await expect(page.getByLabel('User name')).toBeVisible();
}

test('the UI speaks US English, as XenCenter does', async ({ page, stack }) => {
  const british =
    /\b(licences?|virtualis\w*|organis\w*|colours?|behaviours?|catalogues?|cancelled|utilis\w*|recognis\w*|authoris\w*|optimis\w*|initialis\w*|customis\w*|honours?|centre)\b/i;
  await logIn(page, stack, 'root', `/object/host/${hostUuid(stack, 'xcp-host-01')}/extensions`);
  await expect(page.getByRole('textbox', { name: 'iSCSI IQN' })).toBeVisible();
  expect(await page.locator('body').innerText()).not.toMatch(british);
  // The help behind About is part of the UI too.
  for (const about of await page.getByRole('button', { name: /^About / }).all()) await about.click();
  expect(await page.locator('body').innerText()).not.toMatch(british);
  for (const tab of ['', '/extensions', '/other-config']) {
    await page.goto(`/object/vm/${vmUuid(stack, 'Windows Server 2022')}${tab}`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Windows Server 2022');
    expect(await page.locator('body').innerText()).not.toMatch(british);
  }
  await page.goto(`/object/vm/${vmUuid(stack, 'Windows Server 2022')}`);
  await expect(page.getByText('Virtualization', { exact: true })).toBeVisible();
});

test('the login page names the pool it logs into, with its address and brand', async ({ page, stack }) => {
  // Before anyone has logged in, the gateway knows the address only (XAPI tells the name to sessions).
  await page.goto('/');
  const pool = page.locator('.login-card .login-pool');
  await expect(pool).toHaveText(/^Pool 127\.\d+\.\d+\.\d+$/);
  await logIn(page, stack);
  await logOut(page);
  await expect(pool).toHaveText(/^Pool Demo pool at 127\.\d+\.\d+\.\d+ \(XCP-ng\)$/);
});

test('one product name, and the pool’s own brand where the pool is described', async ({ page, stack }) => {
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, 'Debian Bookworm 12')}`);
  await expect(page.locator('.brand')).toHaveText(PRODUCT);
  await expect(page).toHaveTitle(`Debian Bookworm 12 — ${PRODUCT}`);
  await expect(page.locator('.app-header .pool-name')).toHaveText('Demo pool · XCP-ng');
  await expect(page.getByText('This is a default template shipped with XCP-ng: it cannot be deleted.')).toBeVisible();
  // The chrome and the details never call an XCP-ng pool XenServer (object names are the pool's own).
  for (const part of ['.app-header', '.details'])
    expect(await page.locator(part).innerText()).not.toContain('XenServer');
  await treeItem(page, 'xcp-host-01').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('xcp-host-01');
  expect(await page.locator('.details').innerText()).not.toContain('XenServer');
  await logOut(page);
  await expect(page.locator('.login-card h1')).toHaveText(PRODUCT);
  await expect(page).toHaveTitle(PRODUCT);
  expect(await page.locator('body').innerText()).not.toContain('XenServer');
});
