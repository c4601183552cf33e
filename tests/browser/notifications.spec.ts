import { expect, logIn, test, treeItem, vmUuid } from './fixtures.ts';

/** The pool's alerts (XAPI messages), blocked operations and operations in progress, as XenCenter shows them. */

test('lists the pool alerts, newest first, and a pool operator dismisses one for everyone', async ({ page, stack }) => {
  await logIn(page, stack, 'operator');
  await page.getByRole('button', { name: 'Alerts (3)' }).click();
  const panel = page.getByRole('region', { name: 'Alerts' });
  await expect(panel.getByRole('listitem')).toHaveText([/VM crashed/, /HA pool overcommitted/, /HA host failed/]);
  const crashed = panel.getByRole('listitem', { name: 'VM crashed' });
  await expect(crashed).toContainText('Major · VM CentOS 7 legacy · ');
  await expect(crashed).toContainText("VM 'CentOS 7 legacy' crashed");
  await crashed.getByRole('button', { name: 'Dismiss' }).click();
  await expect(crashed).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Alerts (2)' })).toBeVisible();
  // Gone from the pool itself: a fresh login (another user) no longer sees it.
  const other = await page.context().browser()!.newPage();
  await logIn(other, stack, 'root');
  await expect(other.getByRole('button', { name: 'Alerts (2)' })).toBeVisible();
  await other.close();
});

test('a VM operator sees the alerts but may not dismiss them, and is told why', async ({ page, stack }) => {
  await logIn(page, stack, 'vmoperator');
  await page.getByRole('button', { name: 'Alerts (3)' }).click();
  const panel = page.getByRole('region', { name: 'Alerts' });
  await expect(panel.getByRole('button', { name: 'Dismiss' })).toHaveCount(3);
  for (const button of await panel.getByRole('button', { name: 'Dismiss' }).all()) await expect(button).toBeDisabled();
  await expect(panel.locator('.field-locked')).toHaveText(
    'Dismissing an alert needs the Pool Operator role or higher; you are VM Operator.',
  );
});

test('a blocked power operation shows disabled, with the reason its owner gave on hover', async ({ page, stack }) => {
  const vm = 'Legacy app server (P2V)';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}`);
  const reason = 'Decommissioned after the P2V import: kept for its disks only.';
  const start = page.getByRole('button', { name: `Start (blocked: ${reason})` });
  await expect(start).toBeDisabled();
  await expect(page.locator('.blocked-action')).toHaveAttribute('title', `Blocked: ${reason}`);
  await treeItem(page, vm).click({ button: 'right' });
  await expect(page.getByRole('menuitem', { name: 'Start' })).toHaveCount(0);
});

test.describe('operations in progress', () => {
  test.use({ pool: { operationMs: 4000 } });

  test('show a spinner on the VM in the tree while XAPI works, and buttons come back after', async ({
    page,
    stack,
  }) => {
    const vm = 'Debian 12 web';
    await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}`);
    await expect(treeItem(page, vm)).not.toHaveAttribute('aria-busy', 'true');
    const halted = stack.pool.halt(vm);
    await expect(treeItem(page, vm)).toHaveAttribute('aria-busy', 'true');
    await expect(treeItem(page, vm).locator('.tree-busy')).toHaveAttribute('title', 'Shutting down…');
    await expect(page.getByRole('button', { name: 'Shut down', exact: true })).toBeDisabled();
    await halted;
    await expect(treeItem(page, vm).locator('.tree-busy')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Start', exact: true })).toBeEnabled();
  });
});
