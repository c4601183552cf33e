import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { startXvnc, type VncServer } from '../support/vnc-servers.ts';

const VM = 'Debian 12 web';
let xvnc: VncServer;
let stack: Stack;

beforeAll(async () => {
  xvnc = await startXvnc({ geometry: '800x600' });
  stack = await startStack({ pool: { vnc: { [VM]: { host: '127.0.0.1', port: xvnc.port } } } });
});
afterAll(async () => {
  await stack?.close();
  await xvnc?.stop();
});

/** The handshake bytes a client sees talking to Xvnc directly over TCP. */
async function directHandshake(port: number): Promise<Buffer> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let buffered = Buffer.alloc(0);
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    waiters.splice(0).forEach((w) => w());
  });
  const read = async (n: number): Promise<Buffer> => {
    while (buffered.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    const out = buffered.subarray(0, n);
    buffered = buffered.subarray(n);
    return out;
  };
  const banner = await read(12);
  socket.write('RFB 003.008\n');
  const count = await read(1);
  const types = await read(count[0]!);
  socket.write(Buffer.from([1]));
  const result = await read(4);
  socket.write(Buffer.from([1]));
  const init = await read(24);
  const name = await read(init.readUInt32BE(20));
  socket.destroy();
  return Buffer.concat([banner, count, types, result, init, name]);
}

describe('a real Xvnc behind a console, through the gateway', () => {
  it('relays the handshake byte for byte as a direct connection sees it', async () => {
    const { cookie } = await stack.login('root');
    const client = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', String(stack.pool.vm(VM).record.uuid)), {
      cookie,
      origin: stack.baseUrl,
    });
    const viaGateway = await client.handshake();
    expect(viaGateway.banner).toBe('RFB 003.008\n');
    expect([viaGateway.width, viaGateway.height]).toEqual([800, 600]);
    expect(viaGateway.raw.equals(await directHandshake(xvnc.port))).toBe(true);

    // Client → server: ask for Raw only and a full update; the server's answer proves our bytes arrived intact.
    client.send([2, 0, 0, 1, 0, 0, 0, 0]);
    client.send([3, 0, 0, 0, 0, 0, 0x03, 0x20, 0x02, 0x58]);
    const header = await client.read(4);
    expect(header[0]).toBe(0);
    let pixels = 0;
    for (let i = 0; i < header.readUInt16BE(2); i++) {
      const rect = await client.read(12);
      expect(rect.readInt32BE(8)).toBe(0);
      const bytes = rect.readUInt16BE(4) * rect.readUInt16BE(6) * 4;
      await client.read(bytes, 20_000);
      pixels += bytes / 4;
    }
    expect(pixels).toBe(800 * 600);
    client.close();
    expect((await client.closed).code).toBe(1000);
  });
});
