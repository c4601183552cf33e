import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, type Page } from '@playwright/test';
import { recordsOf } from '../support/recording-decoder.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { startXvnc, type XvncServer } from '../support/vnc-servers.ts';
import { canvasPicture, consoleCanvas, logIn, type Picture } from './fixtures.ts';

/**
 * A console recorded on a real Xvnc (an xterm running `cat`, so typing changes the screen) and played back in the
 * browser: the player's pixels at a typing marker are the live console's pixels at that moment, the recorded file
 * holds no key identities, and the list and the player work for a pool admin.
 */

const uiDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../apps/web/dist');
const VM = 'Debian 12 web';

let xvnc: XvncServer;
let terminal: ChildProcess;
let stack: Stack;

test.beforeAll(async () => {
  xvnc = await startXvnc({ geometry: '800x600' });
  terminal = spawn('/usr/bin/xterm', ['-geometry', '60x10+0+0', '-e', 'cat'], {
    stdio: 'ignore',
    env: { ...process.env, DISPLAY: `:${xvnc.display}` },
  });
  stack = await startStack({
    uiDir,
    pool: { vnc: { [VM]: { host: '127.0.0.1', port: xvnc.port } } },
    env: { RECORDING_KEYFRAME_INTERVAL: '1' },
  });
  stack.pool.setField('VM', stack.pool.vm(VM).ref, 'other_config', { 'xwc-recording': 'on' });
});

test.afterAll(async () => {
  await stack?.close();
  await new Promise<void>((resolve) => {
    if (!terminal || terminal.exitCode !== null) return resolve();
    terminal.once('exit', () => resolve());
    terminal.kill('SIGTERM');
  });
  await xvnc?.stop();
});

const same = (a: Picture, b: Picture) =>
  a.width === b.width && Buffer.compare(Buffer.from(a.rgba), Buffer.from(b.rgba)) === 0;

/** Waits until the live console's picture stops changing (and differs from `unlike`, when given); returns it. */
async function settled(page: Page, unlike?: Picture): Promise<Picture> {
  let last = await canvasPicture(page);
  for (let i = 0; i < 60; i++) {
    await page.waitForTimeout(400);
    const now = await canvasPicture(page);
    if (same(now, last) && (!unlike || !same(now, unlike))) return now;
    last = now;
  }
  throw new Error('the console picture did not settle');
}

const playerPicture = (page: Page): Promise<Picture> => canvasPicture(page, '.player-screen canvas');

test('a recorded console: the indicator, then playback that seeks to a typing marker and shows what was live then', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const context = await browser.newContext({ baseURL: stack.baseUrl, locale: 'en-GB' });
  const page = await context.newPage();
  const uuid = String(stack.pool.vm(VM).record.uuid);
  await logIn(page, stack, 'root');
  await page.goto(`/console/vm/${uuid}`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  await expect(page.getByRole('status').filter({ hasText: /^Recording$/ })).toBeVisible();

  // Inside the xterm: with no window manager, keys go to the window under the pointer.
  await consoleCanvas(page).click({ position: { x: 60, y: 40 } });
  const empty = await settled(page);
  await page.keyboard.type('abc', { delay: 30 });
  const afterAbc = await settled(page, empty);
  // More than the typing gap later, a second stretch of typing: its marker is the moment `afterAbc` was on screen.
  await page.waitForTimeout(2500);
  await page.keyboard.type('xyz', { delay: 30 });
  await settled(page, afterAbc);
  await page.waitForTimeout(1500);
  await page.close();

  const id = stack.audit.json().find((l) => l.event === 'console-open' && typeof l.recording === 'string')?.recording;
  expect(typeof id).toBe('string');
  await expect.poll(() => stack.audit.json().some((l) => l.event === 'recording-end' && l.recording === id)).toBe(true);

  // Redaction, on the file itself: six keys pressed, none of them named.
  const file = fs.readFileSync(path.join(stack.dataDir, 'recordings', `${String(id)}.xwcrec`));
  const keys = recordsOf(file).records.flatMap(({ record }) =>
    record.type === 'event' && record.event.kind === 'key' ? [record.event] : [],
  );
  expect(keys.filter((k) => k.down)).toHaveLength(6);
  expect(keys.some((k) => 'keysym' in k)).toBe(false);

  const player = await context.newPage();
  await player.goto('/recordings');
  const row = player.locator(`tr[data-recording="${String(id)}"]`);
  await expect(row).toContainText('Complete');
  await expect(row).toContainText(VM);
  await row.getByRole('link', { name: VM }).click();
  await expect(player.getByRole('heading', { name: new RegExp(`Recording of ${VM}`) })).toBeVisible();
  await expect(player.getByRole('button', { name: 'Play', exact: true })).toBeEnabled();
  const typing = player.locator('.player-marker-list li').filter({ hasText: 'root typing' });
  await expect(typing).toHaveCount(2);
  await expect(player.locator('.player-users')).toContainText('root');

  // Seek to the second stretch of typing (the middle of the recording): the picture is the live one of that moment.
  await typing.nth(1).getByRole('button').click();
  await expect(player.getByRole('button', { name: 'Play', exact: true })).toBeEnabled();
  await expect.poll(async () => same(await playerPicture(player), afterAbc), { timeout: 10_000 }).toBe(true);

  // Play on at 16×: the end shows what was typed after.
  await player.getByLabel('Speed').selectOption('16');
  await player.getByRole('button', { name: 'Play', exact: true }).click();
  await expect(player.getByRole('button', { name: 'Play again' })).toBeVisible({ timeout: 20_000 });
  expect(same(await playerPicture(player), afterAbc)).toBe(false);
  await context.close();
});
