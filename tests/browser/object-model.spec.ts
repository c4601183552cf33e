import { expect, logIn, test } from './fixtures.ts';

/**
 * The web app's object model: a panel follows every record it reads (no hand-listed subscriptions to forget), and the
 * class registry gives one answer for an object's icon wherever it is shown.
 */

test("the pool's General tab follows a rename of its default SR", async ({ page, stack }) => {
  const pool = stack.pool.findRefs('pool')[0]!;
  const sr = stack.pool.findRefs('SR', (r) => r.shared === true)[0]!;
  stack.pool.setField('pool', pool, 'default_SR', sr);
  await logIn(page, stack, 'root', `/object/pool/${String(stack.pool.record('pool', pool).uuid)}`);
  const defaultSr = page.locator('.property').filter({ hasText: 'Default SR' }).locator('dd');
  await expect(defaultSr).toHaveText(String(stack.pool.record('SR', sr).name_label));
  stack.pool.setField('SR', sr, 'name_label', 'Renamed shared storage');
  await expect(defaultSr).toHaveText('Renamed shared storage');
});

test('a host that stopped answering has the down icon on its page, as in the tree', async ({ page, stack }) => {
  const host = stack.pool.findRefs('host', (r) => r.name_label === 'xcp-host-02')[0]!;
  const record = stack.pool.record('host', host);
  await logIn(page, stack, 'root', `/object/host/${String(record.uuid)}`);
  await expect(page.locator('.details-header .details-icon')).toHaveClass(/icon-host(?!-)/);
  stack.pool.setField('host_metrics', String(record.metrics), 'live', false);
  await expect(page.locator('.details-header .details-icon')).toHaveClass(/icon-host-down/);
  await expect(page.getByRole('treeitem', { name: 'xcp-host-02', exact: true }).locator('.icon').first()).toHaveClass(
    /icon-host-down/,
  );
});

test("the pool's MTU check follows a NIC's MTU changed behind the UI's back", async ({ page, stack }) => {
  const [host] = stack.pool.findRefs('host', (r) => r.name_label === 'xcp-host-02');
  const [pif] = stack.pool.findRefs('PIF', (r) => r.device === 'eth0' && r.host === host);
  const pool = stack.pool.findRefs('pool')[0]!;
  await logIn(page, stack, 'root', `/object/pool/${String(stack.pool.record('pool', pool).uuid)}`);
  const check = page.getByRole('note', { name: 'Pool MTU check' });
  await expect(check).toContainText('MTU 9000');
  await expect(check).not.toContainText('MTU 1400');
  stack.pool.setField('PIF', pif!, 'MTU', 1400);
  await expect(check).toContainText('MTU 1400 on 1');
  await check.getByText('Which NICs').click();
  await expect(check).toContainText('MTU 1400: eth0 on xcp-host-02');
});

test("a network's MTU change warning follows its VMs' guest tools", async ({ page, stack }) => {
  const [network] = stack.pool.findRefs('network', (r) => r.name_label === 'Pool-wide network associated with eth1');
  await logIn(page, stack, 'root', `/object/network/${String(stack.pool.record('network', network!).uuid)}/extensions`);
  await page.getByLabel('MTU', { exact: true }).fill('9000');
  const warning = page.getByRole('note').filter({ hasText: 'temporarily disrupted' });
  await expect(warning).toBeVisible();
  await expect(warning).not.toContainText('no guest tools');
  // The guest agent of the VM on this network stops reporting: only the VM record changes.
  stack.pool.setField('VM', stack.pool.vm('Debian 12 web').ref, 'guest_metrics', 'OpaqueRef:NULL');
  await expect(warning).toContainText('Some running VMs on it have no guest tools');
});

test("a VM's import task shows the task's progress as it moves", async ({ page, stack }) => {
  const [task] = stack.pool.findRefs('task');
  stack.pool.setField('task', task!, 'status', 'pending');
  stack.pool.setField('task', task!, 'progress', 0.25);
  const vm = stack.pool.vm('Legacy app server (P2V)');
  stack.pool.setField('VM', vm.ref, 'other_config', { ...(vm.record.other_config as object), import_task: task });
  await logIn(page, stack, 'root', `/object/vm/${String(vm.record.uuid)}/extensions`);
  const progress = page.getByRole('progressbar', { name: 'Task progress' });
  await expect(progress).toHaveAttribute('value', '25');
  stack.pool.setField('task', task!, 'progress', 0.6);
  await expect(progress).toHaveAttribute('value', '60');
  stack.pool.setField('task', task!, 'status', 'success');
  await expect(progress).toHaveCount(0);
});
