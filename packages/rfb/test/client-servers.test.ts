/**
 * The RFB client against real servers: TigerVNC's Xvnc (drawing with xterm), QEMU (the SeaBIOS screen, as an HVM
 * guest's console) and the simulator's own server. Each picture decoded from a compressed encoding is compared with
 * the same screen decoded from Raw on a second connection (and, for the simulator, with its framebuffer itself).
 */
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDisplayFactory, type Desktop } from '../../../apps/xapi-sim/src/rfb/index.ts';
import {
  colourBootSector,
  startQemu,
  startXvnc,
  xtermColourPattern,
  type VncServer,
  type XvncServer,
} from '../../../tests/support/vnc-servers.ts';
import { ClientEncoding, type Framebuffer, type NegotiatedVersion } from '../src/index.ts';
import { connectRfb, type Connected } from './client-fixtures.ts';
import { until } from './harness.ts';

const E = ClientEncoding;
const PSEUDO = [E.DesktopSize, E.ExtendedDesktopSize, E.LastRect, E.QemuExtendedKeyEvent, E.DesktopName];
const ZRLE = [E.ZRLE, E.CopyRect, E.Raw, ...PSEUDO];
const TIGHT = [E.Tight, E.CopyRect, E.Raw, ...PSEUDO];
/** The reference: pixels in Raw only, but told of screen-size changes (QEMU changes mode while it boots). */
const RAW = [E.Raw, E.DesktopSize, E.ExtendedDesktopSize];

const connections: Connected[] = [];
afterEach(() => connections.splice(0).forEach((c) => c.close()));

async function connect(port: number, encodings: readonly number[], version?: NegotiatedVersion): Promise<Connected> {
  const c = await connectRfb(port, encodings, version);
  connections.push(c);
  return c;
}

function colours(fb: Framebuffer): number {
  const seen = new Set<number>();
  for (let y = 0; y < fb.height; y++) for (let x = 0; x < fb.width; x++) seen.add(fb.getPixel(x, y));
  return seen.size;
}

function differingPixels(a: Framebuffer, b: Framebuffer): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  const [pa, pb] = [a.words, b.words];
  let n = 0;
  for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) n++;
  return n;
}

/**
 * Waits until `drawn` holds for `a`'s picture, then until `a` and `b` show the same picture: both keep an update
 * request outstanding, so while the screen settles they converge. A decoding error never does.
 */
async function expectSameScreen(a: Connected, b: Connected, drawn: (fb: Framebuffer) => boolean): Promise<void> {
  await until(() => a.updates() > 0 && b.updates() > 0 && drawn(a.fb), 'the screen to be drawn', 20_000);
  await until(() => differingPixels(a.fb, b.fb) === 0, 'both connections to show the same picture', 10_000).catch(() =>
    expect(differingPixels(a.fb, b.fb)).toBe(0),
  );
  expect(a.events.filter((e) => e.type === 'error')).toEqual([]);
}

/** Each compressed encoding first, its pixels only ever sent in it (no Raw fallback used). */
const COMPRESSED = [
  ['ZRLE', ZRLE],
  ['Tight', TIGHT],
] as const;

/**
 * Connects once with `encodings` and once with Raw, and expects the same picture, drawn from rectangles of the
 * preferred encoding alone.
 */
async function expectLikeRaw(port: number, encodings: readonly number[], drawn: (fb: Framebuffer) => boolean) {
  const raw = await connect(port, RAW);
  const compressed = await connect(port, encodings);
  await expectSameScreen(compressed, raw, drawn);
  expect(compressed.client.rectCounts.get(encodings[0]!)).toBeGreaterThan(0);
  expect(compressed.client.rectCounts.get(E.Raw)).toBeUndefined();
  expect(raw.client.rectCounts.get(E.Raw)).toBeGreaterThan(0);
}

describe('RFB client against TigerVNC Xvnc', () => {
  let xvnc: XvncServer;
  beforeAll(async () => {
    xvnc = await startXvnc({ geometry: '800x600' });
    xvnc.showInXterm(xtermColourPattern());
  });
  afterAll(() => xvnc?.stop());
  /** The xterm with its 24-bit colour cells is on the screen. */
  const drawn = (fb: Framebuffer) => colours(fb) > 500;

  it.each(COMPRESSED)('decodes %s into the same picture as Raw', async (_name, encodings) => {
    await expectLikeRaw(xvnc.port, encodings, drawn);
  });

  it('speaks 3.8, and 3.3 to a server that offers only 3.3', async () => {
    const c = await connect(xvnc.port, ZRLE);
    expect(c.events[0]).toMatchObject({ type: 'ready', version: '3.8', init: { width: 800, height: 600 } });
    const old = await startXvnc({ geometry: '320x200', rfb33: true });
    try {
      const c33 = await connect(old.port, ZRLE);
      expect(c33.events[0]).toMatchObject({ type: 'ready', version: '3.3', init: { width: 320, height: 200 } });
      await until(() => c33.updates() > 0, 'a first update');
    } finally {
      await old.stop();
    }
  });
});

describe('RFB client against QEMU (an HVM guest console)', () => {
  let qemu: VncServer;
  beforeAll(async () => {
    qemu = await startQemu({ lifetimeSeconds: 120 });
  });
  afterAll(() => qemu?.stop());
  /** SeaBIOS has written some text on the 720×400 text-mode screen. */
  const drawn = (fb: Framebuffer) => fb.width === 720 && colours(fb) > 1;

  it.each(COMPRESSED)('decodes %s into the same picture as Raw', async (_name, encodings) => {
    await expectLikeRaw(qemu.port, encodings, drawn);
  });

  it('is told that QEMU takes extended key events, and desktop-size layouts', async () => {
    const c = await connect(qemu.port, ZRLE);
    await until(() => c.updates() > 0, 'a first update');
    expect(c.events.filter((e) => e.type === 'extended-keys')).toHaveLength(1);
    expect(c.client.extendedKeys).toBe(true);
    expect(c.client.rectCounts.get(E.ExtendedDesktopSize)).toBeGreaterThan(0);
    // Raw-only clients did not ask, and are not told.
    const raw = await connect(qemu.port, RAW);
    await until(() => raw.updates() > 0, 'a first update');
    expect(raw.client.extendedKeys).toBe(false);
  });

  it('speaks 3.3 when told to (as the gateway does, so that xapi watches the console for idleness)', async () => {
    const c = await connect(qemu.port, ZRLE, '3.3');
    expect(c.events[0]).toMatchObject({ type: 'ready', version: '3.3', init: { name: 'QEMU' } });
    await until(() => c.updates() > 0 && c.client.extendedKeys, 'a first update');
  });
});

describe('RFB client against QEMU running a guest that changes screen mode', () => {
  let qemu: VncServer;
  beforeAll(async () => {
    qemu = await startQemu({ lifetimeSeconds: 120, bootSector: colourBootSector() });
  });
  afterAll(() => qemu?.stop());

  it('sends a key the guest reads, follows it to a 256-colour mode, and decodes that like Raw', async () => {
    const raw = await connect(qemu.port, RAW);
    const zrle = await connect(qemu.port, ZRLE);
    const tight = await connect(qemu.port, TIGHT);
    // The boot sector waits for a key on the BIOS text screen.
    await until(() => zrle.fb.width === 720 && colours(zrle.fb) > 1 && zrle.client.extendedKeys, 'the text screen');
    for (const down of [true, false]) zrle.client.input({ type: 'qemu-key', down, keysym: 0x61, keycode: 0x1e });
    const drawn = (fb: Framebuffer) => fb.width === 640 && fb.height === 400 && colours(fb) > 200;
    await expectSameScreen(zrle, raw, drawn);
    await expectSameScreen(tight, raw, drawn);
    for (const c of [raw, zrle, tight])
      expect(c.events).toContainEqual(expect.objectContaining({ type: 'resize', width: 640 }));
    expect(zrle.client.rectCounts.get(E.ZRLE)).toBeGreaterThan(0);
    expect(tight.client.rectCounts.get(E.Tight)).toBeGreaterThan(0);
  });
});

describe("RFB client against the simulator's server", () => {
  let desktop: Desktop;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    desktop = createDisplayFactory().desktop({ title: 'sim desktop', rfbVersion: '3.8', animate: false }) as Desktop;
    server = createServer((socket) => desktop.rfb.serve(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    desktop?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  const matchesServer = (c: Connected) => Buffer.from(c.fb.rgba()).equals(Buffer.from(desktop.snapshot().rgba));

  it('decodes Tight into exactly the server framebuffer, and the same picture as Raw', async () => {
    const raw = await connect(port, RAW);
    const tight = await connect(port, TIGHT);
    await expectSameScreen(tight, raw, (fb) => colours(fb) > 2);
    expect(matchesServer(tight)).toBe(true);
    expect(tight.client.rectCounts.get(E.Tight)).toBeGreaterThan(0);
    expect(tight.events[0]).toMatchObject({ type: 'ready', init: { name: 'sim desktop', width: 1024, height: 768 } });
  });

  it("passes a viewer's input through, and follows the screen it changes", async () => {
    const c = await connect(port, TIGHT);
    await until(() => c.updates() > 0, 'a first update');
    c.client.input({ type: 'pointer', mask: 1, x: 200, y: 150 });
    c.client.input({ type: 'key', down: true, keysym: 0x61 });
    c.client.input({ type: 'cut-text', text: 'grüße' });
    await until(() => desktop.input.length >= 3, 'the input to reach the simulator');
    expect(desktop.input.map(({ at: _at, ...event }) => event)).toEqual([
      { type: 'pointer', mask: 1, x: 200, y: 150 },
      { type: 'key', down: true, keysym: 0x61 },
      { type: 'cut-text', text: 'grüße' },
    ]);
    await until(() => matchesServer(c), 'the client to show the changed screen');
  });
});
