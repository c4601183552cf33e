import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { consoleUrl } from '../support/console-client.ts';
import { floodServer, stuckServer, type ByteServer } from '../support/byte-servers.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** Case 6: slow or stalled peers cost bounded time and memory, then get closed. */
const FLOOD_VM = 'Debian 12 web';
const STUCK_VM = 'Ubuntu 24.04 build agent';
let stack: Stack;
let cookie: string;
let flood: ByteServer;
let stuck: ByteServer;

beforeAll(async () => {
  flood = await floodServer();
  stuck = await stuckServer();
  stack = await startStack({
    pool: {
      vnc: { [FLOOD_VM]: { host: '127.0.0.1', port: flood.port }, [STUCK_VM]: { host: '127.0.0.1', port: stuck.port } },
    },
    env: { HTTP_HEADERS_TIMEOUT: '2', HTTP_REQUEST_TIMEOUT: '3', CONSOLE_STALL_TIMEOUT: '4' },
  });
  cookie = (await stack.login('root')).cookie;
});
afterAll(async () => {
  await stack?.close();
  await flood?.close();
  await stuck?.close();
});

/** Resolves with how long the server took to close a connection we keep half-finished. */
function timeToClose(send: (socket: net.Socket) => void, limitMs: number): Promise<number> {
  const url = new URL(stack.baseUrl);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => send(socket));
    socket.on('error', () => undefined);
    socket.resume();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${limitMs} ms`));
    }, limitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

const auditClose = (vm: string) =>
  stack.audit
    .json()
    .filter((line) => line.event === 'console-close' && line.objectName === vm)
    .at(-1);

describe('6. slowloris', () => {
  it('cuts off an upgrade whose headers never finish', async () => {
    const vm = stack.pool.vm('Windows Server 2022').record.uuid;
    const took = await timeToClose((socket) => {
      socket.write(`GET /api/consoles/vm/${vm} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`);
    }, 8000);
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(5000);
  });

  it('cuts off a REST request whose body never arrives', async () => {
    const took = await timeToClose((socket) => {
      socket.write(
        'POST /api/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"user',
      );
    }, 9000);
    expect(took).toBeLessThan(6000);
  });
});

describe('6. stalled peers', () => {
  it('keeps memory bounded while a browser stops reading, then closes it after the stall timeout', async () => {
    const ws = new WebSocket(consoleUrl(stack.baseUrl, 'vm', String(stack.pool.vm(FLOOD_VM).record.uuid)), {
      headers: { cookie, origin: stack.baseUrl },
    });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    // The browser stops reading: its socket is paused, so kernel buffers fill and stay full.
    (ws as unknown as { _socket: net.Socket })._socket.pause();
    const before = process.memoryUsage().rss;
    let peak = before;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && auditClose(FLOOD_VM) === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(auditClose(FLOOD_VM)).toMatchObject({ outcome: 'stalled' });
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
    ws.terminate();
  });

  it('closes a console whose host stops reading, without buffering what the browser keeps sending', async () => {
    const ws = new WebSocket(consoleUrl(stack.baseUrl, 'vm', String(stack.pool.vm(STUCK_VM).record.uuid)), {
      headers: { cookie, origin: stack.baseUrl },
    });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    const chunk = Buffer.alloc(256 * 1024, 1);
    const before = process.memoryUsage().rss;
    let peak = before;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && auditClose(STUCK_VM) === undefined) {
      // Like a paste storm from the browser, but never more than 4 MiB queued on our own side.
      while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 4 * 1024 * 1024) ws.send(chunk);
      await new Promise((resolve) => setTimeout(resolve, 50));
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(auditClose(STUCK_VM)).toMatchObject({ outcome: 'stalled' });
    expect(peak - before).toBeLessThan(48 * 1024 * 1024);
    ws.terminate();
  });
});
