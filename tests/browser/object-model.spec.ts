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
