import { consoleCanvas, expect, logIn, test, treeItem, vmUuid } from './fixtures.ts';

/**
 * Security case 2, seen from a real browser: during a full session — login, inventory, details, extension
 * edits, a graphical and a text console, typing, logout — no response body or header, no WebSocket frame,
 * no log or audit line holds an XAPI session ref or a password.
 */
test('a full browser session leaks no session ref and no password', async ({ page, stack }) => {
  const seen: string[] = [];
  page.on('response', async (response) => {
    seen.push(...Object.entries(response.headers()).map(([name, value]) => `${name}: ${value}`));
    const type = response.headers()['content-type'] ?? '';
    if (/json|text|javascript|html|css/.test(type) && !type.includes('event-stream')) {
      seen.push(await response.text().catch(() => ''));
    }
  });
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) =>
      seen.push(typeof payload === 'string' ? payload : payload.toString('latin1')),
    );
  });
  // The event stream is read with fetch: capture what the page received from it, too.
  await page.addInitScript(() => {
    const decoder = new TextDecoder();
    const original = window.fetch;
    (window as unknown as { __streamed: string[] }).__streamed = [];
    window.fetch = async (...args) => {
      const response = await original(...args);
      if (!String(args[0]).includes('/api/events') || !response.body) return response;
      const [mine, theirs] = response.body.tee();
      void (async () => {
        const reader = mine.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          (window as unknown as { __streamed: string[] }).__streamed.push(decoder.decode(value, { stream: true }));
        }
      })();
      return new Response(theirs, { status: response.status, headers: response.headers });
    };
  });

  const hvm = 'Windows Server 2022';
  const pv = 'Debian 12 web';
  await logIn(page, stack, 'root');
  await treeItem(page, hvm).click();
  await expect(page.getByRole('heading', { name: hvm })).toBeVisible();
  await page.goto(`/object/vm/${vmUuid(stack, hvm)}/extensions`);
  await expect(page.getByRole('form', { name: `Extensions of ${hvm}`, exact: true })).toBeVisible();
  await page.goto(`/object/vm/${vmUuid(stack, hvm)}/other-config`);
  await page.goto(`/object/vm/${vmUuid(stack, hvm)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  await page.goto(`/object/vm/${vmUuid(stack, pv)}/console`);
  await expect(page.locator('.console-status')).toContainText('Connected');
  await consoleCanvas(page).click();
  await page.keyboard.type('root\n');
  await expect.poll(() => stack.pool.display(pv)!.input.length).toBeGreaterThan(4);
  const streamed = await page.evaluate(() => (window as unknown as { __streamed: string[] }).__streamed.join(''));
  seen.push(streamed);
  const sessionRefs = stack.pool.findRefs('session');
  expect(sessionRefs.length).toBeGreaterThan(0);
  await page.getByRole('button', { name: /root/ }).click();
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await expect(page.getByLabel('User name')).toBeVisible();

  expect(streamed.length).toBeGreaterThan(10_000);
  const everything = [...seen, ...stack.logs.lines, ...stack.audit.lines].join('\n');
  expect(everything.length).toBeGreaterThan(50_000);
  for (const ref of sessionRefs) expect(everything.includes(ref), 'a session ref leaked').toBe(false);
  for (const user of stack.pool.users) expect(everything.includes(user.password), 'a password leaked').toBe(false);
});
