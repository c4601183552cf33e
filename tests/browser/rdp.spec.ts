import { RDP_REFUSED } from '@xwc/contracts';
import { expect, logIn, test, vmUuid } from './fixtures.ts';

/** Case 17: the .rdp download is offered only for an address the gateway will write; a hostile one gets a message. */

const vm = 'Windows Server 2022';

test('a guest with Remote Desktop and a plain address gets the .rdp download', async ({ page, stack }) => {
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}`);
  await expect(page.getByText('Remote Desktop is enabled in this guest (10.0.0.21)')).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download .rdp file' }).click();
  const file = await (await download).createReadStream();
  let text = '';
  for await (const chunk of file) text += String(chunk);
  expect(text.split('\r\n')[0]).toBe('full address:s:10.0.0.21');
});

test('a guest reporting a hostile address gets a clear message and no .rdp download', async ({ page, stack }) => {
  const hostile = '10.0.0.21\r\nalternate shell:s:cmd.exe';
  const metrics = String(stack.pool.vm(vm).record.guest_metrics);
  stack.pool.setField('VM_guest_metrics', metrics, 'networks', { '0/ip': hostile, '0/ipv6/0': 'fe80::1%eth0\nx' });
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}`);
  await expect(page.getByRole('status').filter({ hasText: RDP_REFUSED['invalid-address'] })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Download .rdp file' })).toHaveCount(0);
});
