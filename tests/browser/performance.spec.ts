import type { Page } from '@playwright/test';
import { expect, logIn, test, vmUuid } from './fixtures.ts';

/** The Performance tab of VMs and hosts, against the simulated pool's RRDs through the gateway. */

const latest = (page: Page) => page.locator('.perf-latest');
const status = (page: Page) => page.getByRole('region', { name: 'Performance' }).getByRole('status');
const chart = (page: Page, title: string) => page.getByRole('figure', { name: title, exact: true });

test('a running VM shows CPU, memory, network and disk graphs, and new rows arrive live', async ({ page, stack }) => {
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, 'Debian 12 web')}/performance`);
  await expect(status(page)).toContainText('Live, updated every 5 s.');
  for (const title of ['CPU', 'Memory', 'Network: interface 0', 'Network: interface 1', 'Disk: xvda']) {
    await expect(chart(page, title)).toBeVisible();
  }
  await expect(chart(page, 'CPU').locator('.u-legend')).toContainText('vCPU 0');
  await expect(latest(page)).not.toHaveText('Latest: —');
  const first = await latest(page).textContent();
  // Polled every 5 s: a newer row shows up without any action.
  await expect(latest(page)).not.toHaveText(first!, { timeout: 15_000 });

  // Hovering a graph reads out every graph's values at that time, with their units.
  const plot = chart(page, 'CPU').locator('.u-over');
  const box = (await plot.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await expect(chart(page, 'CPU').locator('.u-legend .u-value').nth(1)).toContainText('%');
  await expect(chart(page, 'Memory').locator('.u-legend .u-value').nth(1)).toContainText(/[KMG]iB/);
  await expect(chart(page, 'Network: interface 0').locator('.u-legend .u-value').nth(1)).toContainText('/s');
});

test('switching the range fetches that archive; pausing stops the updates', async ({ page, stack }) => {
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, 'Windows Server 2022')}/performance`);
  await expect(chart(page, 'CPU')).toBeVisible();
  const twoHours = page.waitForResponse((r) => r.url().includes('/api/stats/vm/') && r.url().includes('range=2h'));
  await page.getByRole('button', { name: '2 hours' }).click();
  const reply = (await (await twoHours).json()) as { step: number; t: number[] };
  expect(reply.step).toBe(60);
  expect(reply.t.length).toBeGreaterThan(100);
  await expect(page.getByRole('button', { name: '2 hours' })).toHaveAttribute('aria-pressed', 'true');
  await expect(status(page)).toContainText('One value per minute, checked every minute.');
  await expect(chart(page, 'CPU')).toBeVisible();

  await page.getByRole('button', { name: '10 minutes' }).click();
  await expect(status(page)).toContainText('Live, updated every 5 s.');
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(status(page)).toContainText('Paused.');
  const shown = await latest(page).textContent();
  let asked = 0;
  page.on('request', (r) => {
    if (r.url().includes('/api/stats/')) asked++;
  });
  await page.waitForTimeout(6_000);
  expect(asked).toBe(0);
  await expect(latest(page)).toHaveText(shown!);
  await page.getByRole('button', { name: 'Resume' }).click();
  await expect(status(page)).toContainText('Live, updated every 5 s.');
  await expect.poll(() => asked).toBeGreaterThan(0);
});

test('a halted VM shows its last recorded data and says it is halted', async ({ page, stack }) => {
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, 'Windows 10 desktop')}/performance`);
  await expect(status(page)).toContainText('This VM is halted: these are the statistics it recorded until it stopped.');
  await expect(chart(page, 'CPU')).toBeVisible();
  await expect(latest(page)).not.toHaveText('Latest: —');
  await expect(page.getByRole('button', { name: 'Pause' })).toHaveCount(0);
});

test('a host shows its CPUs, memory, each physical NIC and its load', async ({ page, stack }) => {
  await logIn(page, stack, 'readonly', `/object/host/${stack.pool.master.uuid}/performance`);
  for (const title of ['CPU', 'Memory', 'Network: eth0', 'Load: Load average']) {
    await expect(chart(page, title)).toBeVisible();
  }
  await expect(chart(page, 'CPU').locator('.u-legend')).toContainText('CPU 15');
});
