import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDisplayFactory, Desktop, MAX_RECT_BYTES, snapshot, TextConsole } from '../src/rfb/index.ts';
import { listen, RfbTestClient, until } from './rfb-client.ts';

const factory = createDisplayFactory();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** What a well-behaved session may have queued: the socket's high-water mark plus one rectangle and its headers. */
const SESSION_BOUND = 16 * 1024 + MAX_RECT_BYTES + 64;

const nextTick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('backpressure', () => {
  it('a client that stops reading does not make the server buffer without bound while the desktop animates', async () => {
    const d = factory.desktop({ title: 'busy', rfbVersion: '3.8', animate: true });
    if (!(d instanceof Desktop)) throw new Error('unexpected display');
    const l = await listen(d.rfb);
    cleanups.push(() => d.close(), l.stop);
    const c = await RfbTestClient.connect(l.port);
    cleanups.push(() => c.close());
    await c.handshake('3.8');
    await until(() => l.accepted.length === 1, 'the accepted socket');
    const serverSide: Socket = l.accepted[0]!;

    c.socket.pause();
    // Each non-incremental request asks for 3 MiB; a server that ignored backpressure would queue all of them.
    let maxQueued = 0;
    for (let i = 0; i < 400; i++) {
      c.requestUpdate(false);
      d.tick();
      await nextTick();
      maxQueued = Math.max(maxQueued, serverSide.writableLength);
    }
    expect(serverSide.writableNeedDrain).toBe(true);
    expect(maxQueued).toBeLessThanOrEqual(SESSION_BOUND);
    expect(serverSide.bytesWritten).toBeLessThan(64 * 1024 * 1024);

    // Once the client reads again the stream is intact: queued updates decode, and a full one shows the picture.
    c.socket.resume();
    let same = false;
    for (let i = 0; i < 20 && !same; i++) {
      await c.update(false);
      same = Buffer.from(c.rgba).equals(Buffer.from(snapshot(d).rgba));
    }
    expect(same).toBe(true);
  });

  it('cuts off a vt100 client that stops reading while the guest keeps writing', async () => {
    const t = factory.textConsole({ kind: 'guest', title: 'chatty', hostname: 'c1', rfbVersion: '3.8' });
    if (!(t instanceof TextConsole)) throw new Error('unexpected display');
    const l = await listen(t.vt100);
    cleanups.push(() => t.close(), l.stop);
    const rfbL = await listen(t.rfb);
    cleanups.push(rfbL.stop);
    const reader = await RfbTestClient.connect(rfbL.port);
    cleanups.push(() => reader.close());
    await reader.handshake();

    const slow = connect({ host: '127.0.0.1', port: l.port });
    cleanups.push(() => {
      slow.destroy();
    });
    const closed = new Promise<void>((resolve) => slow.on('close', () => resolve()));
    await until(() => l.accepted.length === 1, 'the vt100 connection');
    slow.pause();
    const serverSide = l.accepted[0]!;
    let maxQueued = 0;
    const line = `${'x'.repeat(79)}\n`.repeat(800);
    for (let i = 0; i < 2000 && !serverSide.destroyed; i++) {
      t.terminal.write(line);
      maxQueued = Math.max(maxQueued, serverSide.writableLength);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(serverSide.destroyed).toBe(true);
    // A paused socket only reports 'close' after its buffered input is consumed.
    slow.resume();
    await closed;
    expect(maxQueued).toBeLessThanOrEqual(2 * 1024 * 1024);
    // The RFB view of the same console is unaffected.
    expect((await reader.update(false)).length).toBeGreaterThan(0);
  });
});
