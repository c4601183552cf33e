import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { GuestDisplay, InputEvent } from '../src/consoles/backend.ts';
import { createDisplayFactory, Desktop, MAX_CUT_TEXT, screenLines, snapshot } from '../src/rfb/index.ts';
import { listen, RfbTestClient, until } from './rfb-client.ts';

const factory = createDisplayFactory();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(display: GuestDisplay) {
  const l = await listen(display.rfb);
  cleanups.push(() => display.close(), l.stop);
  return async () => {
    const c = await RfbTestClient.connect(l.port);
    cleanups.push(() => c.close());
    await c.handshake('3.8');
    return c;
  };
}

function desktop(): Desktop {
  const d = factory.desktop({ title: 'Windows', rfbVersion: '3.8', animate: false });
  if (!(d instanceof Desktop)) throw new Error('factory returned an unexpected display');
  return d;
}

const withoutTime = (events: readonly InputEvent[]) => events.map(({ at: _at, ...rest }) => rest);

describe('input messages', () => {
  it('records XenServer scan codes (254) without a keysym', async () => {
    const d = desktop();
    const c = await (await serve(d))();
    c.xenScancode(0x1d, true); // LCtrl
    c.xenScancode(0x38, true); // LAlt
    c.xenScancode(0xd3, true); // Delete: extended 0x53 + 0x80
    c.xenScancode(0xd3, false);
    await until(() => d.input.length === 4, 'four events');
    expect(withoutTime(d.input)).toEqual([
      { type: 'scancode', down: true, scancode: 0x1d },
      { type: 'scancode', down: true, scancode: 0x38 },
      { type: 'scancode', down: true, scancode: 0xd3 },
      { type: 'scancode', down: false, scancode: 0xd3 },
    ]);
    expect(d.input.every((e) => !('keysym' in e))).toBe(true);
  });

  it('records QEMU extended key events (255/0) with keysym and keycode, in either down layout', async () => {
    const d = desktop();
    const c = await (await serve(d))();
    c.qemuKey(0x61, 0x1e, true);
    // XenCenter writes u8 255, u8 0, u8 pad, u8 down: the same bytes as a u16 down.
    c.send([255, 0, 0, 0, 0, 0, 0, 0x61, 0, 0, 0, 0x1e]);
    // A client writing down as 0x0100 (u8 down then pad) still means pressed.
    c.send([255, 0, 1, 0, 0, 0, 0xff, 0x0d, 0, 0, 0, 0x1c]);
    await until(() => d.input.length === 3, 'three events');
    expect(withoutTime(d.input)).toEqual([
      { type: 'scancode', down: true, scancode: 0x1e, keysym: 0x61 },
      { type: 'scancode', down: false, scancode: 0x1e, keysym: 0x61 },
      { type: 'scancode', down: true, scancode: 0x1c, keysym: 0xff0d },
    ]);
  });

  it('types QEMU extended key events on a text console', async () => {
    const t = factory.textConsole({ kind: 'guest', title: 'pv', hostname: 'pv1', rfbVersion: '3.8' });
    const c = await (await serve(t))();
    c.qemuKey(0x6f, 0x18, true);
    c.qemuKey(0x6b, 0x25, true);
    await until(() => screenLines(t).some((l) => l === 'pv1 login: ok'), 'the echo');
  });

  it('records pointer events, shows the marker and the position on the desktop', async () => {
    const d = desktop();
    const listener: InputEvent[] = [];
    d.onInput((e) => listener.push(e));
    const c = await (await serve(d))();
    c.pointer(0, 400, 300);
    c.pointer(1, 400, 300);
    c.pointer(0, 400, 300);
    c.pointer(8, 400, 300); // wheel up press
    await until(() => d.input.length === 4, 'four events');
    expect(withoutTime(d.input)).toEqual([0, 1, 0, 8].map((mask) => ({ type: 'pointer', mask, x: 400, y: 300 })));
    expect(listener).toEqual(d.input);
    const at = (x: number, y: number) => {
      const s = snapshot(d);
      return [...s.rgba.subarray((y * s.width + x) * 4, (y * s.width + x) * 4 + 3)];
    };
    expect(at(400, 300)).toEqual([255, 255, 255]);
    expect(at(395, 300)).toEqual([0, 0, 0]);
    // The marker moves without leaving a trail.
    c.pointer(0, 600, 200);
    await until(() => d.input.length === 5, 'the move');
    expect(at(400, 300)).toEqual([0xe0, 0xe0, 0xe0]); // the window body again
    expect(at(600, 200)).toEqual([255, 255, 255]);
    await c.update(false);
    expect(Buffer.from(c.rgba).equals(Buffer.from(snapshot(d).rgba))).toBe(true);
  });

  it('records ClientCutText as Latin-1', async () => {
    const d = desktop();
    const c = await (await serve(d))();
    c.cutText('café\nline 2');
    await until(() => d.input.length === 1, 'cut text');
    expect(withoutTime(d.input)).toEqual([{ type: 'cut-text', text: 'café\nline 2' }]);
  });

  it('skips an oversized ClientCutText without buffering it and keeps the connection', async () => {
    const d = desktop();
    const c = await (await serve(d))();
    const header = Buffer.alloc(8);
    header[0] = 6;
    header.writeUInt32BE(MAX_CUT_TEXT + 1000, 4);
    c.send(header);
    for (let sent = 0; sent < MAX_CUT_TEXT + 1000; sent += 100_000) {
      c.send(Buffer.alloc(Math.min(100_000, MAX_CUT_TEXT + 1000 - sent), 0x41));
    }
    c.key(0x7a, true);
    await until(() => d.input.length === 1, 'the key after the skipped text');
    expect(withoutTime(d.input)).toEqual([{ type: 'key', down: true, keysym: 0x7a }]);
    expect((await c.update(false)).length).toBeGreaterThan(0);
  });

  it('keeps the connection when an input listener throws', async () => {
    const d = desktop();
    d.onInput(() => {
      throw new Error('observer bug');
    });
    const c = await (await serve(d))();
    c.key(0x61, true);
    await until(() => d.input.length === 1, 'the key');
    expect((await c.update(false)).length).toBeGreaterThan(0);
  });
});

describe('malformed input', () => {
  it.each<[string, number[]]>([
    ['unknown message type 7', [7, 0, 0, 0]],
    ['type 250 (not negotiated)', [250, 0, 0, 0, 0, 0, 0, 0]],
    ['QEMU sub-type 1 (audio)', [255, 1, 0, 0]],
    ['an extended-clipboard cut text that was not negotiated', [6, 0, 0, 0, 0xff, 0xff, 0xff, 0xf0]],
    ['SetPixelFormat with 12 bits per pixel', [0, 0, 0, 0, 12, 12, 0, 1, 0, 15, 0, 15, 0, 15, 8, 4, 0, 0, 0, 0]],
  ])('closes the connection on %s, leaving other connections alone', async (_what, bytes) => {
    const d = desktop();
    const open = await serve(d);
    const victim = await open();
    const bystander = await open();
    victim.send(bytes);
    await victim.closed;
    expect((await bystander.update(false)).length).toBeGreaterThan(0);
    bystander.key(0x62, true);
    await until(() => d.input.length === 1, 'the bystander key');
  });

  it('survives random garbage after a good handshake', async () => {
    const d = desktop();
    const open = await serve(d);
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (let i = 0; i < 20; i++) {
      const c = await open();
      c.send(Array.from({ length: 64 }, random));
      c.socket.end();
      await c.closed;
    }
    const c = await open();
    expect((await c.update(false)).length).toBeGreaterThan(0);
  });

  it('handles messages split across writes', async () => {
    const d = desktop();
    const c = await (await serve(d))();
    (c.socket as Socket).setNoDelay(true);
    const key = [4, 1, 0, 0, 0, 0, 0, 0x71];
    for (const b of key) {
      c.send([b]);
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => d.input.length === 1, 'the key');
    expect(withoutTime(d.input)).toEqual([{ type: 'key', down: true, keysym: 0x71 }]);
  });
});
