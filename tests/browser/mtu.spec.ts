import type { Page } from '@playwright/test';
import type { Stack } from '../support/stack.ts';
import { expect, logIn, test } from './fixtures.ts';

/** The pool MTU check and what an MTU change leaves pending: which NICs need a replug, and the replug itself. */

const NETWORK = 'Pool-wide network associated with eth1';

function networkUuid(stack: Stack, name: string): string {
  const [ref] = stack.pool.findRefs('network', (r) => r.name_label === name);
  return String(stack.pool.record('network', ref!).uuid);
}

function mtusOn(stack: Stack, name: string): { pifs: number[]; vifs: number[] } {
  const [network] = stack.pool.findRefs('network', (r) => r.name_label === name);
  return {
    pifs: stack.pool
      .findRefs('PIF', (r) => r.network === network)
      .map((r) => stack.pool.record('PIF', r).MTU as number),
    vifs: stack.pool
      .findRefs('VIF', (r) => r.network === network && r.currently_attached === true)
      .map((r) => stack.pool.record('VIF', r).MTU as number),
  };
}

async function setMtu(page: Page, mtu: string): Promise<void> {
  const field = page.getByLabel('MTU', { exact: true });
  await field.fill(mtu);
  await field.press('Tab');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(/^Saved 1 change/)).toBeVisible();
}

test('the pool MTU check names only NICs the tree shows, and hidden ones once hidden objects are shown', async ({
  page,
  stack,
}) => {
  const pool = String(stack.pool.record('pool', stack.pool.findRefs('pool')[0]!).uuid);
  await logIn(page, stack, 'root', `/object/pool/${pool}`);
  const check = page.getByRole('note', { name: 'Pool MTU check' });
  await expect(check).toContainText('MTU 9000');
  await expect(check).not.toContainText('eth3');
  await page.getByRole('button', { name: 'View' }).click();
  await page.getByRole('menuitemcheckbox', { name: 'Show hidden objects' }).click();
  await expect(check).toContainText('eth3 (hidden) on xcp-host-03');
});

test('after an MTU change the NICs that need a replug are named, and replugged on request', async ({ page, stack }) => {
  await logIn(page, stack, 'operator', `/object/network/${networkUuid(stack, NETWORK)}/extensions`);
  await setMtu(page, '9000');
  expect(stack.pool.record('network', stack.pool.findRefs('network', (r) => r.name_label === NETWORK)[0]!).MTU).toBe(
    9000,
  );

  const pending = page.getByRole('region', { name: 'Waiting for a replug' });
  await expect(pending).toContainText('eth1 on xcp-host-01');
  await expect(pending).toContainText('eth1 on xcp-host-03');
  await expect(pending).toContainText('NIC 1 of Debian 12 web');
  await expect(pending).toContainText('MTU 9000');

  await pending.getByRole('button', { name: /^Replug \d+ NICs…$/ }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('temporarily disrupted');
  await dialog.getByRole('button', { name: 'Replug', exact: true }).click();
  await expect(pending).toHaveCount(0);
  expect(mtusOn(stack, NETWORK)).toEqual({ pifs: [9000, 9000, 9000], vifs: [9000] });
});

test('a VM admin is offered the virtual NICs’ replug only, and told why not the physical ones', async ({
  page,
  stack,
}) => {
  await logIn(page, stack, 'vmadmin', `/object/network/${networkUuid(stack, NETWORK)}/extensions`);
  await setMtu(page, '9000');
  const pending = page.getByRole('region', { name: 'Waiting for a replug' });
  await expect(pending).toContainText('eth1 on xcp-host-01');
  await expect(pending).toContainText(
    'Replugging physical NICs needs the Pool Operator role or higher; you are VM Admin.',
  );
  await pending.getByRole('button', { name: 'Replug 1 NIC…' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Replug', exact: true }).click();
  await expect(pending).not.toContainText('NIC 1 of Debian 12 web');
  expect(mtusOn(stack, NETWORK).vifs).toEqual([9000]);
  expect(mtusOn(stack, NETWORK).pifs).toContain(1500);
});
