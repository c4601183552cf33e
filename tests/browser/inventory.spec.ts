import type { Stack } from '../support/stack.ts';
import { expect, logIn, test, treeItem, vmUuid } from './fixtures.ts';

function refOf(
  stack: Stack,
  cls: 'SR' | 'PIF' | 'network' | 'host',
  predicate: (r: Record<string, unknown>) => boolean,
): string {
  const [ref] = stack.pool.findRefs(cls, predicate);
  if (!ref) throw new Error(`no ${cls} matches`);
  return ref;
}

test('updates live: a power change and a rename reach the tree without a reload', async ({ page, stack }) => {
  await logIn(page, stack);
  const row = treeItem(page, 'Ubuntu 24.04 build agent');
  await expect(row.locator('.icon')).toHaveClass(/icon-vm-running/);
  await stack.pool.halt('Ubuntu 24.04 build agent');
  await expect(row.locator('.icon')).toHaveClass(/icon-vm-halted/);
  const ref = stack.pool.vm('Ubuntu 24.04 build agent').ref;
  stack.pool.setField('VM', ref, 'name_label', 'CI runner');
  await expect(treeItem(page, 'CI runner')).toBeVisible();
  await expect(treeItem(page, 'Ubuntu 24.04 build agent')).toHaveCount(0);
});

test('searches names, descriptions and addresses, any word matching', async ({ page, stack }) => {
  await logIn(page, stack);
  const search = page.getByRole('searchbox', { name: 'Search the inventory' });
  await search.fill('10.0.0.21');
  await expect(treeItem(page, 'Windows Server 2022')).toBeVisible();
  await expect(treeItem(page, 'Debian 12 web')).toHaveCount(0);
  await search.fill('DEBIAN windows');
  await expect(treeItem(page, 'Debian 12 web')).toBeVisible();
  await expect(treeItem(page, 'Windows Server 2022')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'match' })).toContainText(/\d+ objects match/);
  await search.fill('no-such-thing');
  await expect(page.getByText('No objects match.')).toBeVisible();
});

test('moves through the tree with the keyboard and opens with Enter', async ({ page, stack }) => {
  await logIn(page, stack);
  const tree = page.getByRole('tree');
  await tree.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/object\/host\//);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('xcp-host-01');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(tree).toHaveAttribute('aria-activedescendant', /pool/);
});

test('hiding a VM takes it out of the tree; View → Show hidden objects shows it greyed', async ({ page, stack }) => {
  const vm = 'Windows 10 desktop';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/extensions`);
  await page.getByRole('switch', { name: 'Hidden from XenCenter' }).check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(`Saved 1 change to ${vm}.`)).toBeVisible();
  expect(stack.pool.vm(vm).record.other_config).toMatchObject({ HideFromXenCenter: 'true' });
  await expect(treeItem(page, vm)).toHaveCount(0);

  await page.getByRole('button', { name: 'View' }).click();
  await page.getByRole('menuitemcheckbox', { name: 'Show hidden objects' }).click();
  const row = treeItem(page, `${vm} (hidden)`);
  await expect(row).toBeVisible();
  await expect(row).toHaveClass(/hidden-object/);
});

test('an invalid MTU is refused inline and nothing is written', async ({ page, stack }) => {
  const ref = refOf(stack, 'network', (r) => r.name_label === 'Storage (jumbo frames)');
  const uuid = String(stack.pool.record('network', ref).uuid);
  const writes: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'PATCH') writes.push(request.url());
  });
  await logIn(page, stack, 'root', `/object/network/${uuid}/extensions`);
  const mtu = page.getByLabel('MTU', { exact: true });
  await mtu.fill('99999');
  await expect(page.getByText('MTU must be a whole number from 1500 to 9216')).toBeVisible();
  await expect(mtu).toHaveAttribute('aria-invalid', 'true');
  const save = page.getByRole('button', { name: 'Save', exact: true }).first();
  await expect(save).toBeDisabled();
  await mtu.press('Control+s');
  await mtu.fill('9x');
  await expect(save).toBeDisabled();
  expect(writes).toEqual([]);
  expect(stack.pool.record('network', ref).MTU).toBe(9000);

  await mtu.fill('1500');
  await expect(page.getByText(/network will be temporarily disrupted/)).toBeVisible();
});

test('sets ethtool-speed on a physical NIC', async ({ page, stack }) => {
  const host = refOf(stack, 'host', (r) => r.name_label === 'xcp-host-03');
  const ref = refOf(stack, 'PIF', (r) => r.device === 'eth1' && r.host === host);
  const uuid = String(stack.pool.record('PIF', ref).uuid);
  await logIn(page, stack, 'root', `/object/pif/${uuid}/extensions`);
  await page.getByLabel('Link speed').selectOption('1000');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(/Saved 1 change to eth1/)).toBeVisible();
  expect(stack.pool.record('PIF', ref).other_config).toMatchObject({ 'ethtool-speed': '1000' });
});

test('a xenstore key outside vm-data/ is refused; one inside reaches the guest', async ({ page, stack }) => {
  const vm = 'Debian 12 web';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/extensions`);
  await page.getByRole('button', { name: 'Add xenstore entry' }).click();
  await page.getByLabel('New key', { exact: true }).fill('foo/bar');
  await page.getByLabel(/Value of the new key/).fill('1');
  await expect(page.getByText(/xenstore keys must start with vm-data\//)).toBeVisible();
  const form = page.getByRole('form', { name: `Extensions of ${vm}` });
  await expect(form.getByRole('button', { name: 'Save', exact: true })).toBeDisabled();
  expect(stack.pool.vm(vm).record.xenstore_data).not.toHaveProperty('foo/bar');

  await page.getByLabel('New key', { exact: true }).fill('vm-data/role');
  await page.getByLabel(/Value of the new key/).fill('web');
  await form.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(`Saved 1 change to ${vm}.`)).toBeVisible();
  expect(stack.pool.vm(vm).record.xenstore_data).toMatchObject({ 'vm-data/role': 'web' });
  await expect(page.getByRole('rowheader', { name: 'vm-data/role' })).toBeVisible();
});

test('edits a role cannot make are shown read-only with the reason', async ({ page, stack }) => {
  await logIn(page, stack, 'vmoperator', `/object/vm/${vmUuid(stack, 'Windows Server 2022')}/extensions`);
  await expect(page.locator('#ext-other_config_HideFromXenCenter output')).toHaveText('Shown');
  await expect(page.getByRole('switch', { name: 'Hidden from XenCenter' })).toHaveCount(0);
  await expect(page.getByText(/needs the VM Admin role or higher; you are VM Operator/).first()).toBeVisible();
});

test('SR names follow the browser language until an SR is renamed', async ({ browser, stack }) => {
  const context = await browser.newContext({ locale: 'de-DE', baseURL: stack.baseUrl });
  const page = await context.newPage();
  try {
    await logIn(page, stack);
    await expect(treeItem(page, 'Lokaler Speicher auf xcp-host-01')).toBeVisible();
    await expect(treeItem(page, 'DVD-Laufwerke auf xcp-host-02')).toBeVisible();
    // Renamed at install time's value no longer matches: shown as stored.
    await expect(treeItem(page, 'Fast NVMe')).toBeVisible();

    const host = refOf(stack, 'host', (r) => r.name_label === 'xcp-host-01');
    const [sr] = stack.pool.findRefs('SR', (r) => {
      if (r.name_label !== 'Local storage') return false;
      return (r.PBDs as string[]).some((pbd) => stack.pool.record('PBD', pbd).host === host);
    });
    stack.pool.setField('SR', sr!, 'name_label', 'Schneller Speicher');
    await expect(treeItem(page, 'Schneller Speicher')).toBeVisible();
    await expect(treeItem(page, 'Lokaler Speicher auf xcp-host-01')).toHaveCount(0);
    await expect(treeItem(page, 'Lokaler Speicher auf xcp-host-02')).toBeVisible();
  } finally {
    await context.close();
  }
});

test('shows a banner while a rolling pool upgrade is in progress', async ({ page, stack }) => {
  await logIn(page, stack);
  const banner = page.getByText(/rolling pool upgrade is in progress/);
  const pool = stack.pool.findRefs('pool')[0]!;
  const other = { ...(stack.pool.record('pool', pool).other_config as Record<string, string>) };
  other.rolling_upgrade_in_progress = 'true';
  stack.pool.setField('pool', pool, 'other_config', other);
  await expect(banner).toBeVisible();
  delete other.rolling_upgrade_in_progress;
  stack.pool.setField('pool', pool, 'other_config', other);
  await expect(banner).toHaveCount(0);
});

test('warns when NICs in the pool carry different MTUs, naming them', async ({ page, stack }) => {
  const pool = String(stack.pool.record('pool', stack.pool.findRefs('pool')[0]!).uuid);
  await logIn(page, stack, 'root', `/object/pool/${pool}`);
  const check = page.getByRole('note', { name: 'Pool MTU check' });
  await expect(check).toContainText('use different MTUs');
  await expect(check).toContainText('MTU 9000');
  await expect(check).toContainText('eth2 on xcp-host-01');
});

test('the Objects view groups by type and opens the way to the selected object', async ({ page, stack }) => {
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, 'Debian Bookworm 12')}`);
  await page.getByRole('tab', { name: 'Objects' }).click();
  await expect(treeItem(page, 'Virtual machines')).toBeVisible();
  await expect(treeItem(page, 'Storage')).toBeVisible();
  // A default template's row also says that it cannot be deleted.
  const template = page.getByRole('treeitem', { name: /^Debian Bookworm 12\b/ });
  await expect(template).toBeVisible();
  await expect(template).toHaveAttribute('aria-selected', 'true');
  await expect(template.locator('.icon')).toHaveClass(/icon-template-default/);
  await expect(template).toContainText('cannot be deleted');
  await expect(page.getByText('This is a default template shipped with XCP-ng: it cannot be deleted.')).toBeVisible();
});

test('live-migrates a running VM to another host', async ({ page, stack }) => {
  const vm = 'Ubuntu 24.04 build agent';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}`);
  await page.getByLabel('Destination host').selectOption({ label: 'xcp-host-01' });
  await page.getByRole('button', { name: 'Migrate', exact: true }).click();
  await expect(page.getByText(`${vm} migrated to xcp-host-01.`)).toBeVisible();
  const host = stack.pool.findRefs('host', (r) => r.name_label === 'xcp-host-01')[0];
  expect(stack.pool.vm(vm).record.resident_on).toBe(host);
  await expect(page.locator('.details-kind')).toContainText('on xcp-host-01');
});

test('sets a host’s remote syslog destination and refuses a malformed one', async ({ page, stack }) => {
  const ref = stack.pool.findRefs('host', (r) => r.name_label === 'xcp-host-02')[0]!;
  const uuid = String(stack.pool.record('host', ref).uuid);
  await logIn(page, stack, 'root', `/object/host/${uuid}/extensions`);
  const field = page.getByRole('textbox', { name: 'Syslog destination', exact: true });
  await field.fill('not a host!');
  await expect(page.getByText(/must be a host name or an IPv4 or IPv6 address/)).toBeVisible();
  await field.fill('logs.example.net');
  await page
    .getByRole('form', { name: 'Extensions of xcp-host-02', exact: true })
    .getByRole('button', { name: 'Save', exact: true })
    .click();
  await expect(page.getByText('Saved 1 change to xcp-host-02.')).toBeVisible();
  expect(stack.pool.record('host', ref).logging).toMatchObject({ syslog_destination: 'logs.example.net' });
});

test('reorders the HVM boot order with the keyboard-friendly buttons', async ({ page, stack }) => {
  const vm = 'Windows 10 desktop';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/extensions`);
  const before = String((stack.pool.vm(vm).record.HVM_boot_params as Record<string, string>).order ?? 'cd');
  await page.getByRole('checkbox', { name: /Network/ }).check();
  await page.getByRole('button', { name: 'Move Network up' }).click();
  await page
    .getByRole('form', { name: `Extensions of ${vm}`, exact: true })
    .getByRole('button', { name: 'Save', exact: true })
    .click();
  await expect(page.getByText(`Saved 1 change to ${vm}.`)).toBeVisible();
  const after = (stack.pool.vm(vm).record.HVM_boot_params as Record<string, string>).order;
  expect(after).toBe(`${before.slice(0, -1)}n${before.slice(-1)}`);
});

test('a row’s context menu starts a VM, asks before shutting it down, and opens with Shift+F10', async ({
  page,
  stack,
}) => {
  const vm = 'Windows 10 desktop';
  await logIn(page, stack);
  await treeItem(page, vm).click({ button: 'right' });
  await page
    .getByRole('menu', { name: `Actions for ${vm}` })
    .getByRole('menuitem', { name: 'Start', exact: true })
    .click();
  await expect(page.getByText(`${vm} started.`)).toBeVisible();
  expect(stack.pool.vm(vm).record.power_state).toBe('Running');
  await expect(treeItem(page, vm).locator('.icon')).toHaveClass(/icon-vm-running/);

  await treeItem(page, vm).click();
  await page.getByRole('tree').focus();
  await page.keyboard.press('Shift+F10');
  await page.getByRole('menuitem', { name: 'Shut down…', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Shut down the VM?' });
  await dialog.getByRole('button', { name: 'Shut down' }).click();
  await expect(page.getByText(`${vm} shut down.`)).toBeVisible();
  expect(stack.pool.vm(vm).record.power_state).toBe('Halted');
});

test('the power buttons of a VM ask before suspending it, and a cancelled question changes nothing', async ({
  page,
  stack,
}) => {
  const vm = 'Debian 12 web';
  await logIn(page, stack);
  await treeItem(page, vm).click();
  const power = page.getByRole('group', { name: 'Power' }).first();
  await power.getByRole('button', { name: 'Suspend', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Suspend the VM?' });
  await expect(dialog).toContainText(`${vm}: Its memory is saved to disk and it stops running.`);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  expect(stack.pool.vm(vm).record.power_state).toBe('Running');

  await power.getByRole('button', { name: 'Suspend', exact: true }).click();
  await dialog.getByRole('button', { name: 'Suspend', exact: true }).click();
  await expect(page.getByText(`${vm} suspended.`)).toBeVisible();
  expect(stack.pool.vm(vm).record.power_state).toBe('Suspended');
});
