import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { consoleUrl } from '../support/console-client.ts';
import { floodServer, stuckServer, type ByteServer } from '../support/byte-servers.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Case 6: slow or stalled peers get closed, and meanwhile the gateway stops reading from the other side instead of
 * buffering for them. Asserted in bytes and close reasons; the memory this costs is measured by `npm run bench`
 * (bench/stalled.ts).
 */
const FLOOD_VM = 'Debian 12 web';
const STUCK_VM = 'Ubuntu 24.04 build agent';
/** Far more than the kernel's socket buffers and the console's high-water mark together. */
const UNBUFFERED_BOUND = 64 * 1024 * 1024;
let stack: Stack;
let cookie: string;
let flood: ByteServer & { readonly sent: number };
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

/** The gateway's own address, as a browser would name it in `Host`. */
const host = (): string => new URL(stack.baseUrl).host;

/**
 * Resolves with what the server answered before it closed a connection we keep half-finished. Node's own defaults
 * would keep it open for a minute or more: a close within `limitMs` is the configured timeout at work.
 */
function answerBeforeClose(send: (socket: net.Socket) => void, limitMs = 20_000): Promise<string> {
  const url = new URL(stack.baseUrl);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => send(socket));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${limitMs} ms`));
    }, limitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
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
    const answer = await answerBeforeClose((socket) => {
      socket.write(`GET /api/consoles/vm/${vm} HTTP/1.1\r\nHost: ${host()}\r\nUpgrade: websocket\r\n`);
    });
    // Refused as an unfinished request, never upgraded.
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('cuts off a REST request whose body never arrives', async () => {
    const answer = await answerBeforeClose((socket) => {
      socket.write(
        `POST /api/session HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\n` +
          `Content-Length: 1000\r\n\r\n{"user`,
      );
    });
    // Never answered as a login: the request was cut off while its body was missing.
    expect(answer).not.toMatch(/^HTTP\/1\.1 (200|401|429) /);
  });
});

describe('6. stalled peers', () => {
  it('stops reading from the host while a browser stops reading, then closes it after the stall timeout', async () => {
    const ws = new WebSocket(consoleUrl(stack.baseUrl, 'vm', String(stack.pool.vm(FLOOD_VM).record.uuid)), {
      headers: { cookie, origin: stack.baseUrl },
    });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    // The browser stops reading: its socket is paused, so kernel buffers fill and stay full.
    (ws as unknown as { _socket: net.Socket })._socket.pause();
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && auditClose(FLOOD_VM) === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(auditClose(FLOOD_VM)).toMatchObject({ outcome: 'stalled' });
    // Four seconds of a host flooding at loopback speed would be gigabytes had the gateway kept reading.
    expect(flood.sent).toBeLessThan(UNBUFFERED_BOUND);
    ws.terminate();
  });

  it('closes a console whose host stops reading, without buffering what the browser keeps sending', async () => {
    const ws = new WebSocket(consoleUrl(stack.baseUrl, 'vm', String(stack.pool.vm(STUCK_VM).record.uuid)), {
      headers: { cookie, origin: stack.baseUrl },
    });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    const chunk = Buffer.alloc(256 * 1024, 1);
    let sent = 0;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && auditClose(STUCK_VM) === undefined) {
      // Like a paste storm from the browser, but never more than 4 MiB queued on our own side.
      while (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 4 * 1024 * 1024) {
        ws.send(chunk);
        sent += chunk.length;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(auditClose(STUCK_VM)).toMatchObject({ outcome: 'stalled' });
    // What the gateway took from the browser: had it kept reading, the storm would have gone on at loopback speed.
    expect(sent - ws.bufferedAmount).toBeLessThan(UNBUFFERED_BOUND);
    ws.terminate();
  });
});
