import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './tests/support/chromium.ts';

/**
 * Browser tests: Debian's Chromium (never a downloaded browser) against the real stack — the simulated pool and the
 * gateway started in the test process (tests/support/stack.ts), serving the production build in apps/web/dist.
 * One worker: every test starts its own stack, and the machine has two cores.
 */
export default defineConfig({
  testDir: 'tests/browser',
  testMatch: '*.spec.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? 'line' : 'list',
  outputDir: 'test-results',
  use: {
    browserName: 'chromium',
    viewport: { width: 1400, height: 900 },
    locale: 'en-GB',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
  },
  projects: [
    { name: 'chromium' },
    // Every console feature again with every console through the shared engine (not only a lone viewer's bridge).
    {
      name: 'engine',
      testMatch: 'console.spec.ts',
      use: { gatewayEnv: { CONSOLE_SHARING: 'always' } } as Record<string, unknown>,
    },
    // The docs' screenshots (`npm run screenshots`): a generator, not a test, so it exists only when asked for.
    ...(process.env.SCREENSHOTS === '1' ? [{ name: 'docs-screenshots', testMatch: 'screenshots.docs.ts' }] : []),
  ],
});
