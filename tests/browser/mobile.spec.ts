import type { CDPSession, Page } from '@playwright/test';
import type { Stack } from '../support/stack.ts';
import { consoleCanvas, expect, test, treeItem, vmUuid } from './fixtures.ts';

/**
 * The web app on a phone (Playwright's mobile emulation in Debian's Chromium: 390×844, touch, a mobile viewport):
 * the tree as a drawer, nothing wider than the screen at 360 px, and the console's touch controls reaching the
 * simulated guest as the keys and pointer events a desktop would send.
 */

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

const VM = 'Windows Server 2022';

interface GuestInput {
  readonly type: string;
  readonly down?: boolean;
  readonly keysym?: number;
  readonly mask?: number;
}
interface Desktop {
  readonly input: readonly GuestInput[];
  typedText(): string;
}
const desktop = (stack: Stack): Desktop => stack.pool.display(VM) as unknown as Desktop;

/** Logs in on a phone: the tree is in the closed drawer, so wait for the header's drawer button instead. */
async function logIn(page: Page, stack: Stack, path = '/'): Promise<void> {
  await page.goto(path);
  await page.getByLabel('User name').fill('root');
  await page.getByLabel('Password').fill(stack.password('root'));
  await page.getByRole('button', { name: 'Log in', exact: true }).tap();
  await expect(drawerButton(page)).toBeVisible();
}

const drawerButton = (page: Page) => page.getByRole('button', { name: 'Inventory', exact: true });
const touchKeys = (page: Page) => page.getByRole('toolbar', { name: 'Touch keys' });

async function openConsole(page: Page, stack: Stack): Promise<void> {
  await logIn(page, stack, `/object/vm/${vmUuid(stack, VM)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
}

/** The keys the guest received since `from`, as `keysym↓` / `keysym↑`. */
function keysSince(stack: Stack, from: number): string[] {
  return desktop(stack)
    .input.slice(from)
    .filter((e) => (e.type === 'key' || e.type === 'scancode') && e.keysym !== undefined)
    .map((e) => `${e.keysym!.toString(16)}${e.down ? '↓' : '↑'}`);
}

/** The pointer button masks the guest received since `from`, repeats collapsed. */
function buttonsSince(stack: Stack, from: number): number[] {
  const masks = desktop(stack)
    .input.slice(from)
    .filter((e) => e.type === 'pointer')
    .map((e) => e.mask!);
  return masks.filter((mask, i) => i === 0 || masks[i - 1] !== mask);
}

type TouchPoint = { x: number; y: number };

async function touch(cdp: CDPSession, type: 'touchStart' | 'touchMove' | 'touchEnd', points: TouchPoint[]) {
  await cdp.send('Input.dispatchTouchEvent', {
    type,
    touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })),
  });
}

/** Moves touches from `from` to `to` in `steps` steps, a little apart in time (noVNC tells gestures by movement). */
async function moveTouches(page: Page, cdp: CDPSession, from: TouchPoint[], to: TouchPoint[], steps = 12) {
  for (let step = 1; step <= steps; step++) {
    await page.waitForTimeout(16);
    await touch(
      cdp,
      'touchMove',
      from.map((p, i) => ({
        x: p.x + ((to[i]!.x - p.x) * step) / steps,
        y: p.y + ((to[i]!.y - p.y) * step) / steps,
      })),
    );
  }
}

async function canvasBox(page: Page) {
  const box = await consoleCanvas(page).boundingBox();
  if (!box) throw new Error('no console canvas');
  return box;
}

test('the tree is a drawer: the header button opens it, Esc and the backdrop close it, choosing navigates', async ({
  page,
  stack,
}) => {
  await logIn(page, stack);
  const tree = page.getByRole('tree');
  await expect(tree).toBeHidden();

  await drawerButton(page).tap();
  await expect(tree).toBeVisible();
  await expect(drawerButton(page)).toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.press('Escape');
  await expect(tree).toBeHidden();

  await drawerButton(page).tap();
  await expect(tree).toBeVisible();
  // Beside the drawer (it is at most 85% of the width).
  await page.locator('.drawer-backdrop').tap({ position: { x: 380, y: 600 } });
  await expect(tree).toBeHidden();

  await drawerButton(page).tap();
  await treeItem(page, VM).tap();
  await expect(page).toHaveURL(new RegExp(`/object/vm/${vmUuid(stack, VM)}`));
  await expect(page.getByRole('heading', { level: 1, name: VM })).toBeVisible();
  await expect(tree).toBeHidden();
});

test('at 360 px nothing is wider than the screen: the tree, a VM’s details, its console and a host’s', async ({
  page,
  stack,
}) => {
  await page.setViewportSize({ width: 360, height: 740 });
  const overflowing = () =>
    page.evaluate(() =>
      ['html', '.shell', '.details-area', '.nav-pane', '.details', '.console-frame', '.console-toolbar']
        .flatMap((selector) => [...document.querySelectorAll<HTMLElement>(selector)])
        .filter((e) => e.scrollWidth > e.clientWidth || e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)
        .concat(document.documentElement.scrollWidth > window.innerWidth ? ['document'] : []),
    );

  await logIn(page, stack);
  await drawerButton(page).tap();
  await expect(page.getByRole('tree')).toBeVisible();
  expect(await overflowing()).toEqual([]);

  await treeItem(page, VM).tap();
  await expect(page.getByRole('heading', { level: 1, name: VM })).toBeVisible();
  expect(await overflowing()).toEqual([]);

  await page.getByRole('link', { name: 'Console', exact: true }).tap();
  await expect(page.locator('.console-status')).toContainText('Connected');
  expect(await overflowing()).toEqual([]);
  // The toolbar's less used controls are behind "More".
  await expect(page.getByRole('button', { name: 'Paste as keys' })).toBeHidden();
  await page.getByRole('button', { name: 'More' }).tap();
  await expect(page.getByRole('button', { name: 'Paste as keys' })).toBeVisible();
  expect(await overflowing()).toEqual([]);

  // A host's console opens as text, its toolbar collapsed the same way.
  await page.goto(`/object/host/${stack.pool.hosts[0]!.uuid}/console`);
  await expect(page.locator('.text-console .console-status')).toContainText('Connected');
  await expect(page.getByRole('button', { name: 'Download' })).toBeHidden();
  expect(await overflowing()).toEqual([]);
  await page.getByRole('button', { name: 'More' }).tap();
  await expect(page.getByRole('button', { name: 'Download' })).toBeVisible();
  expect(await overflowing()).toEqual([]);
});

test('the modifier bar sends Ctrl+Alt+Del, and a sticky Ctrl applies to the next key typed', async ({
  page,
  stack,
}) => {
  await openConsole(page, stack);
  const bar = touchKeys(page);

  let from = desktop(stack).input.length;
  await bar.getByRole('button', { name: 'Ctrl+Alt+Del' }).tap();
  await page.getByRole('dialog').getByRole('button', { name: 'Send' }).tap();
  await expect.poll(() => keysSince(stack, from)).toEqual(['ffe3↓', 'ffe9↓', 'ffff↓', 'ffff↑', 'ffe9↑', 'ffe3↑']);

  await bar.getByRole('button', { name: 'Keyboard' }).tap();
  await expect(page.getByLabel('Type into the console')).toBeFocused();
  const ctrl = bar.getByRole('button', { name: 'Ctrl', exact: true });
  await ctrl.tap();
  await expect(ctrl).toHaveAttribute('aria-pressed', 'true');
  // The on-screen keyboard keeps the focus while the modifier is tapped.
  await expect(page.getByLabel('Type into the console')).toBeFocused();
  from = desktop(stack).input.length;
  await page.keyboard.type('c');
  await expect.poll(() => keysSince(stack, from)).toEqual(['ffe3↓', '63↓', '63↑', 'ffe3↑']);
  await expect(ctrl).toHaveAttribute('aria-pressed', 'false');

  // The modifier went with that key: the next one is plain.
  from = desktop(stack).input.length;
  await page.keyboard.type('v');
  await expect.poll(() => keysSince(stack, from)).toEqual(['76↓', '76↑']);
});

test('tap is a left click, long-press and two-finger tap are right clicks, at the guest', async ({ page, stack }) => {
  await openConsole(page, stack);
  const box = await canvasBox(page);
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const cdp = await page.context().newCDPSession(page);

  let from = desktop(stack).input.length;
  await touch(cdp, 'touchStart', [at]);
  await touch(cdp, 'touchEnd', []);
  await expect.poll(() => buttonsSince(stack, from)).toEqual([0, 1, 0]);

  from = desktop(stack).input.length;
  await touch(cdp, 'touchStart', [at]);
  await expect.poll(() => buttonsSince(stack, from), { timeout: 5_000 }).toEqual([0, 4]);
  await touch(cdp, 'touchEnd', []);
  await expect.poll(() => buttonsSince(stack, from)).toEqual([0, 4, 0]);

  from = desktop(stack).input.length;
  await touch(cdp, 'touchStart', [at, { x: at.x + 40, y: at.y }]);
  await touch(cdp, 'touchEnd', []);
  await expect.poll(() => buttonsSince(stack, from)).toEqual([0, 4, 0]);
});

test('pinch zooms the picture here (not in the guest), and a drag then pans it, as it does at 1:1', async ({
  page,
  stack,
}) => {
  await openConsole(page, stack);
  const before = await canvasBox(page);
  const cx = before.x + before.width / 2;
  const cy = before.y + before.height / 2;
  const cdp = await page.context().newCDPSession(page);
  const from = desktop(stack).input.length;

  const apart = [
    { x: cx - 20, y: cy },
    { x: cx + 20, y: cy },
  ];
  const spread = [
    { x: cx - 120, y: cy },
    { x: cx + 120, y: cy },
  ];
  await touch(cdp, 'touchStart', apart);
  await moveTouches(page, cdp, apart, spread);
  await touch(cdp, 'touchEnd', []);
  await expect.poll(async () => (await canvasBox(page)).width).toBeGreaterThan(before.width * 2);
  // noVNC alone would have sent the pinch as Ctrl + wheel buttons (8, 16).
  expect(keysSince(stack, from)).toEqual([]);
  expect(buttonsSince(stack, from).filter((mask) => mask !== 0)).toEqual([]);

  const stage = page.locator('.console-stage');
  const scrolled = () => stage.evaluate((e) => ({ left: e.scrollLeft, top: e.scrollTop }));
  const start = await scrolled();
  const dragFrom = [{ x: cx + 60, y: cy + 40 }];
  const dragTo = [{ x: cx - 60, y: cy - 40 }];
  await touch(cdp, 'touchStart', dragFrom);
  await moveTouches(page, cdp, dragFrom, dragTo);
  await touch(cdp, 'touchEnd', []);
  await expect.poll(async () => (await scrolled()).left).toBeGreaterThan(start.left + 60);
  expect((await scrolled()).top).toBeGreaterThan(start.top + 20);
  // Panning is not a left drag in the guest.
  expect(buttonsSince(stack, from).filter((mask) => mask !== 0)).toEqual([]);

  // At 1:1 the picture is larger than the phone: a drag pans it too.
  await page.getByRole('button', { name: 'More' }).tap();
  await page.getByRole('button', { name: 'Fit' }).tap();
  await expect(page.getByRole('button', { name: '1:1' })).toBeVisible();
  await page.getByRole('button', { name: 'More' }).tap();
  const native = await canvasBox(page);
  const screenScroll = () => consoleCanvas(page).evaluate((canvas) => canvas.parentElement!.scrollLeft);
  const startLeft = await screenScroll();
  const at = { x: Math.min(native.x + native.width, 380) - 40, y: cy };
  await touch(cdp, 'touchStart', [at]);
  await moveTouches(page, cdp, [at], [{ x: at.x - 150, y: at.y }]);
  await touch(cdp, 'touchEnd', []);
  await expect.poll(screenScroll).toBeGreaterThan(startLeft + 100);
  expect(buttonsSince(stack, from).filter((mask) => mask !== 0)).toEqual([]);
});

test('typing on the on-screen keyboard reaches the guest, a composition once and an autocorrection as edits', async ({
  page,
  stack,
}) => {
  await openConsole(page, stack);
  await touchKeys(page).getByRole('button', { name: 'Keyboard' }).tap();
  const field = page.getByLabel('Type into the console');
  await expect(field).toBeFocused();

  await page.keyboard.type('ab');
  await expect.poll(() => desktop(stack).typedText()).toBe('ab');

  // A phone keyboard composes a word letter by letter (correcting it on the way), then commits it: only the
  // finished word reaches the guest, with no keys taken back.
  const from = desktop(stack).input.length;
  await field.evaluate((element: HTMLTextAreaElement) => {
    element.dispatchEvent(new CompositionEvent('compositionstart', { data: '' }));
    for (const partial of ['h', 'he', 'hel', 'helo', 'hello']) {
      element.value = `ab${partial}`;
      element.dispatchEvent(
        new InputEvent('input', { inputType: 'insertCompositionText', data: partial, isComposing: true }),
      );
    }
    element.dispatchEvent(new CompositionEvent('compositionend', { data: 'hello' }));
  });
  await expect.poll(() => desktop(stack).typedText()).toBe('abhello');
  expect(keysSince(stack, from).filter((key) => key.endsWith('↓'))).toEqual(['68↓', '65↓', '6c↓', '6c↓', '6f↓']);

  // Autocorrect takes back "teh" letter by letter and types "the".
  await page.keyboard.type(' teh');
  await expect.poll(() => desktop(stack).typedText()).toBe('abhello teh');
  await field.evaluate((element: HTMLTextAreaElement) => {
    for (let i = 0; i < 3; i++) {
      element.dispatchEvent(new InputEvent('beforeinput', { inputType: 'deleteContentBackward', cancelable: true }));
      element.value = element.value.slice(0, -1);
      element.dispatchEvent(new InputEvent('input', { inputType: 'deleteContentBackward' }));
    }
    element.dispatchEvent(new InputEvent('beforeinput', { inputType: 'insertText', data: 'the', cancelable: true }));
    element.value += 'the';
    element.dispatchEvent(new InputEvent('input', { inputType: 'insertText', data: 'the' }));
  });
  await expect.poll(() => desktop(stack).typedText()).toBe('abhello the');

  // A replacement in one go (a suggestion chosen) is the same edit.
  await field.evaluate((element: HTMLTextAreaElement) => {
    element.value = element.value.replace(/the$/, 'then');
    element.dispatchEvent(new InputEvent('input', { inputType: 'insertReplacementText', data: 'then' }));
  });
  await expect.poll(() => desktop(stack).typedText()).toBe('abhello then');
});
