import { expect, logIn, test, treeItem, vmUuid } from './fixtures.ts';

test('a session destroyed by the pool asks to log in again, keeping the unsaved form', async ({ page, stack }) => {
  const vm = 'Windows Server 2022';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/extensions`);
  const weight = page.getByRole('textbox', { name: 'VCPU weight', exact: true });
  await weight.fill('1024');
  await page.getByRole('button', { name: 'Add xenstore entry' }).click();
  await page.getByLabel('New key', { exact: true }).fill('vm-data/owner');
  await page.getByLabel(/Value of the new key/).fill('ops');

  stack.pool.destroySessions();
  const dialog = page.getByRole('dialog', { name: 'Your session has ended' });
  await expect(dialog).toBeVisible();
  await expect(page).toHaveURL(/\/extensions$/);

  await dialog.getByLabel('Password').fill(stack.password('root'));
  await dialog.getByRole('button', { name: 'Log in again' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(weight).toHaveValue('1024');
  await expect(page.getByLabel('New key', { exact: true })).toHaveValue('vm-data/owner');

  await page
    .getByRole('form', { name: `Extensions of ${vm}` })
    .getByRole('button', { name: 'Save', exact: true })
    .click();
  await expect(page.getByText(`Saved 2 changes to ${vm}.`)).toBeVisible();
  const record = stack.pool.vm(vm).record;
  expect(record.VCPUs_params).toMatchObject({ weight: '1024' });
  expect(record.xenstore_data).toMatchObject({ 'vm-data/owner': 'ops' });
});

test('logging out returns to the login page', async ({ page, stack }) => {
  await logIn(page, stack);
  await page.getByRole('button', { name: /root/ }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await expect(page.getByText('You have logged out.')).toBeVisible();
  await expect(page.getByLabel('User name')).toBeVisible();
});

test('pool data is shown as text: a hostile VM name, clipboard text and other_config values stay inert', async ({
  page,
  stack,
}) => {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  const hostile = '<img src=x onerror=alert(1)>';
  const ref = stack.pool.vm(hostile).ref;
  const other = { ...(stack.pool.vm(hostile).record.other_config as Record<string, string>) };
  other['note'] = '<script>alert(2)</script><b onmouseover=alert(3)>bold</b>';
  stack.pool.setField('VM', ref, 'other_config', other);

  await logIn(page, stack);
  await treeItem(page, hostile).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(hostile);
  await page.getByRole('link', { name: 'Other config', exact: true }).click();
  await expect(page.getByLabel('Value of note')).toHaveValue(other['note']!);

  await page.getByRole('link', { name: 'Console', exact: true }).click();
  await expect(page.locator('.console-status')).toContainText('Connected');
  stack.pool.display(hostile)!.setClipboard('<img src=y onerror=alert(4)>');
  await page.getByRole('button', { name: 'Clipboard' }).click();
  await expect(page.getByLabel('From the VM')).toHaveValue('<img src=y onerror=alert(4)>');

  expect(await page.locator('img[src="x"], img[src="y"], script:not([src]), b[onmouseover]').count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test('runs under the strict Content Security Policy without violations', async ({ page, stack }) => {
  await page.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { violations: string[] }).violations = violations;
    document.addEventListener('securitypolicyviolation', (event) =>
      violations.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  const response = await page.goto('/');
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, 'Windows Server 2022')}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  await page.getByRole('link', { name: 'Extensions', exact: true }).click();
  await expect(page.getByRole('form', { name: 'Extensions of Windows Server 2022', exact: true })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
});

test('the console opens chrome-less in its own window', async ({ page, stack, context }) => {
  const uuid = vmUuid(stack, 'Debian 12 web');
  await logIn(page, stack, 'root', `/object/vm/${uuid}`);
  const [popup] = await Promise.all([
    context.waitForEvent('page'),
    page.getByRole('link', { name: 'Console in new window' }).click(),
  ]);
  await expect(popup).toHaveURL(new RegExp(`/console/vm/${uuid}$`));
  await expect(popup.locator('.console-status')).toContainText('Connected');
  await expect(popup.getByRole('tree')).toHaveCount(0);
  await expect(popup).toHaveTitle('Debian 12 web — console');
});

test('explains a pool that cannot be reached at login', async ({ page, stack }) => {
  for (const host of stack.pool.hosts) await stack.pool.setHostState(host.name, 'down');
  await page.goto('/');
  await page.getByLabel('User name').fill('root');
  await page.getByLabel('Password').fill(stack.password('root'));
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('The pool cannot be reached');
});

test('lists the keyboard shortcuts on "?"', async ({ page, stack }) => {
  await logIn(page, stack);
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toContainText('Ctrl+Alt+Insert');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
});
