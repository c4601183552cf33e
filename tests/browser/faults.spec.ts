import type { Page } from '@playwright/test';
import { startGateway } from '@xwc/proxy';
import { startStack, type Stack } from '../support/stack.ts';
import { consoleCanvas, expect, logIn, test, treeItem, vmUuid } from './fixtures.ts';

/** What a user sees when the pool moves its master, restarts, hangs or loses a host. */

const sessionEnded = (page: Page) => page.getByRole('dialog', { name: 'Your session has ended' });

test('a master change while logged in: the inventory stays live and the console re-attaches, no new login', async ({
  page,
  stack,
}) => {
  const vm = 'Debian 12 web';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  const before = stack.pool.display(vm)!.input.length;
  await stack.pool.designateMaster(stack.pool.hosts[1]!.uuid);
  // Keys typed while the gateway re-attaches beneath the view do not reach the guest: type once it is back.
  await expect(page.locator('.console-notice')).toContainText('re-attached', { timeout: 20_000 });
  await expect(page.locator('.console-status')).toContainText('Connected');
  await consoleCanvas(page).click();
  await page.keyboard.type('hi');
  await expect.poll(() => stack.pool.display(vm)!.input.length).toBeGreaterThan(before);
  stack.pool.setField('VM', stack.pool.vm('Windows Server 2022').ref, 'name_label', 'Renamed after the move');
  await expect(treeItem(page, 'Renamed after the move')).toBeVisible({ timeout: 20_000 });
  await expect(sessionEnded(page)).toHaveCount(0);
});

test('a pool restart: the inventory recovers by itself and nobody is asked to log in again', async ({
  page,
  stack,
}) => {
  await logIn(page, stack);
  await expect(treeItem(page, 'Windows Server 2022')).toBeVisible();
  await stack.pool.restart();
  stack.pool.setField('VM', stack.pool.vm('Windows Server 2022').ref, 'name_label', 'Renamed after the restart');
  await expect(treeItem(page, 'Renamed after the restart')).toBeVisible({ timeout: 20_000 });
  await expect(sessionEnded(page)).toHaveCount(0);
  // Back in step with the pool: no "reconnecting" notice left behind, though the resync came as changes.
  await expect(page.getByText('The inventory may be out of date.')).toHaveCount(0, { timeout: 10_000 });
});

test('a host that stops answering mid-console: the view says so and re-attaches when it is back', async ({
  page,
  stack,
}) => {
  const vm = 'Ubuntu 24.04 build agent';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  const host = stack.pool.hosts.find((h) => h.ref === stack.pool.vm(vm).record.resident_on)!;
  await stack.pool.setHostState(host.uuid, 'down');
  await expect(page.locator('.console-status')).not.toContainText('Connected');
  await stack.pool.setHostState(host.uuid, 'up');
  await expect(page.locator('.console-status')).toContainText('Connected', { timeout: 30_000 });
});

test.describe('with a short pool timeout', () => {
  let own: Stack;
  test.beforeEach(async () => {
    own = await startStack({ uiDir: 'apps/web/dist', env: { POOL_TIMEOUT: '2' } });
  });
  test.afterEach(async () => {
    await own.close();
  });

  test('a hung XAPI: an action fails with a clear message in bounded time, and works once the pool answers', async ({
    page,
  }) => {
    const vm = 'Windows 10 desktop';
    await logIn(page, own, 'root', `${own.baseUrl}/object/vm/${vmUuid(own, vm)}`);
    await own.pool.setHostState(own.pool.master.uuid, 'hang');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect(page.getByText(/did not answer in time/)).toBeVisible({ timeout: 15_000 });
    await own.pool.setHostState(own.pool.master.uuid, 'up');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect.poll(() => own.pool.vm(vm).record.power_state, { timeout: 20_000 }).toBe('Running');
  });

  test('HOST_IS_SLAVE at login: a gateway pointed at a member logs users in through the master', async ({ page }) => {
    await own.gateway.close();
    own.gateway = await startGateway({
      config: own.config,
      xapiUrl: own.pool.hosts[2]!.url,
      trust: { kind: 'ca', pem: own.pool.caPem },
      logSink: own.logs,
      auditSink: own.audit,
      uiDir: 'apps/web/dist',
    });
    await logIn(page, own, 'root', `${own.gateway.url}/`);
    await expect(treeItem(page, 'Windows Server 2022')).toBeVisible();
  });
});
