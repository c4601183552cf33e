import type { Page } from '@playwright/test';
import { CELL_HEIGHT, CELL_WIDTH, Desktop, desktopLayout } from '../../apps/xapi-sim/src/rfb/index.ts';
import type { Stack } from '../support/stack.ts';
import { canvasPicture, expect, logIn, test, vmUuid } from './fixtures.ts';

/** XenCenter's DVD drive beside the console: insert and eject ISOs of the pool's ISO libraries while installing. */

const VM = 'Windows Server 2022';
const ISO = 'debian-12.7.0-amd64-netinst.iso';
/** The desktop's line that shows the DVD drive (the eighth line of its window). */
const DVD_LINE = 7;

function drive(stack: Stack, vm: string) {
  const [ref] = stack.pool.findRefs('VBD', (r) => r.VM === stack.pool.vm(vm).ref && r.type === 'CD');
  return { ref: ref!, record: () => stack.pool.record('VBD', ref!) };
}

function vdiName(stack: Stack, ref: string): string {
  return ref === 'OpaqueRef:NULL' ? '' : String(stack.pool.record('VDI', ref).name_label);
}

function desktopOf(stack: Stack, vm: string): Desktop {
  const display = stack.pool.display(vm);
  if (!(display instanceof Desktop)) throw new Error(`${vm} shows no desktop`);
  return display;
}

async function openConsole(page: Page, stack: Stack, vm: string, user = 'root'): Promise<void> {
  await logIn(page, stack, user, `/object/vm/${vmUuid(stack, vm)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
}

const dvdDrive = (page: Page) => page.getByRole('group', { name: 'DVD drive', exact: true });

/** Whether the browser shows the desktop's DVD line exactly as the simulated guest drew it. */
async function dvdLineShown(page: Page, desktop: Desktop): Promise<boolean> {
  const expected = desktop.snapshot();
  const shown = await canvasPicture(page);
  if (shown.width !== expected.width || shown.height !== expected.height) return false;
  const { x, y } = desktopLayout(expected.width, expected.height).statusLine(DVD_LINE);
  for (let row = y; row < y + CELL_HEIGHT; row++) {
    for (let col = x; col < x + 48 * CELL_WIDTH && col < expected.width; col++) {
      const i = (row * expected.width + col) * 4;
      if (shown.rgba[i] !== expected.rgba[i] || shown.rgba[i + 1] !== expected.rgba[i + 1]) return false;
    }
  }
  return true;
}

test('ejects and inserts ISOs from the pool’s ISO libraries beside the console, and the guest sees the disc', async ({
  page,
  stack,
}) => {
  await openConsole(page, stack, VM);
  const desktop = desktopOf(stack, VM);
  const dvd = dvdDrive(page);
  await expect(dvd).toContainText('guest-tools.iso');
  await expect.poll(() => desktop.statusLines()[DVD_LINE]).toBe('DVD drive: guest-tools.iso');

  // Eject, with its progress shown while the pool works.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/objects/vbd/*/eject', async (route) => {
    await held;
    await route.continue();
  });
  await dvd.getByRole('button', { name: 'Eject' }).click();
  await expect(dvd.getByRole('status')).toHaveText(/Ejecting guest-tools\.iso…/);
  await expect(dvd.getByRole('button', { name: 'Insert ISO…' })).toBeDisabled();
  release();
  await expect(dvd).toContainText('Empty');
  expect(drive(stack, VM).record().empty).toBe(true);
  await expect.poll(() => desktop.statusLines()[DVD_LINE]).toBe('DVD drive: empty');
  await page.unroute('**/api/objects/vbd/*/eject');

  // Insert: the ISOs of every ISO library, grouped by SR, searchable.
  await dvd.getByRole('button', { name: 'Insert ISO…' }).click();
  const picker = page.getByRole('dialog', { name: 'Choose an ISO' });
  const list = picker.getByRole('listbox', { name: 'ISOs' });
  await expect(list.getByRole('group', { name: 'ISO library', exact: true })).toBeVisible();
  await expect(list.getByRole('group', { name: 'XCP-ng Tools', exact: true })).toBeVisible();
  await expect(list.getByRole('option', { name: 'guest-tools.iso' })).toBeVisible();
  // The hidden ISO library is not offered.
  await expect(list.getByRole('group', { name: 'ISO library (hidden)' })).toHaveCount(0);
  await picker.getByRole('searchbox', { name: 'Search ISOs' }).fill('debian');
  await expect(list.getByRole('option')).toHaveCount(1);
  await expect(list.getByRole('group', { name: 'XCP-ng Tools' })).toHaveCount(0);
  await list.getByRole('option', { name: ISO }).click();
  await expect(dvd).toContainText(ISO);
  expect(vdiName(stack, drive(stack, VM).record().VDI as string)).toBe(ISO);
  await expect.poll(() => desktop.statusLines()[DVD_LINE]).toBe(`DVD drive: ${ISO}`);
  await expect.poll(() => dvdLineShown(page, desktop)).toBe(true);

  // Another ISO while one is in: the drive is ejected, then the new one inserted (chosen with the keyboard).
  await dvd.getByRole('button', { name: 'Insert ISO…' }).click();
  await picker.getByRole('searchbox', { name: 'Search ISOs' }).fill('ubuntu');
  await expect(list.getByRole('option')).toHaveCount(1);
  await picker.getByRole('searchbox', { name: 'Search ISOs' }).press('ArrowDown');
  await expect(list.getByRole('option').first()).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dvd).toContainText('ubuntu-24.04.1-live-server-amd64.iso');
  await expect
    .poll(() => vdiName(stack, drive(stack, VM).record().VDI as string))
    .toBe('ubuntu-24.04.1-live-server-amd64.iso');
  await expect.poll(() => desktop.statusLines()[DVD_LINE]).toBe('DVD drive: ubuntu-24.04.1-live-server-amd64.iso');
});

test('a disc changed elsewhere shows at once', async ({ page, stack }) => {
  await openConsole(page, stack, VM);
  const dvd = dvdDrive(page);
  await expect(dvd).toContainText('guest-tools.iso');
  const [windows] = stack.pool.findRefs('VDI', (r) => r.name_label === 'SERVER_EVAL_x64FRE_en-us.iso');
  stack.pool.setField('VBD', drive(stack, VM).ref, 'VDI', windows!);
  await expect(dvd).toContainText('SERVER_EVAL_x64FRE_en-us.iso');
});

test('a VM without a DVD drive says so, and an empty drive says what to do', async ({ page, stack }) => {
  await openConsole(page, stack, 'Debian 12 web');
  const dvd = dvdDrive(page);
  await expect(dvd).toContainText('This VM has no DVD drive');
  await expect(dvd.getByRole('button', { name: 'Insert ISO…' })).toHaveCount(0);

  await page.goto(`/object/vm/${vmUuid(stack, 'Ubuntu 24.04 build agent')}/console`);
  await expect(dvd).toContainText('Empty');
  await expect(dvd.getByRole('button', { name: 'Eject' })).toHaveCount(0);
  await expect(dvd.getByRole('button', { name: 'Insert ISO…' })).toBeEnabled();
  await expect(dvd).toContainText('The drive is empty: insert an ISO to install or boot from it.');
});

test('the pool’s refusal is explained: a disc put in meanwhile', async ({ page, stack }) => {
  const vm = 'Ubuntu 24.04 build agent';
  await openConsole(page, stack, vm, 'vmoperator');
  const dvd = dvdDrive(page);
  await expect(dvd).toContainText('Empty');
  const { ref } = drive(stack, vm);
  const [tools] = stack.pool.findRefs('VDI', (r) => r.name_label === 'guest-tools.iso');
  // Someone else fills the drive just as this insert leaves the browser.
  await page.route('**/api/objects/vbd/*/insert', async (route) => {
    stack.pool.setField('VBD', ref, 'VDI', tools!);
    stack.pool.setField('VBD', ref, 'empty', false);
    await route.continue();
  });
  await dvd.getByRole('button', { name: 'Insert ISO…' }).click();
  await page.getByRole('option', { name: ISO }).click();
  await expect(dvd.getByRole('alert')).toContainText('already holds a disc');
  expect(vdiName(stack, drive(stack, vm).record().VDI as string)).toBe('guest-tools.iso');
  await expect(dvd).toContainText('guest-tools.iso');
});

test('a read-only user sees the disc without controls, and why', async ({ page, stack }) => {
  await logIn(page, stack, 'readonly', `/object/vm/${vmUuid(stack, VM)}/console`);
  const dvd = dvdDrive(page);
  await expect(dvd).toContainText('guest-tools.iso');
  await expect(dvd).toContainText(
    'Read-only: changing the disc needs the VM Operator role or higher; you are Read Only.',
  );
  await expect(dvd.getByRole('button')).toHaveCount(0);
});

test('a suspended VM’s drive waits for the VM to be resumed', async ({ page, stack }) => {
  await logIn(page, stack, 'vmoperator', `/object/vm/${vmUuid(stack, 'Windows 11 test')}/console`);
  const dvd = dvdDrive(page);
  await expect(dvd).toContainText('SERVER_EVAL_x64FRE_en-us.iso');
  await expect(dvd).toContainText('The VM is suspended: its drive cannot change until it is resumed.');
  await expect(dvd.getByRole('button', { name: 'Eject' })).toBeDisabled();
  await expect(dvd.getByRole('button', { name: 'Insert ISO…' })).toBeDisabled();
});
