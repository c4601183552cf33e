import { afterEach, describe, expect, it } from 'vitest';
import type { GuestDisplay } from '../src/consoles/backend.ts';
import {
  createDisplayFactory,
  Desktop,
  DESKTOP_PATCHES,
  desktopLayout,
  MAX_RECT_BYTES,
  snapshot,
  type Snapshot,
} from '../src/rfb/index.ts';
import {
  ENC_DESKTOP_SIZE,
  ENC_QEMU_EXT_KEY,
  ENC_RAW,
  FORMAT_BGR233,
  FORMAT_NOVNC,
  FORMAT_RGB565_BE,
  FORMAT_SERVER,
  listen,
  RfbTestClient,
  type UpdateRect,
  type WireFormat,
} from './rfb-client.ts';

const factory = createDisplayFactory();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function connected(display: GuestDisplay, version: '3.3' | '3.8' = '3.8') {
  const l = await listen(display.rfb);
  cleanups.push(() => display.close(), l.stop);
  const c = await RfbTestClient.connect(l.port);
  cleanups.push(() => c.close());
  await c.handshake(version);
  return c;
}

function desktop(opts: { width?: number; height?: number } = {}): Desktop {
  const d = factory.desktop({ title: 'HVM guest', rfbVersion: '3.8', animate: false, ...opts });
  if (!(d instanceof Desktop)) throw new Error('factory returned an unexpected display');
  return d;
}

/** Largest per-channel difference between the client's picture and the server's, and how many pixels differ. */
function compare(rgba: Uint8Array, expected: Snapshot): { differing: number; worst: number } {
  expect(rgba.length).toBe(expected.rgba.length);
  let differing = 0;
  let worst = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    let d = 0;
    for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(rgba[i + c]! - expected.rgba[i + c]!));
    if (d > 0) differing++;
    worst = Math.max(worst, d);
  }
  return { differing, worst };
}

function pixelBytes(f: WireFormat): number {
  return f.bpp / 8;
}

describe('FramebufferUpdate', () => {
  it('a full update of the desktop equals snapshot(), in rectangles of bounded size', async () => {
    const d = desktop();
    const c = await connected(d);
    const rects = await c.update(false);
    expect(compare(c.rgba, snapshot(d))).toEqual({ differing: 0, worst: 0 });
    expect(rects.every((r) => r.encoding === ENC_RAW && r.w * r.h * 4 <= MAX_RECT_BYTES)).toBe(true);
    expect(rects.reduce((n, r) => n + r.w * r.h, 0)).toBe(1024 * 768);
  });

  it('paints the documented test patches', async () => {
    const d = desktop();
    const c = await connected(d);
    await c.update(false);
    for (const p of DESKTOP_PATCHES) {
      const o = ((p.y + p.h / 2) * c.width + p.x + p.w / 2) * 4;
      const rgb = (c.rgba[o]! << 16) | (c.rgba[o + 1]! << 8) | c.rgba[o + 2]!;
      expect(rgb, p.name).toBe(p.colour);
    }
  });

  it.each<[string, WireFormat, number]>([
    ['noVNC 32bpp shifts 0/8/16', FORMAT_NOVNC, 0],
    ['32bpp big-endian', { ...FORMAT_SERVER, bigEndian: true }, 0],
    ['16bpp RGB565 big-endian', FORMAT_RGB565_BE, 5],
    [
      '16bpp RGB555 little-endian',
      { ...FORMAT_RGB565_BE, bigEndian: false, depth: 15, max: [31, 31, 31], shift: [10, 5, 0] },
      5,
    ],
    ['8bpp BGR233', FORMAT_BGR233, 43],
  ])('converts to %s', async (_name, format, tolerance) => {
    const d = desktop();
    const c = await connected(d);
    c.setPixelFormat(format);
    const rects = await c.update(false);
    const { worst } = compare(c.rgba, snapshot(d));
    expect(worst).toBeLessThanOrEqual(tolerance);
    expect(rects.every((r) => r.w * r.h * pixelBytes(format) <= MAX_RECT_BYTES)).toBe(true);
  });

  it('writes RGB565 big-endian pixel values exactly', async () => {
    const d = desktop();
    const c = await connected(d);
    c.setPixelFormat(FORMAT_RGB565_BE);
    c.raw = [];
    await c.update(false);
    const valueAt = (x: number, y: number) => {
      const hit = c.raw!.find(({ rect: r }) => x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h)!;
      return hit.data.readUInt16BE(((y - hit.rect.y) * hit.rect.w + (x - hit.rect.x)) * 2);
    };
    const expected: Record<string, number> = { red: 0xf800, green: 0x07e0, blue: 0x001f, white: 0xffff, black: 0 };
    for (const p of DESKTOP_PATCHES.filter((p) => p.name in expected)) {
      expect(valueAt(p.x + 1, p.y + 1), p.name).toBe(expected[p.name]);
    }
  });

  it.each([
    ['a colour-map format', { ...FORMAT_SERVER, trueColour: false }],
    ['24 bits per pixel', { ...FORMAT_SERVER, bpp: 24 as 32 }],
    ['a channel wider than the pixel', { ...FORMAT_RGB565_BE, shift: [12, 5, 0] as [number, number, number] }],
  ])('closes the connection on SetPixelFormat with %s', async (_what, format) => {
    const c = await connected(desktop());
    c.setPixelFormat(format);
    await c.closed;
  });

  it('holds an incremental request until something changes, then sends only the change', async () => {
    const display = factory.textConsole({ kind: 'guest', title: 't', hostname: 'box', rfbVersion: '3.8' });
    const c = await connected(display);
    await c.update(false);
    c.requestUpdate(true);
    // BackSpace at an empty prompt rings the bell without touching the screen: the Bell must come first,
    // which shows the incremental request was held rather than answered empty.
    c.key(0xff08, true);
    expect(await c.readMessage()).toEqual({ type: 'bell' });
    c.type('x');
    const rects = await c.readUpdate();
    const area = rects.reduce((n, r) => n + r.w * r.h, 0);
    expect(area).toBeGreaterThan(0);
    expect(area).toBeLessThanOrEqual(2 * 8 * 16 * 2); // the echoed cell and the cursor's new cell
    expect(compare(c.rgba, snapshot(display)).differing).toBe(0);
  });

  it('answers a non-incremental request for part of the screen with that part only', async () => {
    const d = desktop();
    const c = await connected(d);
    const part = { x: 100, y: 50, w: 300, h: 200 };
    c.requestUpdate(false, part);
    const rects = await c.readUpdate();
    for (const r of rects) {
      expect(r.x >= part.x && r.y >= part.y && r.x + r.w <= part.x + part.w && r.y + r.h <= part.y + part.h).toBe(true);
    }
    expect(rects.reduce((n, r) => n + r.w * r.h, 0)).toBe(300 * 200);
  });

  it('sends the clock when the desktop animates', async () => {
    const d = desktop();
    const c = await connected(d);
    await c.update(false);
    c.requestUpdate(true);
    d.tick();
    const rects = await c.readUpdate();
    const clock = desktopLayout(1024, 768).clock;
    expect(rects.length).toBeGreaterThan(0);
    for (const r of rects) {
      expect(r.x >= clock.x && r.y >= clock.y && r.x + r.w <= clock.x + clock.w && r.y + r.h <= clock.y + clock.h).toBe(
        true,
      );
    }
    expect(compare(c.rgba, snapshot(d)).differing).toBe(0);
  });

  it('acknowledges the QEMU extended key event pseudo-encoding when the client lists it', async () => {
    const c = await connected(desktop());
    c.setEncodings([ENC_RAW, ENC_DESKTOP_SIZE, ENC_QEMU_EXT_KEY]);
    const rects = await c.update(false);
    expect(rects.filter((r) => r.encoding === ENC_QEMU_EXT_KEY)).toEqual([
      { x: 0, y: 0, w: 0, h: 0, encoding: ENC_QEMU_EXT_KEY },
    ]);
    const plain = await connected(desktop());
    plain.setEncodings([ENC_RAW]);
    expect((await plain.update(false)).some((r) => r.encoding !== ENC_RAW)).toBe(false);
  });

  it('announces a resolution change with DesktopSize and then repaints at the new size', async () => {
    const d = desktop();
    const c = await connected(d);
    c.setEncodings([ENC_RAW, ENC_DESKTOP_SIZE]);
    await c.update(false);
    c.requestUpdate(true);
    d.resize(800, 600);
    const rects: UpdateRect[] = await c.readUpdate();
    expect(rects[0]).toEqual({ x: 0, y: 0, w: 800, h: 600, encoding: ENC_DESKTOP_SIZE });
    expect([c.width, c.height]).toEqual([800, 600]);
    expect(compare(c.rgba, snapshot(d))).toEqual({ differing: 0, worst: 0 });
  });

  it('keeps updates inside the old size for a client without DesktopSize', async () => {
    const d = desktop({ width: 800, height: 600 });
    const c = await connected(d);
    c.setEncodings([ENC_RAW]);
    await c.update(false);
    d.resize(1024, 768);
    // The client's decoder throws on any rectangle outside its 800x600 screen.
    const rects = await c.update(false);
    expect(rects.every((r) => r.encoding === ENC_RAW && r.x + r.w <= 800 && r.y + r.h <= 600)).toBe(true);
  });

  it('sends ServerCutText as Latin-1 to connected clients', async () => {
    const d = desktop();
    const c = await connected(d);
    await c.update(false);
    d.setClipboard('héllo € 1');
    expect(await c.readMessage()).toEqual({ type: 'cut-text', text: 'héllo ? 1' });
  });

  it('serves RFB 3.3 displays the same pictures', async () => {
    const d = factory.desktop({ title: 'old', rfbVersion: '3.3', animate: false });
    const c = await connected(d, '3.3');
    await c.update(false);
    expect(compare(c.rgba, snapshot(d)).differing).toBe(0);
  });
});
