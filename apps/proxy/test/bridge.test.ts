import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { bridge, type BridgeLimits, type BridgeResult } from '../src/console/bridge.ts';

const LIMITS: BridgeLimits = {
  highWaterMark: 256 * 1024,
  lowWaterMark: 64 * 1024,
  stallTimeoutMs: 10_000,
  idleTimeoutMs: 0,
  keepaliveMs: 10_000,
  maxDurationMs: 0,
};

/** A host console stream the test feeds by hand: each push is one read as a socket would deliver it. */
function hostStream(): Duplex {
  return new Duplex({ read: () => undefined, write: (_chunk, _encoding, callback) => callback() });
}

const servers: WebSocketServer[] = [];
const browsers: WebSocket[] = [];
afterEach(async () => {
  for (const browser of browsers.splice(0)) browser.terminate();
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A real WebSocket pair on loopback: the browser's end, and the bridge on the server's end joined to `upstream`. */
async function bridged(upstream: Duplex): Promise<{
  browser: WebSocket;
  messages: Buffer[];
  done: Promise<BridgeResult>;
  closed: Promise<number>;
}> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  // Wrapped: resolving with the promise itself would wait for the bridge to end.
  const joined = new Promise<{ done: Promise<BridgeResult> }>((resolve) =>
    server.once('connection', (ws) => resolve({ done: bridge(ws, upstream, { limits: LIMITS }).done })),
  );
  const browser = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  browsers.push(browser);
  const messages: Buffer[] = [];
  browser.on('message', (data: Buffer) => messages.push(data));
  const closed = new Promise<number>((resolve) => browser.once('close', (code) => resolve(code)));
  await new Promise((resolve) => browser.once('open', resolve));
  return { browser, messages, done: (await joined).done, closed };
}

describe('console bridge, host → browser', () => {
  it('keeps every byte and its order when a turn brings more than the high-water mark', async () => {
    const host = hostStream();
    const { messages } = await bridged(host);
    const reads = Array.from({ length: 8 }, (_, i) => Buffer.alloc(50_000, i + 1));
    for (const read of reads) host.push(read);
    const total = 8 * 50_000;
    await expect.poll(() => messages.reduce((sum, m) => sum + m.length, 0)).toBe(total);
    expect(Buffer.concat(messages).equals(Buffer.concat(reads))).toBe(true);
  });

  it('delivers the host’s last bytes before closing the console when the host ends the stream', async () => {
    const host = hostStream();
    const { messages, done, closed } = await bridged(host);
    host.push(Buffer.from('last screen'));
    host.push(null);
    expect((await done).kind).toBe('ended');
    await closed;
    expect(Buffer.concat(messages).toString()).toBe('last screen');
  });
});
