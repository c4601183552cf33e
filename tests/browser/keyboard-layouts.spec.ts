import type { CDPSession, Page } from '@playwright/test';
import type { Stack } from '../support/stack.ts';
import { expect, logIn, test, vmUuid } from './fixtures.ts';

/**
 * Keyboards other than US English, end to end: the browser's physical keys reach an HVM guest as QEMU scan codes, and
 * the guest's own layout (the simulated desktop reads them with the VM's platform:keymap, as a guest OS would) makes
 * them characters; paste-as-keys types text as the key presses of the guest's layout.
 */

const VM = 'Windows Server 2022';

interface DesktopDisplay {
  typedText(): string;
  statusLines(): readonly string[];
  readonly input: readonly unknown[];
}

const desktop = (stack: Stack): DesktopDisplay => stack.pool.display(VM) as unknown as DesktopDisplay;

/** Sets the VM's platform:keymap and reboots it, so that its console (QEMU) starts with that keymap. */
async function bootWithKeymap(stack: Stack, keymap: string | undefined): Promise<void> {
  const { ref, record } = stack.pool.vm(VM);
  const { keymap: _old, ...platform } = record.platform as Record<string, string>;
  stack.pool.setField('VM', ref, 'platform', keymap === undefined ? platform : { ...platform, keymap });
  await stack.pool.reboot(VM);
}

async function openConsole(page: Page, stack: Stack): Promise<void> {
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, VM)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
}

/**
 * One key as Chromium on Linux reports it with a given layout: `code` is the physical key, `key` what the layout
 * makes of it. noVNC sends the scan code of `code` (XtScancode) in a QEMU extended key event.
 */
interface PhysicalKey {
  code: string;
  key: string;
  text?: string;
  location?: number;
  modifiers?: number;
}

async function press(cdp: CDPSession, k: PhysicalKey, type: 'down' | 'up' = 'down'): Promise<void> {
  await cdp.send('Input.dispatchKeyEvent', {
    type: type === 'up' ? 'keyUp' : k.text ? 'keyDown' : 'rawKeyDown',
    code: k.code,
    key: k.key,
    ...(k.text && type === 'down' ? { text: k.text, unmodifiedText: k.text } : {}),
    location: k.location ?? 0,
    modifiers: k.modifiers ?? 0,
  });
}

async function tap(cdp: CDPSession, k: PhysicalKey): Promise<void> {
  await press(cdp, k);
  await press(cdp, k, 'up');
}

const ALT_GR: PhysicalKey = { code: 'AltRight', key: 'AltGraph', location: 2 };

/** AltGr held around a key, as a Linux browser reports it (one AltGraph key). */
async function withAltGr(cdp: CDPSession, k: PhysicalKey): Promise<void> {
  await press(cdp, ALT_GR);
  await tap(cdp, k);
  await press(cdp, ALT_GR, 'up');
}

async function focusConsole(page: Page): Promise<CDPSession> {
  await page.locator('.console-screen canvas').click();
  return page.context().newCDPSession(page);
}

/** Opens the paste dialog and types text into it. */
async function pasteDialog(page: Page, text: string) {
  await page.getByRole('button', { name: 'Paste as keys' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Text to type into the console').fill(text);
  return dialog;
}

test.describe('typing on a non-US keyboard', () => {
  test('ü@€ typed on a German keyboard reaches a German guest as ü@€', async ({ page, stack }) => {
    await bootWithKeymap(stack, 'de');
    await openConsole(page, stack);
    const cdp = await focusConsole(page);
    await tap(cdp, { code: 'BracketLeft', key: 'ü', text: 'ü' });
    await withAltGr(cdp, { code: 'KeyQ', key: '@', text: '@' });
    await withAltGr(cdp, { code: 'KeyE', key: '€', text: '€' });
    await expect.poll(() => desktop(stack).typedText()).toBe('ü@€');
    expect(desktop(stack).statusLines()).toContain('Typed: ü@€');
  });

  test('à@ typed on a French keyboard reaches a French guest as à@', async ({ page, stack }) => {
    await bootWithKeymap(stack, 'fr');
    await openConsole(page, stack);
    const cdp = await focusConsole(page);
    await tap(cdp, { code: 'Digit0', key: 'à', text: 'à' });
    await withAltGr(cdp, { code: 'Digit0', key: '@', text: '@' });
    await expect.poll(() => desktop(stack).typedText()).toBe('à@');
  });

  test('AltGr on a Windows browser (a fake Ctrl before it) types @, not Ctrl+Alt+Q', async ({ page, stack }) => {
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'platform', { get: () => 'Win32' }));
    await bootWithKeymap(stack, 'de');
    await openConsole(page, stack);
    const cdp = await focusConsole(page);
    // Windows sends AltGr as Control then AltGr, and the character with Ctrl and Alt set (CDP: Alt=1, Ctrl=2).
    const ctrl: PhysicalKey = { code: 'ControlLeft', key: 'Control', location: 1, modifiers: 2 };
    // Both at once: noVNC recognises the pair by their timestamps (less than 50 ms apart).
    await Promise.all([press(cdp, ctrl), press(cdp, { ...ALT_GR, modifiers: 3 })]);
    await tap(cdp, { code: 'KeyQ', key: '@', text: '@', modifiers: 3 });
    await press(cdp, { ...ALT_GR, modifiers: 2 }, 'up');
    await press(cdp, { ...ctrl, modifiers: 0 }, 'up');
    await tap(cdp, { code: 'KeyY', key: 'z', text: 'z' });
    await expect.poll(() => desktop(stack).typedText()).toBe('@z');
  });
});

test.describe('paste as keys into a non-US guest', () => {
  const MIXED = 'Grüße, café à São Paulo — 東京 @€ {x}\n';
  const cases = [
    { keymap: 'de', left: ['ã', '—', '東', '京'] },
    { keymap: 'fr', left: ['ß', 'ã', '—', '東', '京'] },
    { keymap: 'ja', left: ['ü', 'ß', 'é', 'à', 'ã', '—', '東', '京', '€'] },
  ];
  for (const { keymap, left } of cases) {
    test(`a mixed-script text on a ${keymap} guest: what the layout cannot type is listed first, the rest typed exactly`, async ({
      page,
      stack,
    }) => {
      await bootWithKeymap(stack, keymap);
      await openConsole(page, stack);
      const dialog = await pasteDialog(page, MIXED);
      await expect(dialog.getByLabel('Guest keyboard layout')).toHaveValue(keymap);
      await expect(dialog).toContainText(`From the VM’s platform:keymap (${keymap}).`);
      const listed = dialog.getByRole('alert').getByRole('listitem');
      await expect(listed).toHaveCount(left.length);
      for (const char of left) await expect(dialog.getByRole('alert')).toContainText(`“${char}”`);
      // Nothing is sent before the user agrees to leave them out.
      await page.waitForTimeout(300);
      expect(desktop(stack).typedText()).toBe('');
      await dialog.getByRole('button', { name: 'Leave them out and type the rest' }).click();
      const expected = [...MIXED].filter((c) => !left.includes(c)).join('');
      await expect(page.getByText(`Typed ${[...expected].length} characters.`)).toBeVisible();
      expect(desktop(stack).typedText()).toBe(expected);
    });
  }

  test('asks for the layout when platform:keymap has no table, says so, and remembers the choice', async ({
    page,
    stack,
  }) => {
    await bootWithKeymap(stack, 'tlh');
    await openConsole(page, stack);
    const dialog = await pasteDialog(page, 'Zä');
    await expect(dialog).toContainText('The VM’s platform:keymap is “tlh”, which has no layout table here');
    await expect(dialog.getByRole('button', { name: 'Type it' })).toBeDisabled();
    await dialog.getByLabel('Guest keyboard layout').selectOption('de');
    await dialog.getByRole('button', { name: 'Type it' }).click();
    await expect(page.getByText('Typed 2 characters.')).toBeVisible();
    // The keys of a German Z and Ä were pressed (Shift+KeyY, Quote); the simulated guest, which has no "tlh" layout
    // either, reads them as US English.
    expect(desktop(stack).typedText()).toBe("Y'");
    const again = await pasteDialog(page, 'x');
    await expect(again.getByLabel('Guest keyboard layout')).toHaveValue('de');
    await expect(again).toContainText('Chosen for this VM earlier.');
  });

  test('refuses a 1 MB paste with the limit, and lists control characters and emoji', async ({ page, stack }) => {
    await bootWithKeymap(stack, 'de');
    await openConsole(page, stack);
    const dialog = await pasteDialog(page, 'a'.repeat(1 << 20));
    await expect(dialog.getByRole('alert')).toContainText(
      'The text has 1,048,576 characters; at most 50,000 can be typed at once.',
    );
    await expect(dialog.getByRole('button', { name: 'Type it' })).toBeDisabled();
    await dialog.getByLabel('Text to type into the console').fill('ok\u0007😀');
    await expect(dialog.getByRole('alert')).toContainText('control character U+0007');
    await expect(dialog.getByRole('alert')).toContainText('“😀” U+1F600');
    await dialog.getByRole('button', { name: 'Leave them out and type the rest' }).click();
    await expect(page.getByText('Typed 2 characters.')).toBeVisible();
    expect(desktop(stack).typedText()).toBe('ok');
  });

  test('a secret is typed between secret on and off, and hidden in the dialog', async ({ page, stack }) => {
    await bootWithKeymap(stack, 'de');
    // Text frames as they are; RFB frames by kind: QEMU key events (255) and plain key events (4) are keys.
    const frames: string[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', ({ payload }) =>
        frames.push(typeof payload === 'string' ? payload : payload[0] === 255 || payload[0] === 4 ? 'key' : 'rfb'),
      ),
    );
    await openConsole(page, stack);
    const dialog = await pasteDialog(page, 'Pässwort@1');
    await dialog.getByRole('checkbox', { name: /Secret/ }).check();
    await expect(dialog.getByLabel('Text to type into the console')).toHaveClass(/secret/);
    const before = frames.length;
    await dialog.getByRole('button', { name: 'Type it' }).click();
    await expect(page.getByText('Typed 10 characters.')).toBeVisible();
    expect(desktop(stack).typedText()).toBe('Pässwort@1');
    await expect.poll(() => frames.includes('{"type":"secret","on":false}')).toBe(true);
    const typing = frames.slice(before);
    const on = typing.indexOf('{"type":"secret","on":true}');
    const off = typing.indexOf('{"type":"secret","on":false}');
    const keys = typing.flatMap((f, i) => (f === 'key' ? [i] : []));
    expect(keys.length).toBeGreaterThan(20);
    expect(on).toBeGreaterThanOrEqual(0);
    expect(keys.every((i) => i > on && i < off)).toBe(true);
  });
});

/** 10,000 characters of German text with Shift, AltGr and dead-key characters, numbered so order shows. */
function longGermanText(): string {
  let text = '';
  for (let line = 1; text.length < 10_000; line++)
    text += `${String(line).padStart(4, '0')} Größe ÄÖÜ äöü @€{[]}\\~| é è ê Ñ? ^°\n`;
  return text.slice(0, 10_000);
}

for (const [path, env] of [
  ['the direct path', {}],
  ['the shared engine', { CONSOLE_SHARING: 'always' }],
] as const) {
  test.describe(`a long paste through ${path}`, () => {
    test.use({ gatewayEnv: env });
    test('10,000 characters arrive, none lost or out of order', async ({ page, stack }) => {
      test.setTimeout(180_000);
      await bootWithKeymap(stack, 'de');
      await openConsole(page, stack);
      const text = longGermanText();
      const dialog = await pasteDialog(page, text);
      await expect(dialog.getByRole('alert')).toContainText('“Ñ” U+00D1');
      const expected = text.replaceAll('Ñ', '');
      // A plain click waits for the page to settle, which a long paste keeps busy: dispatch it and watch progress.
      await dialog.getByRole('button', { name: 'Leave them out and type the rest' }).dispatchEvent('click');
      await expect(dialog.getByRole('status')).toContainText(`/ ${expected.length}`);
      // The dialog closes once every character is sent (it stays open, saying why, if typing stops early).
      await expect(dialog).toBeHidden({ timeout: 120_000 });
      await expect.poll(() => desktop(stack).typedText().length).toBe(expected.length);
      expect(desktop(stack).typedText()).toBe(expected);
    });
  });
}
