import { expect, logIn, test, treeItem } from './fixtures.ts';

test.use({ gatewayEnv: { EVENT_STREAMS_PER_SESSION: '1' } });

test('a window past the stream cap says why, and catches up once another window closes', async ({ page, stack }) => {
  await logIn(page, stack);
  await expect(treeItem(page, 'Demo pool')).toBeVisible();

  const second = await page.context().newPage();
  await second.goto('/');
  await expect(
    second.getByRole('status').filter({ hasText: 'Too many live views are open for this login.' }),
  ).toBeVisible();

  await page.close();
  // The refused window tries again after the gateway's retryAfter (10 s) and loads the inventory.
  await expect(treeItem(second, 'Demo pool')).toBeVisible({ timeout: 30_000 });
  await expect(second.getByText('Too many live views are open for this login.')).toHaveCount(0);
});
