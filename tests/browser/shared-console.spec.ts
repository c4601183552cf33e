import type { Browser, Page } from '@playwright/test';
import type { Stack } from '../support/stack.ts';
import { consoleCanvas, expect, logIn, test, vmUuid } from './fixtures.ts';

/**
 * Several people on one VM console through the gateway's shared console engine: each sees who else is there and who
 * has the keyboard; the keyboard passes on request, hand-over or a pool admin's take; a follower's keys do not reach
 * the guest. The simulated pool's users: root and admin (pool admins), operator, vmoperator.
 */

const VM = 'Debian 12 web';

interface TextDisplay {
  screenLines(): string[];
}

/** One person in a browser of their own (own cookies), on the VM's console: embedded, or in the pop-out window. */
async function joinConsole(
  browser: Browser,
  stack: Stack,
  user: string,
  where: 'embedded' | 'window' = 'embedded',
): Promise<Page> {
  const context = await browser.newContext({ baseURL: stack.baseUrl, locale: 'en-GB' });
  const page = await context.newPage();
  const uuid = vmUuid(stack, VM);
  await logIn(page, stack, user, `/object/vm/${uuid}/console`);
  if (where === 'window') await page.goto(`/console/vm/${uuid}`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  return page;
}

const people = (page: Page) => page.getByRole('region', { name: 'People on this console' });
const keyboardBar = (page: Page) => page.getByRole('region', { name: 'Keyboard control' });
const screenText = (stack: Stack) => (stack.pool.display(VM) as unknown as TextDisplay).screenLines().join('\n');

async function typeInto(page: Page, text: string): Promise<void> {
  await consoleCanvas(page).click();
  await page.keyboard.type(text, { delay: 20 });
}

test.describe('a console shared from the start', () => {
  test.use({ gatewayEnv: { CONSOLE_SHARING: 'always' } });

  test('two people see each other; the second asks for the keyboard and the first hands it over', async ({
    browser,
    stack,
  }) => {
    const first = await joinConsole(browser, stack, 'operator');
    try {
      await expect(first.locator('.console-people')).toHaveText(/Only you/);
      const second = await joinConsole(browser, stack, 'vmoperator', 'window');

      // Both are listed on both sides; the first one in has the keyboard.
      await first.getByRole('button', { name: 'People on this console: 2' }).click();
      await expect(people(first).getByRole('listitem')).toHaveCount(2);
      await expect(people(first).getByRole('listitem').filter({ hasText: 'operator (you)' })).toContainText(
        'has the keyboard',
      );
      await expect(people(first).getByRole('listitem').filter({ hasText: 'vmoperator' })).toContainText('VM Operator');
      await expect(keyboardBar(first)).toContainText('You have the keyboard.');
      await expect(keyboardBar(second)).toContainText('operator has the keyboard');

      // The follower's keys are dropped by the gateway, and the follower is told so.
      await typeInto(second, 'zzq');
      await expect(second.locator('.console-hint')).toContainText('operator has the keyboard');
      await typeInto(first, 'ab');
      await expect.poll(() => screenText(stack)).toContain('ab');
      expect(screenText(stack)).not.toContain('zzq');

      // Request → hand-over.
      await keyboardBar(second).getByRole('button', { name: 'Request keyboard' }).click();
      await expect(keyboardBar(first)).toContainText('vmoperator asks for the keyboard');
      await keyboardBar(first).getByRole('button', { name: 'Hand over' }).click();
      await expect(second.locator('.console-notice')).toContainText('operator handed you the keyboard.');
      await expect(keyboardBar(second)).toContainText('You have the keyboard.');
      await expect(keyboardBar(first)).toContainText('vmoperator has the keyboard');
      await typeInto(second, 'cd');
      await expect.poll(() => screenText(stack)).toContain('abcd');
      await second.context().close();
      await expect(first.locator('.console-people')).toHaveText(/Only you/);
    } finally {
      await first.context().close();
    }
  });

  test('a pool admin takes the keyboard after confirming; the holder turns a request down by shortcut', async ({
    browser,
    stack,
  }) => {
    const operator = await joinConsole(browser, stack, 'operator');
    const vmoperator = await joinConsole(browser, stack, 'vmoperator');
    const root = await joinConsole(browser, stack, 'root');
    try {
      await expect(root.getByRole('button', { name: 'People on this console: 3' })).toBeVisible();
      // Only a pool admin is offered the take.
      await expect(keyboardBar(vmoperator).getByRole('button', { name: 'Take keyboard…' })).toHaveCount(0);
      await keyboardBar(root).getByRole('button', { name: 'Take keyboard…' }).click();
      const dialog = root.getByRole('dialog');
      await expect(dialog).toContainText('Take the keyboard from operator?');
      await dialog.getByRole('button', { name: 'Take keyboard' }).click();
      await expect(keyboardBar(root)).toContainText('You have the keyboard.');
      await expect(operator.locator('.console-notice')).toContainText('root took the keyboard.');
      await expect(keyboardBar(vmoperator)).toContainText('root has the keyboard');

      await keyboardBar(vmoperator).getByRole('button', { name: 'Request keyboard' }).click();
      await expect(keyboardBar(root)).toContainText('vmoperator asks for the keyboard');
      await consoleCanvas(root).click();
      await root.keyboard.press('Control+Alt+N');
      await expect(vmoperator.locator('.console-notice')).toContainText(
        'Your request for the keyboard was denied by root.',
      );
      await expect(keyboardBar(root)).not.toContainText('asks for the keyboard');
      await expect(keyboardBar(root)).toContainText('You have the keyboard.');
    } finally {
      for (const page of [operator, vmoperator, root]) await page.context().close();
    }
  });

  test('everyone stays connected while the VM reboots under the shared console', async ({ browser, stack }) => {
    const first = await joinConsole(browser, stack, 'operator');
    const second = await joinConsole(browser, stack, 'vmoperator');
    try {
      const sockets: string[] = [];
      first.on('websocket', (ws) => sockets.push(ws.url()));
      const before = stack.pool.display(VM);
      await stack.pool.reboot(VM);
      await expect(first.locator('.console-notice')).toContainText('VM rebooted — console re-attached');
      expect(stack.pool.display(VM)).not.toBe(before);
      await expect(first.locator('.console-status')).toContainText('Connected');
      expect(sockets).toEqual([]);
      // The keyboard holder's keys reach the rebooted guest through the same socket.
      await typeInto(first, 'up');
      await expect.poll(() => screenText(stack)).toContain('up');
      await expect(keyboardBar(second)).toContainText('operator has the keyboard');
    } finally {
      for (const page of [first, second]) await page.context().close();
    }
  });

  test('a VM shut down under the shared console is explained to everyone, who follow it back when it starts', async ({
    browser,
    stack,
  }) => {
    const viewers = [await joinConsole(browser, stack, 'operator'), await joinConsole(browser, stack, 'vmoperator')];
    try {
      await stack.pool.halt(VM);
      for (const page of viewers) await expect(page.locator('.console-message')).toContainText('This VM is shut down.');
      await stack.pool.start(VM);
      for (const page of viewers) await expect(page.locator('.console-status')).toContainText('Connected');
      await expect(viewers[0]!.getByRole('button', { name: 'People on this console: 2' })).toBeVisible();
    } finally {
      for (const page of viewers) await page.context().close();
    }
  });
});

test.describe('a console that becomes shared', () => {
  test('the lone viewer is moved onto the shared console without a visible reconnect', async ({ browser, stack }) => {
    const first = await joinConsole(browser, stack, 'operator');
    try {
      await expect(first.locator('.console-people')).toHaveText(/Only you/);
      // Any reconnect overlay from now on would be a visible flash.
      await first.evaluate(() => {
        const seen = { overlay: false };
        (window as unknown as { seen: typeof seen }).seen = seen;
        new MutationObserver(() => {
          if (document.querySelector('.console-overlay')) seen.overlay = true;
        }).observe(document.body, { childList: true, subtree: true });
      });
      const sockets: string[] = [];
      first.on('websocket', (ws) => sockets.push(ws.url()));
      await consoleCanvas(first).click();
      const second = await joinConsole(browser, stack, 'vmoperator');
      await expect(first.getByRole('button', { name: 'People on this console: 2' })).toBeVisible();
      expect(sockets).toHaveLength(1);
      // The keys stay with the console across the move.
      await expect.poll(() => first.evaluate(() => document.activeElement?.tagName)).toBe('CANVAS');
      expect(await first.evaluate(() => (window as unknown as { seen: { overlay: boolean } }).seen.overlay)).toBe(
        false,
      );
      await expect(keyboardBar(second)).toContainText('has the keyboard');
      await second.context().close();
    } finally {
      await first.context().close();
    }
  });

  test('view only is remembered: the console reconnects asking for it, and the gateway never gives it the keyboard', async ({
    browser,
    stack,
  }) => {
    const first = await joinConsole(browser, stack, 'operator');
    try {
      const sockets: string[] = [];
      first.on('websocket', (ws) => sockets.push(ws.url()));
      await first.getByRole('button', { name: 'View only' }).click();
      await expect.poll(() => sockets).toHaveLength(1);
      expect(sockets[0]).toMatch(/\/api\/consoles\/vm\/[0-9a-f-]+\?view=only$/);
      await expect(first.locator('.console-status')).toContainText('Connected');

      const second = await joinConsole(browser, stack, 'vmoperator');
      await expect(keyboardBar(second)).toContainText('You have the keyboard.');
      await expect(keyboardBar(first)).toContainText('You are watching only; vmoperator has the keyboard.');
      await first.getByRole('button', { name: 'People on this console: 2' }).click();
      await expect(people(first).getByRole('listitem').filter({ hasText: 'operator (you)' })).toContainText(
        'view only',
      );
      await second.context().close();
    } finally {
      await first.context().close();
    }
  });
});
