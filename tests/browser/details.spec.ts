import { consoleCanvas, expect, logIn, test, vmUuid } from './fixtures.ts';

test('a key the gateway refuses is highlighted with its message, and nothing is lost', async ({ page, stack }) => {
  const vm = 'Windows Server 2022';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/extensions`);
  await page.route('**/api/objects/vm/*/extensions', (route) =>
    route.fulfill({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({
        error: 'INVALID_EXTENSION',
        key: 'other_config:auto_poweron',
        message: 'auto_poweron cannot be changed during a rolling upgrade',
      }),
    }),
  );
  await page.getByRole('switch', { name: 'Start when the host boots' }).uncheck();
  const form = page.getByRole('form', { name: `Extensions of ${vm}`, exact: true });
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  const field = page.locator('#ext-other_config_auto_poweron');
  await expect(field).toContainText('auto_poweron cannot be changed during a rolling upgrade');
  await expect(field).toHaveClass(/invalid/);
  await expect(page.getByRole('switch', { name: 'Start when the host boots' })).not.toBeChecked();
  expect(stack.pool.vm(vm).record.other_config).toMatchObject({ auto_poweron: 'true' });
});

test('a refusal by XAPI’s RBAC is explained', async ({ page, stack }) => {
  const vm = 'Windows Server 2022';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/extensions`);
  await page.route('**/api/objects/vm/*/extensions', (route) =>
    route.fulfill({
      status: 403,
      contentType: 'application/json',
      body: JSON.stringify({
        error: 'RBAC_PERMISSION_DENIED',
        permission: 'vm.add_to_other_config',
        message: 'The role of this session does not allow vm.add_to_other_config.',
      }),
    }),
  );
  await page.getByRole('switch', { name: 'Hidden from XenCenter' }).check();
  await page
    .getByRole('form', { name: `Extensions of ${vm}`, exact: true })
    .getByRole('button', { name: 'Save', exact: true })
    .click();
  await expect(page.getByRole('alert').filter({ hasText: 'Your role does not allow this' })).toContainText(
    'vm.add_to_other_config',
  );
});

test('pool admins edit unknown other_config keys; other roles only read them', async ({ page, stack }) => {
  const vm = 'Windows Server 2022';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/other-config`);
  await expect(page.getByRole('rowheader', { name: 'folder' })).toBeVisible();
  // Documented keys live in the Extensions tab.
  await expect(page.getByRole('rowheader', { name: 'auto_poweron' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Add key' }).click();
  await page.getByLabel('New key', { exact: true }).fill('auto_poweron');
  // A new key is checked once it is left.
  await page.getByLabel('New key', { exact: true }).blur();
  await expect(
    page.getByText('auto_poweron is a documented extension: change it in the Extensions tab.'),
  ).toBeVisible();
  await page.getByLabel('New key', { exact: true }).fill('backup.policy');
  await page.getByLabel(/Value of the new key/).fill('nightly');
  await page.getByLabel('Value of folder').fill('/Production');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(`Saved 2 other_config changes to ${vm}.`)).toBeVisible();
  expect(stack.pool.vm(vm).record.other_config).toMatchObject({ 'backup.policy': 'nightly', folder: '/Production' });

  await page.getByRole('button', { name: /root/ }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await logIn(page, stack, 'vmadmin', `/object/vm/${vmUuid(stack, vm)}/other-config`);
  await expect(page.getByText('Only pool admins can edit them here; you can read them.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add key' })).toHaveCount(0);
  await expect(page.getByRole('rowheader', { name: 'backup.policy' })).toBeVisible();
});

test('the host console is for pool admins, with a reason for others', async ({ page, stack }) => {
  const ref = stack.pool.findRefs('host', (r) => r.name_label === 'xcp-host-01')[0]!;
  const uuid = String(stack.pool.record('host', ref).uuid);
  await logIn(page, stack, 'root', `/object/host/${uuid}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  await page.getByRole('button', { name: /root/ }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await logIn(page, stack, 'poweradmin', `/object/host/${uuid}/console`);
  await expect(page.locator('.console-unavailable')).toContainText('Server consoles are open to pool admins only');
});

test('console tools: view only, 1:1, clipboard from the guest, screenshot, releasing the keyboard', async ({
  page,
  stack,
}) => {
  const vm = 'Windows Server 2022';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  const display = stack.pool.display(vm)!;

  // Focus: clicking captures the keyboard; tapping Right Ctrl releases it.
  await consoleCanvas(page).click();
  await expect(page.locator('.console-frame')).toHaveClass(/captured/);
  await page.keyboard.press('ControlRight');
  await expect(page.locator('.console-frame')).not.toHaveClass(/captured/);

  // View only: keys no longer reach the guest.
  await page.getByRole('button', { name: 'View only' }).click();
  await expect(page.getByRole('button', { name: 'Ctrl+Alt+Del' })).toBeDisabled();
  const before = display.input.length;
  await consoleCanvas(page).click();
  await page.keyboard.type('xyz');
  await page.getByRole('button', { name: 'View only' }).click();
  // With view only off again, a key arrives; the ones typed before it never did.
  await consoleCanvas(page).click();
  await page.keyboard.press('q');
  const keysyms = () =>
    display.input
      .slice(before)
      .flatMap((e) => ((e.type === 'key' || e.type === 'scancode') && e.down ? [e.keysym] : []));
  await expect.poll(keysyms).toContain(0x71);
  expect(keysyms()).not.toContain(0x78);

  // Scale to fit and 1:1.
  await page.getByRole('button', { name: 'Fit' }).click();
  await expect(page.getByRole('button', { name: '1:1' })).toHaveAttribute('aria-pressed', 'false');

  display.setClipboard('from the guest <b>');
  await page.getByRole('button', { name: 'Clipboard' }).click();
  await expect(page.getByLabel('From the VM')).toHaveValue('from the guest <b>');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Screenshot' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^Windows_Server_2022-\d{8}-\d{6}\.png$/);
});

test('a console whose server died waits, then re-attaches when the VM reboots', async ({ page, stack }) => {
  const vm = 'Debian 12 web';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  stack.pool.killDisplay(vm);
  await expect(page.locator('.console-status')).not.toContainText('Connected');
  await expect(page.locator('.console-message')).toBeVisible();
  await stack.pool.reboot(vm);
  await expect(page.locator('.console-status')).toContainText('Connected', { timeout: 20_000 });
  await expect(page.locator('.console-notice')).toContainText('VM rebooted — console re-attached');
});

test('resumes a suspended VM from its console view', async ({ page, stack }) => {
  const vm = 'Windows 11 test';
  await logIn(page, stack, 'vmoperator', `/object/vm/${vmUuid(stack, vm)}/console`);
  await expect(page.locator('.console-message')).toContainText('This VM is suspended.');
  await page.getByRole('button', { name: 'Resume the VM' }).click();
  await expect(page.locator('.console-status')).toContainText('Connected');
});
