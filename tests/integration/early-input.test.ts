import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordingServer, type ByteServer } from '../support/byte-servers.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack } from '../support/stack.ts';

const VM = 'Debian 12 web';
let stack: Stack;
let target: ByteServer & { readonly received: Buffer };

beforeAll(async () => {
  target = await recordingServer();
  stack = await startStack({ pool: { vnc: { [VM]: { host: '127.0.0.1', port: target.port } } } });
});
afterAll(async () => {
  await stack?.close();
  await target?.close();
});

it('delivers what the browser sends while the tunnel is still being set up', async () => {
  const { cookie } = await stack.login('root');
  const client = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', String(stack.pool.vm(VM).record.uuid)), {
    cookie,
    origin: stack.baseUrl,
  });
  // Sent the moment the upgrade completes, long before the gateway has resolved the console.
  client.send(Buffer.from('first'));
  client.send(Buffer.from('-second'));
  await expect.poll(() => target.received.toString(), { timeout: 10_000 }).toBe('first-second');
  client.close();
});
