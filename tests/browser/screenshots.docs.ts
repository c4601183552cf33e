import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, logIn, test, vmUuid } from './fixtures.ts';

/**
 * The screenshots docs/extensions.md shows: a host's and a VM's Extensions tab at 1440×900, light and dark. Taken on
 * request only (`npm run screenshots`, the docs-screenshots project), never as part of the test run.
 */

const images = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/images');

test.use({ viewport: { width: 1440, height: 900 } });

for (const scheme of ['light', 'dark'] as const) {
  test(`extension forms, ${scheme}`, async ({ page, stack }) => {
    await page.emulateMedia({ colorScheme: scheme });
    const [host] = stack.pool.findRefs('host', (r) => r.name_label === 'xcp-host-01');
    await logIn(page, stack, 'root', `/object/host/${String(stack.pool.record('host', host!).uuid)}/extensions`);
    await expect(page.getByRole('textbox', { name: 'iSCSI IQN' })).toBeVisible();
    await page.screenshot({ path: path.join(images, `extensions-host-${scheme}.png`) });
    await page.goto(`/object/vm/${vmUuid(stack, 'Debian 12 web')}/extensions`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Debian 12 web');
    await expect(page.getByRole('button', { name: 'Add xenstore entry' })).toBeVisible();
    await page.screenshot({ path: path.join(images, `extensions-vm-${scheme}.png`) });
  });
}
