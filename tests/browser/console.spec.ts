import type { Page } from '@playwright/test';
import { DESKTOP_PATCHES } from '@xwc/xapi-sim';
import type { Stack } from '../support/stack.ts';
import { canvasPicture, consoleCanvas, expect, logIn, type Picture, test, vmUuid } from './fixtures.ts';

function pixel(picture: Picture, x: number, y: number): number {
  const i = (y * picture.width + x) * 4;
  return (picture.rgba[i]! << 16) | (picture.rgba[i + 1]! << 8) | picture.rgba[i + 2]!;
}

interface DisplayWithPicture {
  snapshot(): Picture;
}
interface TextDisplay {
  screenLines(): string[];
}

async function openConsole(page: Page, stack: Stack, vm: string): Promise<void> {
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
}

test('shows a running HVM guest’s screen exactly as the console server draws it', async ({ page, stack }) => {
  const vm = 'Windows Server 2022';
  await openConsole(page, stack, vm);
  const display = stack.pool.display(vm) as unknown as DisplayWithPicture;
  await expect
    .poll(async () => {
      const picture = await canvasPicture(page);
      return DESKTOP_PATCHES.map((p) => `${p.name}:${pixel(picture, p.x + p.w / 2, p.y + p.h / 2).toString(16)}`);
    })
    .toEqual(DESKTOP_PATCHES.map((p) => `${p.name}:${p.colour.toString(16)}`));

  // Beyond the patches, the whole frame equals the server's picture (the clock may tick between the two reads).
  const expected = display.snapshot();
  const shown = await canvasPicture(page);
  expect([shown.width, shown.height]).toEqual([expected.width, expected.height]);
  let differing = 0;
  for (let i = 0; i < expected.rgba.length; i += 4) {
    if (
      expected.rgba[i] !== shown.rgba[i] ||
      expected.rgba[i + 1] !== shown.rgba[i + 1] ||
      expected.rgba[i + 2] !== shown.rgba[i + 2]
    ) {
      differing++;
    }
  }
  expect(differing / (expected.width * expected.height)).toBeLessThan(0.01);
  await expect(page.locator('.latency')).toHaveText(/\d+ ms/, { timeout: 20_000 });
});

test('types into a PV guest’s text console and sees the echo', async ({ page, stack }) => {
  const vm = 'Debian 12 web';
  await openConsole(page, stack, vm);
  const display = stack.pool.display(vm)!;
  const before = display.input.length;
  await consoleCanvas(page).click();
  await page.keyboard.type('hello', { delay: 20 });
  await expect.poll(() => (display as unknown as TextDisplay).screenLines().join('\n')).toContain('hello');
  const typed = display.input
    .slice(before)
    .filter((e) => (e.type === 'key' || e.type === 'scancode') && e.down && e.keysym !== undefined)
    .map((e) => String.fromCharCode((e as { keysym: number }).keysym));
  expect(typed.join('')).toContain('hello');
});

test('pastes text as keystrokes into a console without a clipboard', async ({ page, stack }) => {
  const vm = 'Debian 12 web';
  await openConsole(page, stack, vm);
  await page.getByRole('button', { name: 'Paste as keys' }).click();
  await page.getByLabel('Text to type into the console').fill('root\n');
  await page.getByRole('button', { name: 'Type it' }).click();
  await expect(page.getByText('Typed 5 characters.')).toBeVisible();
  await expect
    .poll(() => (stack.pool.display(vm) as unknown as TextDisplay).screenLines().join('\n'))
    .toMatch(/login: root/);
});

test('Ctrl+Alt+Del reaches the guest, from the button (confirmed) and from Ctrl+Alt+Insert', async ({
  page,
  stack,
}) => {
  const vm = 'Windows Server 2022';
  await openConsole(page, stack, vm);
  const display = stack.pool.display(vm)!;
  const deletes = () =>
    display.input.filter(
      (e) =>
        (e.type === 'key' || e.type === 'scancode') &&
        e.down &&
        (e.keysym === 0xffff || (e.type === 'scancode' && (e.scancode === 0xd3 || e.scancode === 0xe053))),
    ).length;
  const before = deletes();
  await page.getByRole('button', { name: 'Ctrl+Alt+Del' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Send' }).click();
  await expect.poll(deletes).toBe(before + 1);

  await consoleCanvas(page).click();
  await page.keyboard.press('Control+Alt+Insert');
  await expect.poll(deletes).toBe(before + 2);
});

test('re-attaches by itself when the VM reboots, and says so', async ({ page, stack }) => {
  const vm = 'Debian 12 web';
  await openConsole(page, stack, vm);
  const first = stack.pool.display(vm);
  await stack.pool.reboot(vm);
  await expect(page.locator('.console-notice')).toContainText('VM rebooted — console re-attached');
  await expect(page.locator('.console-status')).toContainText('Connected');
  const second = stack.pool.display(vm);
  expect(second).not.toBe(first);
  // The new console answers typed keys: the view is attached to it, not to the dead one.
  const before = second!.input.length;
  await consoleCanvas(page).click();
  await page.keyboard.type('ok');
  await expect.poll(() => second!.input.length).toBeGreaterThan(before);
});

test('follows a live migration to another host', async ({ page, stack }) => {
  const vm = 'Debian 12 web';
  await openConsole(page, stack, vm);
  await stack.pool.migrate(vm, 'xcp-host-03');
  await expect(page.locator('.console-notice')).toContainText('Migrated to host xcp-host-03 — console re-attached');
  await expect(page.locator('.console-status')).toContainText('Connected');
});

test('explains a halted VM and starts it from the console view', async ({ page, stack }) => {
  const vm = 'Windows 10 desktop';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/console`);
  await expect(page.locator('.console-message')).toContainText('This VM is shut down.');
  await page.getByRole('button', { name: 'Start the VM' }).click();
  await expect(page.locator('.console-status')).toContainText('Connected');
  await expect(page.locator('.console-notice')).toContainText('VM started — console attached');
});

test('explains why a VM with disable_pv_vnc has no console', async ({ page, stack }) => {
  const vm = 'CentOS 7 legacy';
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/console`);
  await expect(page.locator('.console-message')).toContainText('This VM is shut down.');
  await page.getByRole('button', { name: 'Start the VM' }).click();
  await expect(page.locator('.console-message')).toContainText('disable_pv_vnc');
});

test('a read-only user is told why there is no console', async ({ page, stack }) => {
  await logIn(page, stack, 'readonly', `/object/vm/${vmUuid(stack, 'Windows Server 2022')}/console`);
  await expect(page.locator('.console-unavailable')).toContainText(
    'needs the VM Operator role or higher; you are Read Only',
  );
  await expect(page.locator('.console-screen')).toHaveCount(0);
});

test('a page on another origin cannot open a console, even with the user’s cookie', async ({ page, stack }) => {
  const uuid = vmUuid(stack, 'Windows Server 2022');
  await logIn(page, stack);
  const display = stack.pool.display('Windows Server 2022');
  const inputsBefore = display?.input.length ?? 0;
  // Another port on the same host is another origin (but the same site, so the session cookie still travels).
  const http = await import('node:http');
  const evil = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>evil</title>');
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  try {
    const port = (evil.address() as { port: number }).port;
    await page.goto(`http://127.0.0.1:${port}/`);
    const result = await page.evaluate(
      (url) =>
        new Promise<{ opened: boolean; code: number }>((resolve) => {
          const ws = new WebSocket(url);
          let opened = false;
          ws.onopen = () => {
            opened = true;
          };
          ws.onclose = (event) => resolve({ opened, code: event.code });
        }),
      `${stack.baseUrl.replace('http', 'ws')}/api/consoles/vm/${uuid}`,
    );
    expect(result).toEqual({ opened: false, code: 1006 });
    expect(stack.pool.display('Windows Server 2022')?.input.length ?? 0).toBe(inputsBefore);
  } finally {
    await new Promise((resolve) => evil.close(resolve));
  }
});
