import { expect, logIn, test, vmUuid } from './fixtures.ts';

/**
 * SECURITY.md #13 in the browser: other_config keys named like JavaScript's object members are shown as text and
 * edited, removed and added like any other key; the page's Object.prototype is untouched.
 */

const prototypeOf = () =>
  Object.getOwnPropertyNames(Object.prototype)
    .sort()
    .map((name) => `${name}:${typeof (Object.prototype as Record<string, unknown>)[name]}`)
    .join(',');

test('keys named __proto__, constructor and toString are shown, changed and removed in the Other config tab', async ({
  page,
  stack,
}) => {
  const vm = 'Windows Server 2022';
  const { ref, record } = stack.pool.vm(vm);
  const hostile = JSON.parse(
    '{"__proto__": "proto value", "constructor": "<b>not bold</b>", "toString": "]]>&amp;"}',
  ) as Record<string, string>;
  stack.pool.setField('VM', ref, 'other_config', { ...(record.other_config as Record<string, string>), ...hostile });

  await page.goto('/');
  const before = await page.evaluate(prototypeOf);
  await logIn(page, stack, 'root', `/object/vm/${vmUuid(stack, vm)}/other-config`);
  for (const [key, value] of Object.entries(hostile)) {
    await expect(page.getByRole('rowheader', { name: key, exact: true })).toBeVisible();
    await expect(page.getByLabel(`Value of ${key}`, { exact: true })).toHaveValue(value);
  }
  await expect(page.locator('.raw-config b')).toHaveCount(0);

  await page.getByLabel('Value of __proto__', { exact: true }).fill('edited <i>value</i>');
  await page.getByRole('button', { name: 'Remove constructor', exact: true }).click();
  await page.getByRole('button', { name: 'Add key' }).click();
  await page.getByLabel('New key', { exact: true }).fill('valueOf');
  await page.getByLabel(/Value of the new key/).fill('added');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(`Saved 3 other_config changes to ${vm}.`)).toBeVisible();

  const stored = stack.pool.vm(vm).record.other_config as Record<string, string>;
  expect(Object.getOwnPropertyDescriptor(stored, '__proto__')?.value).toBe('edited <i>value</i>');
  expect(Object.hasOwn(stored, 'constructor')).toBe(false);
  expect(Object.getOwnPropertyDescriptor(stored, 'valueOf')?.value).toBe('added');
  expect(Object.getOwnPropertyDescriptor(stored, 'toString')?.value).toBe(']]>&amp;');
  // The page follows the pool through the event stream.
  await expect(page.getByLabel('Value of __proto__', { exact: true })).toHaveValue('edited <i>value</i>');
  await expect(page.getByRole('rowheader', { name: 'constructor', exact: true })).toHaveCount(0);
  await expect(page.getByLabel('Value of valueOf', { exact: true })).toHaveValue('added');

  // The gateway's character rule, checked in the page before anything is sent.
  await page.getByRole('button', { name: 'Add key' }).click();
  await page.getByLabel('New key', { exact: true }).fill('line\u0085break');
  await page.getByLabel('New key', { exact: true }).blur();
  await expect(
    page.getByText('The key must not contain control characters (found U+0085 at character 5).'),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Discard the new key' }).click();

  await page.getByRole('button', { name: 'Remove __proto__', exact: true }).click();
  await page.getByRole('button', { name: 'Remove valueOf', exact: true }).click();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(`Saved 2 other_config changes to ${vm}.`)).toBeVisible();
  await page.getByRole('button', { name: 'Remove toString', exact: true }).click();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByText(`Saved 1 other_config change to ${vm}.`)).toBeVisible();
  for (const key of ['__proto__', 'toString', 'valueOf']) {
    await expect(page.getByRole('rowheader', { name: key, exact: true })).toHaveCount(0);
  }
  expect(stack.pool.vm(vm).record.other_config).toEqual(record.other_config);
  expect(await page.evaluate(prototypeOf)).toBe(before);
});
