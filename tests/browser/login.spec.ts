import { expect, logIn, test, treeItem } from './fixtures.ts';

test('logs in and shows the pool as XenCenter does', async ({ page, stack }) => {
  await logIn(page, stack);
  await expect(treeItem(page, 'Demo pool')).toBeVisible();
  await expect(treeItem(page, 'xcp-host-01')).toBeVisible();
  await expect(treeItem(page, 'Windows Server 2022')).toBeVisible();
  // Internal templates are never shown; hidden VMs only with View → Show hidden objects.
  await expect(page.getByText('XenSource P2V Server')).toHaveCount(0);
  await expect(page.getByText('Alpine sidecar (hidden)', { exact: false })).toHaveCount(0);
});

test('explains a wrong password', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('User name').fill('root');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await expect(page.getByRole('alert')).toHaveText('The user name or password is wrong.');
});
