import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * The gateway starts reading the pool's inventory when a user logs in, not when the page's event stream opens:
 * on a large pool that read takes seconds, and the page loads meanwhile.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 60_000);
afterAll(() => stack?.close());

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The `event.from` calls the pool answered, as the gateway's debug log records its XAPI calls. */
function inventoryReads(): number {
  return stack.logs.json().filter((line) => line.msg === 'xapi call' && line.method === 'event.from').length;
}

it('reads the inventory from the pool at login, before any event stream opens', async () => {
  expect(inventoryReads()).toBe(0);
  await stack.login();
  // The login's own liveness watch, the core classes and then the device classes: three reads, no stream open.
  for (let i = 0; i < 100 && inventoryReads() < 3; i++) await sleep(50);
  expect(inventoryReads()).toBeGreaterThanOrEqual(3);
});
