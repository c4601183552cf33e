import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { RawWebSocket } from '../support/raw-ws.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** Case 7: protocol abuse on the console WebSocket closes that connection and nothing else. */
let stack: Stack;
let cookie: string;
let path: string;

beforeAll(async () => {
  stack = await startStack({ env: { CONSOLES_PER_USER: '50' } });
  cookie = (await stack.login('root')).cookie;
  path = `/api/consoles/vm/${stack.pool.vm('Windows Server 2022').record.uuid}`;
});
afterAll(() => stack?.close());

const open = () => RawWebSocket.open(stack.baseUrl, path, { Cookie: cookie, Origin: stack.baseUrl });

describe('7. WebSocket protocol abuse', () => {
  it('closes on an unmasked client frame (1002)', async () => {
    const ws = await open();
    ws.frame({ opcode: 2, payload: Buffer.from('RFB 003.008\n'), mask: false });
    expect(await ws.closeCode()).toBe(1002);
  });

  it('closes on reserved bits without an extension (1002)', async () => {
    const ws = await open();
    ws.frame({ opcode: 2, payload: Buffer.from([1, 2, 3]), rsv: 0b100 });
    expect(await ws.closeCode()).toBe(1002);
  });

  it('closes on a frame declaring more than the payload limit (1009), without buffering it', async () => {
    const ws = await open();
    ws.frame({ opcode: 2, payload: Buffer.alloc(16), declaredLength: 64 * 1024 * 1024 });
    expect(await ws.closeCode()).toBe(1009);
  });

  it('closes on a flood of fragments past the message limit (1009)', async () => {
    const ws = await open();
    const chunk = Buffer.alloc(64 * 1024, 7);
    ws.frame({ opcode: 2, payload: chunk, fin: false });
    for (let i = 0; i < 40 && !ws.socket.destroyed; i++) ws.frame({ opcode: 0, payload: chunk, fin: false });
    expect(await ws.closeCode()).toBe(1009);
  });

  it('closes on a text frame that is not a console command (4400): text carries only presence commands', async () => {
    const ws = await open();
    await new Promise((resolve) => setTimeout(resolve, 300));
    ws.frame({ opcode: 1, payload: Buffer.from('hello') });
    expect(await ws.closeCode()).toBe(4400);
  });

  it('closes on a ping flood (1008)', async () => {
    const ws = await open();
    const deadline = Date.now() + 5000;
    while (ws.bytes.length < 12 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 200 && !ws.socket.destroyed; i++) ws.frame({ opcode: 9, payload: Buffer.from('p') });
    expect(await ws.closeCode()).toBe(1008);
  });

  it('stays healthy: the API answers and a well-behaved console still works', async () => {
    const health = await fetch(`${stack.baseUrl}/api/health`);
    expect(health.status).toBe(200);
    const client = await ConsoleClient.open(
      consoleUrl(stack.baseUrl, 'vm', String(stack.pool.vm('Windows Server 2022').record.uuid)),
      {
        cookie,
        origin: stack.baseUrl,
      },
    );
    expect((await client.read(12)).toString('latin1')).toMatch(/^RFB/);
    client.close();
    expect(stack.gateway.context.consoles.count).toBeLessThanOrEqual(1);
  });
});
