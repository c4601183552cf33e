import { afterEach, describe, expect, it } from 'vitest';
import { createDisplayFactory } from '../src/rfb/index.ts';
import type { GuestDisplay } from '../src/consoles/backend.ts';
import { FORMAT_SERVER, listen, RfbTestClient, until } from './rfb-client.ts';

const factory = createDisplayFactory();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(display: GuestDisplay) {
  const l = await listen(display.rfb);
  cleanups.push(() => display.close(), l.stop);
  return l.port;
}

async function client(port: number) {
  const c = await RfbTestClient.connect(port);
  cleanups.push(() => c.close());
  return c;
}

const textConsole = (rfbVersion: '3.3' | '3.8', title = 'guest one') =>
  factory.textConsole({ kind: 'guest', title, hostname: 'g1', rfbVersion });

describe('RFB handshake', () => {
  it('3.8: banner, security list [None], SecurityResult 0, ServerInit', async () => {
    const c = await client(await start(textConsole('3.8')));
    expect((await c.read(12)).toString('latin1')).toBe('RFB 003.008\n');
    c.send(Buffer.from('RFB 003.008\n'));
    expect([...(await c.read(2))]).toEqual([1, 1]);
    c.send([1]);
    expect([...(await c.read(4))]).toEqual([0, 0, 0, 0]);
    c.send([1]);
    const init = await c.read(24 + 9);
    expect(init.readUInt16BE(0)).toBe(640);
    expect(init.readUInt16BE(2)).toBe(400);
    // 32bpp, depth 24, little-endian, true colour, max 255, shifts 16/8/0, padding.
    expect([...init.subarray(4, 20)]).toEqual([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]);
    expect(init.readUInt32BE(20)).toBe(9);
    expect(init.subarray(24).toString()).toBe('guest one');
  });

  it('3.3: banner, u32 security type 1 and no SecurityResult', async () => {
    const c = await client(await start(textConsole('3.3')));
    expect((await c.read(12)).toString('latin1')).toBe('RFB 003.003\n');
    c.send(Buffer.from('RFB 003.003\n'));
    expect([...(await c.read(4))]).toEqual([0, 0, 0, 1]);
    c.send([1]);
    const init = await c.read(24);
    expect([init.readUInt16BE(0), init.readUInt16BE(2)]).toEqual([640, 400]);
    expect((await c.read(init.readUInt32BE(20))).toString()).toBe('guest one');
    expect(c.buffered).toBe(0);
  });

  it('a 3.3 client (XenCenter) on a 3.8 offer gets the 3.3 security exchange', async () => {
    const c = await client(await start(textConsole('3.8')));
    const info = await c.handshake('3.3');
    expect(info).toMatchObject({ width: 640, height: 400, format: FORMAT_SERVER, name: 'guest one' });
  });

  it('a 3.7 client gets the security list but no SecurityResult for None', async () => {
    const c = await client(await start(textConsole('3.8')));
    await c.read(12);
    c.send(Buffer.from('RFB 003.007\n'));
    expect([...(await c.read(2))]).toEqual([1, 1]);
    c.send([1, 1]); // security choice, then ClientInit straight away
    const init = await c.read(24);
    expect(init.readUInt16BE(0)).toBe(640);
  });

  it('a 3.8 client on a 3.3 offer is held to 3.3', async () => {
    const c = await client(await start(textConsole('3.3')));
    await c.read(12);
    c.send(Buffer.from('RFB 003.008\n'));
    expect([...(await c.read(4))]).toEqual([0, 0, 0, 1]);
  });

  it('sends the desktop name as UTF-8', async () => {
    const title = 'Gäst — ドメイン';
    const c = await client(await start(factory.desktop({ title, rfbVersion: '3.8', animate: false })));
    const info = await c.handshake('3.8');
    expect(info.name).toBe(title);
    expect(info.bytes.readUInt32BE(20)).toBe(Buffer.byteLength(title));
    expect([info.width, info.height]).toEqual([1024, 768]);
  });

  it('3.8: an unoffered security type gets SecurityResult failed with a reason, then close', async () => {
    const c = await client(await start(textConsole('3.8')));
    await c.read(12);
    c.send(Buffer.from('RFB 003.008\n'));
    await c.read(2);
    c.send([2]);
    const head = await c.read(8);
    expect(head.readUInt32BE(0)).toBe(1);
    expect((await c.read(head.readUInt32BE(4))).toString()).toMatch(/security/);
    await c.closed;
  });

  it.each([
    ['an HTTP request', 'GET / HTTP/1.1\r\n\r\n'],
    ['a wrong major version', 'RFB 004.000\n'],
    ['a malformed banner', 'RFB 3.8     \n'],
  ])('closes on %s instead of a version', async (_what, bytes) => {
    const c = await client(await start(textConsole('3.8')));
    await c.read(12);
    c.send(Buffer.from(bytes, 'latin1'));
    await c.closed;
  });

  it('ClientInit shared=0 disconnects the other clients; shared=1 keeps them', async () => {
    const display = textConsole('3.8');
    const port = await start(display);
    const first = await client(port);
    await first.handshake('3.8', true);
    const second = await client(port);
    await second.handshake('3.8', true);
    await until(() => (display.rfb as { connectionCount?: number }).connectionCount === 2, 'two connections');
    const exclusive = await client(port);
    await exclusive.handshake('3.8', false);
    await Promise.all([first.closed, second.closed]);
    expect((await exclusive.update()).length).toBeGreaterThan(0);
  });

  it('close() ends every connection and refuses new ones', async () => {
    const display = textConsole('3.8');
    const port = await start(display);
    const a = await client(port);
    await a.handshake();
    const b = await client(port);
    await b.read(12);
    display.close();
    await Promise.all([a.closed, b.closed]);
    const late = await client(port);
    await late.closed;
    expect(late.buffered).toBe(0);
  });
});
