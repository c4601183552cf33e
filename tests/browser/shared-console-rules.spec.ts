import type { Browser, Page } from '@playwright/test';
import { consoleOf, openViewer } from '../../apps/xapi-sim/test/console-client.ts';
import { login } from '../../apps/xapi-sim/test/sim-client.ts';
import type { Stack } from '../support/stack.ts';
import { canvasPicture, expect, logIn, test, vmUuid, type Picture } from './fixtures.ts';

/**
 * A shared console as the pool's own rules shape it: every viewer sees the guest's exact picture from one connection;
 * a console another client holds names the holder instead of retrying; a console the pool closes for idleness says so
 * and offers to reconnect.
 */

interface DisplayWithPicture {
  snapshot(): Picture;
}

async function viewerOf(browser: Browser, stack: Stack, user: string, vm: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: stack.baseUrl, locale: 'en-GB' });
  const page = await context.newPage();
  await logIn(page, stack, user, `/object/vm/${vmUuid(stack, vm)}/console`);
  return page;
}

/** Share of pixels that differ between what the page shows and the guest's screen. */
function differing(shown: Picture, expected: Picture): number {
  if (shown.width !== expected.width || shown.height !== expected.height) return 1;
  let count = 0;
  for (let i = 0; i < expected.rgba.length; i += 4) {
    if (
      expected.rgba[i] !== shown.rgba[i] ||
      expected.rgba[i + 1] !== shown.rgba[i + 1] ||
      expected.rgba[i + 2] !== shown.rgba[i + 2]
    ) {
      count++;
    }
  }
  return count / (expected.width * expected.height);
}

function setPool(stack: Stack, field: string, value: unknown): void {
  const [pool] = stack.pool.findRefs('pool');
  stack.pool.setField('pool', pool!, field, value);
}

test.use({ gatewayEnv: { CONSOLE_SHARING: 'always' } });

test('three people see the guest’s exact picture through one connection under the pool’s limit', async ({
  browser,
  stack,
}) => {
  setPool(stack, 'limit_console_sessions', true);
  const vm = 'Windows Server 2022';
  const pages = [
    await viewerOf(browser, stack, 'root', vm),
    await viewerOf(browser, stack, 'operator', vm),
    await viewerOf(browser, stack, 'vmoperator', vm),
  ];
  try {
    const display = stack.pool.display(vm) as unknown as DisplayWithPicture;
    for (const page of pages) {
      await expect(page.locator('.console-status')).toContainText('Connected');
      // The guest's clock may tick between the two reads: a handful of pixels at most.
      await expect
        .poll(async () => differing(await canvasPicture(page), display.snapshot()), { timeout: 15_000 })
        .toBeLessThan(0.01);
    }
    await expect(pages[0]!.getByRole('button', { name: 'People on this console: 3' })).toBeVisible();
  } finally {
    for (const page of pages) await page.context().close();
  }
});

test('a console another client holds names the holder, with no retry loop', async ({ browser, stack }) => {
  setPool(stack, 'limit_console_sessions', true);
  const vm = 'Ubuntu 24.04 build agent';
  const other = await openViewer(
    stack.pool,
    consoleOf(stack.pool, stack.pool.vm(vm).ref, 'rfb'),
    await login(stack.pool, 'operator'),
  );
  const page = await viewerOf(browser, stack, 'root', vm);
  try {
    await expect(page.locator('.console-overlay')).toContainText('In use by operator from another client.');
    await expect(page.getByRole('button', { name: 'Reconnect' })).toBeVisible();
    // Stopped, not retrying: the overlay stays as it is.
    await page.waitForTimeout(2000);
    await expect(page.locator('.console-overlay')).toContainText('In use by operator from another client.');
  } finally {
    other.socket.destroy();
    await page.context().close();
  }
});

test('a console the pool closes after its idle timeout is explained, and Reconnect brings it back', async ({
  browser,
  stack,
}) => {
  setPool(stack, 'vm_console_idle_timeout', 2);
  const vm = 'Debian 12 web';
  const page = await viewerOf(browser, stack, 'root', vm);
  try {
    await expect(page.locator('.console-status')).toContainText('Connected');
    await expect(page.locator('.console-overlay')).toContainText('idle timeout', { timeout: 15_000 });
    setPool(stack, 'vm_console_idle_timeout', 0);
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await expect(page.locator('.console-status')).toContainText('Connected');
  } finally {
    await page.context().close();
  }
});
