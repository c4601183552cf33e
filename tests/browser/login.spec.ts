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

test.describe('login limits', () => {
  test.use({ gatewayEnv: { LOGIN_FREE_ATTEMPTS: '2', LOGIN_FIRST_DELAY: '120' } });

  test('lock only the user name that was limited, with its countdown; another name logs in', async ({
    page,
    stack,
  }) => {
    await page.goto('/');
    const userName = page.getByLabel('User name');
    const button = page.getByRole('button', { name: /^(Log in|Try again in \d+ s)$/ });
    await userName.fill('root');
    for (let attempt = 0; attempt < 2; attempt++) {
      await page.getByLabel('Password').fill(`wrong-${attempt}`);
      await button.click();
      await expect(page.getByRole('alert')).toHaveText('The user name or password is wrong.');
    }
    await page.getByLabel('Password').fill('wrong-again');
    await button.click();
    await expect(page.getByRole('alert')).toHaveText(
      /^Too many failed logins for this user name\. Try again in 1[12]\d s\.$/,
    );
    await expect(page.getByRole('button', { name: /^Try again in 1[12]\d s$/ })).toBeDisabled();

    // Another name is not limited: the form is usable again, without the other name's countdown.
    await userName.fill('Operator ');
    await expect(page.getByRole('button', { name: 'Log in', exact: true })).toBeEnabled();
    await expect(page.getByRole('alert')).toHaveCount(0);
    // Back to the limited name (any case), its countdown is still there.
    await userName.fill('ROOT');
    await expect(page.getByRole('button', { name: /^Try again in 1[12]\d s$/ })).toBeDisabled();

    await userName.fill('operator');
    await page.getByLabel('Password').fill(stack.password('operator'));
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect(page.getByRole('tree')).toBeVisible();
  });
});
