import type { Locator, Page } from '@playwright/test';
import type { Stack } from '../support/stack.ts';
import { expect, logIn, test, vmUuid } from './fixtures.ts';

/** The extension forms as a new admin meets them: compact rows, one save scope per page, quiet until asked. */

test.use({ viewport: { width: 1440, height: 900 } });

function uuidOf(stack: Stack, cls: 'host' | 'network', name: string): string {
  const [ref] = stack.pool.findRefs(cls, (r) => r.name_label === name);
  if (!ref) throw new Error(`no ${cls} ${name}`);
  return String(stack.pool.record(cls, ref).uuid);
}

async function box(locator: Locator) {
  const b = await locator.boundingBox();
  if (!b) throw new Error('not laid out');
  return b;
}

function overlaps(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function detailsFitWithoutScrolling(page: Page): Promise<boolean> {
  return page.locator('.details-area').evaluate((el) => el.scrollHeight <= el.clientHeight + 1);
}

test('a host’s extensions fit on one screen: one line per key, when it takes effect, the wire details behind “About”', async ({
  page,
  stack,
}) => {
  await logIn(page, stack, 'root', `/object/host/${uuidOf(stack, 'host', 'xcp-host-01')}/extensions`);
  const row = page.locator('#ext-other_config_iscsi_iqn');
  await expect(row.getByLabel('iSCSI IQN')).toBeVisible();
  // Developer notes (where XenCenter reads a key, how it is spelt on the wire) are not in the form.
  await expect(page.getByText(/XenCenter reads there/)).toBeHidden();
  expect((await box(row)).height).toBeLessThan(44);
  await expect(row.locator('.effect-badge')).toHaveText('Now');

  await row.getByRole('button', { name: 'About iSCSI IQN' }).click();
  await expect(row.getByText(/XenCenter reads there/)).toBeVisible();
  await expect(row.getByText('other_config:iscsi_iqn', { exact: true })).toBeVisible();
  await row.getByRole('button', { name: 'About iSCSI IQN' }).click();
  await expect(page.getByText(/XenCenter reads there/)).toBeHidden();

  expect(await detailsFitWithoutScrolling(page)).toBe(true);
});

test('one draft per page: a VM, its guest metrics and its NICs share one Save bar and one dirty marker', async ({
  page,
  stack,
}) => {
  const vm = 'Debian 12 web';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/extensions`);
  await page.getByRole('textbox', { name: 'VCPU weight', exact: true }).fill('1024');
  const nic = page.locator('details.sub-form', { hasText: 'NIC 1 on Pool-wide network associated with eth1' });
  await nic.locator('summary').click();
  await nic.getByLabel('Link speed').selectOption('1000');

  await expect(page.getByRole('button', { name: 'Save', exact: true })).toHaveCount(1);
  await expect(page.getByText('2 unsaved changes')).toBeVisible();
  await expect(page.getByText('No unsaved changes')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Extensions (unsaved changes)' })).toBeVisible();
  await expect(page.locator('.dirty-dot, .tag-changed:text("unsaved")')).toHaveCount(1);

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(`Saved 2 changes to ${vm}.`)).toBeVisible();
  expect(stack.pool.vm(vm).record.VCPUs_params).toMatchObject({ weight: '1024' });
  const [vif] = stack.pool.findRefs('VIF', (r) => r.VM === stack.pool.vm(vm).ref && r.device === '1');
  expect(stack.pool.record('VIF', vif!).other_config).toMatchObject({ 'ethtool-speed': '1000' });
  await expect(page.getByRole('link', { name: 'Extensions', exact: true })).toBeVisible();
});

test('a new row says nothing before anything is typed, takes the focus, and is checked when left', async ({
  page,
  stack,
}) => {
  const vm = 'Windows Server 2022';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/other-config`);
  await page.getByRole('button', { name: 'Add key' }).click();
  const key = page.getByLabel('New key', { exact: true });
  await expect(key).toBeFocused();
  await expect(page.getByText('Enter a key.')).toHaveCount(0);
  await expect(page.getByText(/needs fixing/)).toHaveCount(0);
  await key.pressSequentially('auto_poweron');
  await expect(page.getByText(/is a documented extension/)).toHaveCount(0);
  await key.press('Tab');
  await expect(
    page.getByText('auto_poweron is a documented extension: change it in the Extensions tab.'),
  ).toBeVisible();
  await expect(page.getByText('1 value needs fixing')).toBeVisible();

  await page.getByRole('link', { name: /^Extensions/ }).click();
  await page.getByRole('button', { name: 'Add xenstore entry' }).click();
  const xsKey = page.getByLabel('New key', { exact: true });
  await expect(xsKey).toBeFocused();
  await expect(xsKey).toHaveValue('vm-data/');
  await expect(page.getByText(/Enter a key/)).toHaveCount(0);
  await expect(page.getByText(/needs fixing/)).toHaveCount(0);
  // Saving checks everything, shown or not, and sends nothing while something is wrong.
  await xsKey.fill('foo/bar');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(/xenstore keys must start with vm-data\//)).toBeVisible();
  expect(stack.pool.vm(vm).record.xenstore_data).not.toHaveProperty('foo/bar');
});

test('notices of a save cover neither the Save bar nor the console’s footer', async ({ page, stack }) => {
  const vm = 'Windows Server 2022';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/extensions`);
  await page.getByRole('textbox', { name: 'VCPU weight', exact: true }).fill('1024');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const notice = page.getByText(`Saved 1 change to ${vm}.`);
  await expect(notice).toBeVisible();
  const noticeBox = await box(notice);
  for (const name of ['Save', 'Discard']) {
    expect(overlaps(noticeBox, await box(page.getByRole('button', { name, exact: true })))).toBe(false);
  }

  await page.getByRole('link', { name: 'Console', exact: true }).click();
  await expect(page.locator('.console-status')).toContainText('Connected');
  await page.getByRole('button', { name: 'Ctrl+Alt+Del' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Send' }).click();
  const sent = page.getByText(`Sent Ctrl+Alt+Del to ${vm}.`);
  await expect(sent).toBeVisible();
  expect(overlaps(await box(sent), await box(page.locator('.console-footer')))).toBe(false);
});

test('who cannot edit reads the values, is told once per section, and gets no Save bar', async ({ page, stack }) => {
  await logIn(page, stack, 'vmoperator', `/object/vm/${vmUuid(stack, 'Windows Server 2022')}/extensions`);
  const row = page.locator('#ext-other_config_auto_poweron');
  await expect(row).toContainText('Start when the host boots');
  await expect(row.getByRole('switch')).toHaveCount(0);
  await expect(row.locator('output')).toBeVisible();

  const notices = page.getByText(/needs the VM Admin role or higher; you are VM Operator/);
  const sections = await page.locator('.ext-group').count();
  expect(await notices.count()).toBeGreaterThan(0);
  expect(await notices.count()).toBeLessThanOrEqual(sections);
  await expect(page.locator('.field').filter({ hasText: /VM Admin role/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Save', exact: true })).toHaveCount(0);
  await expect(page.getByText('No unsaved changes')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Add xenstore entry' })).toHaveCount(0);
});

test('the xenstore table and the other_config table behave as one: remove, keep, add', async ({ page, stack }) => {
  const vm = 'Windows Server 2022';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/extensions`);
  const xenstore = page.locator('.kv-table', { hasText: 'vm-data/role' });
  await page.getByRole('link', { name: 'Other config', exact: true }).click();
  const raw = page.locator('.kv-table', { hasText: 'folder' });
  await raw.getByRole('button', { name: 'Remove folder' }).click();
  await expect(raw.getByRole('button', { name: 'Keep folder' })).toBeVisible();
  await page.getByRole('link', { name: /^Extensions/ }).click();
  await xenstore.getByRole('button', { name: 'Remove vm-data/role' }).click();
  await expect(xenstore.getByRole('button', { name: 'Keep vm-data/role' })).toBeVisible();
  // A changed value is undone the same way in both.
  await xenstore.getByLabel('Value of vm-data/site').fill('lon1');
  await xenstore.getByRole('button', { name: 'Undo the change to vm-data/site' }).click();
  await expect(xenstore.getByLabel('Value of vm-data/site')).toHaveValue('par1');
  await page.getByRole('link', { name: /^Other config/ }).click();
  await raw.getByLabel('Value of XenCenter.CustomFields.owner').fill('dev');
  await raw.getByRole('button', { name: 'Undo the change to XenCenter.CustomFields.owner' }).click();
  await expect(raw.getByLabel('Value of XenCenter.CustomFields.owner')).toHaveValue('ops');
});
