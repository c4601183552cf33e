import { afterEach, describe, expect, it } from 'vitest';
import { Framebuffer, TILE_SIZE, type PixelFormat, type Rect } from '../src/index.ts';
import { random, serve } from './harness.ts';
import {
  ENCODING,
  NOVNC_ENCODINGS,
  NOVNC_FORMAT,
  differingPixels,
  quantize,
  type TestViewer,
  FORMATS,
} from './novnc-viewer.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(fb: Framebuffer) {
  const s = await serve(fb);
  cleanups.push(s.stop);
  return s;
}

/** A viewer set up as noVNC sets itself up: its pixel format, then its encodings. */
async function novnc(s: Awaited<ReturnType<typeof serve>>): Promise<TestViewer> {
  const v = await s.viewer();
  v.setPixelFormat(NOVNC_FORMAT);
  v.setEncodings(NOVNC_ENCODINGS);
  return v;
}

/** A console-like picture: text-sized blocks in a few colours, with a full-colour patch. */
function paintScreen(fb: Framebuffer, seed: number): void {
  const next = random(seed);
  const colours = [0x000000, 0xaaaaaa, 0xffffff, 0x0000aa, 0x55ff55];
  for (let y = 0; y < fb.height; y += 16) {
    for (let x = 0; x < fb.width; x += 8) fb.fillRect(x, y, 8, 16, colours[next(colours.length)]!);
  }
  fb.paint(10, 10, 50, 40, (x, y) => (x * 2654435761 + y * 40503) & 0xffffff);
}

const area = (rects: Rect[]) => rects.reduce((n, r) => n + r.w * r.h, 0);

describe('a noVNC viewer', () => {
  it('gets the whole screen in Tight, exactly as it is, with the QEMU key event acknowledged', async () => {
    const fb = new Framebuffer(300, 200);
    paintScreen(fb, 1);
    const v = await novnc(await server(fb));
    const update = await v.update(false);
    expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
    expect(update.rects.filter((r) => r.encoding === ENCODING.qemuExtendedKeyEvent)).toHaveLength(1);
    const pixels = update.rects.filter((r) => r.encoding >= 0);
    expect(pixels.every((r) => r.encoding === ENCODING.tight && r.w <= TILE_SIZE && r.h <= TILE_SIZE)).toBe(true);
    expect(area(pixels)).toBe(300 * 200);
  });

  it('then gets only what changed, and is not answered until something does', async () => {
    const fb = new Framebuffer(300, 200);
    paintScreen(fb, 2);
    const v = await novnc(await server(fb));
    await v.update(false);
    v.request(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(v.buffered).toBe(0);
    fb.fillRect(100, 70, 8, 16, 0xff0000);
    const update = await v.readUpdate();
    expect(area(update.rects)).toBe(8 * 16);
    expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
  });

  it('is told a new desktop name when it listed DesktopName; a viewer that did not is not', async () => {
    const fb = new Framebuffer(100, 100);
    const s = await server(fb);
    const v = await novnc(s);
    const plain = await s.viewer();
    plain.setEncodings([ENCODING.tight, ENCODING.raw]);
    await v.update(false);
    await plain.update(false);
    for (const served of s.served) served.session.setDesktopName('renamed VM — ünïcode');
    v.request(true);
    const update = await v.readUpdate();
    expect(update.rects.map((r) => r.encoding)).toEqual([ENCODING.desktopName]);
    expect(v.name).toBe('renamed VM — ünïcode');
    // The plain viewer's request is held (nothing it understands changed) until the screen changes.
    plain.request(true);
    fb.fillRect(0, 0, 1, 1, 0xffffff);
    expect((await plain.readUpdate()).rects.map((r) => r.encoding)).toEqual([ENCODING.tight]);
    expect(plain.name).toBe('test screen');
  });

  it('hears of a resize as DesktopSize, then gets the whole new screen', async () => {
    const fb = new Framebuffer(200, 100);
    paintScreen(fb, 3);
    const v = await novnc(await server(fb));
    await v.update(false);
    v.request(true);
    fb.resize(330, 170);
    paintScreen(fb, 4);
    const update = await v.readUpdate();
    expect(update.rects[0]).toEqual({ x: 0, y: 0, w: 330, h: 170, encoding: ENCODING.desktopSize });
    expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
  });

  it('hands key, pointer, clipboard and QEMU key messages to the host as they are', async () => {
    const fb = new Framebuffer(50, 50);
    const s = await server(fb);
    const v = await novnc(s);
    v.send([4, 1, 0, 0, 0, 0, 0xff, 0x0d]);
    v.send([5, 1, 0, 10, 0, 20]);
    v.send([6, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]);
    v.send([255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e]);
    const host = s.served[0]!;
    await v.update(false);
    expect(host.input).toEqual([
      { type: 'key', down: true, keysym: 0xff0d },
      { type: 'pointer', mask: 1, x: 10, y: 20 },
      { type: 'cut-text', text: 'hi' },
      { type: 'qemu-key', down: true, keysym: 0x61, keycode: 0x1e },
    ]);
  });

  it('clips a request that reaches outside the screen, and answers one wholly outside with an empty update', async () => {
    const fb = new Framebuffer(100, 80);
    paintScreen(fb, 5);
    const s = await server(fb);
    const v = await novnc(s);
    v.request(false, { x: 60, y: 40, w: 1000, h: 1000 });
    const clipped = await v.readUpdate();
    expect(area(clipped.rects.filter((r) => r.encoding >= 0))).toBe(40 * 40);
    v.request(false, { x: 5000, y: 5000, w: 10, h: 10 });
    expect((await v.readUpdate()).rects).toEqual([]);
    expect(s.served[0]!.errors).toEqual([]);
    expect(s.served[0]!.closed).toBe(false);
  });
});

describe('many viewers of one screen', () => {
  it('encode each changed tile once per encoding variant, whatever the number of viewers', async () => {
    const fb = new Framebuffer(256, 192);
    paintScreen(fb, 6);
    let encodings = 0;
    const put = fb.encoded.put.bind(fb.encoded);
    fb.encoded.put = (...args) => {
      encodings++;
      put(...args);
    };
    const s = await server(fb);
    const tight = [await novnc(s), await novnc(s), await novnc(s)];
    const raw = await s.viewer();
    raw.setPixelFormat(NOVNC_FORMAT);
    raw.setEncodings([ENCODING.raw]);
    for (const v of [...tight, raw]) await v.update(false);
    const tiles = (256 / TILE_SIZE) * (192 / TILE_SIZE);
    expect(encodings).toBe(2 * tiles);
    for (const v of [...tight, raw]) v.request(true);
    fb.fillRect(70, 70, 20, 20, 0x123456);
    for (const v of [...tight, raw]) await v.readUpdate();
    expect(encodings).toBe(2 * tiles + 2);
    for (const v of [...tight, raw]) expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
  });

  it('with different formats, encodings and pull timings, each ends with the screen as it is', async () => {
    const fb = new Framebuffer(320, 200);
    paintScreen(fb, 7);
    const s = await server(fb);
    const formats: [PixelFormat, number[]][] = [
      [NOVNC_FORMAT, NOVNC_ENCODINGS],
      [FORMATS.bigEndian888, [ENCODING.tight, ENCODING.copyRect, -256 + 9]],
      [NOVNC_FORMAT, [ENCODING.raw, ENCODING.copyRect]],
      [{ ...FORMATS.rgb565, bigEndian: true }, NOVNC_ENCODINGS],
      [FORMATS.bgr233, [ENCODING.raw]],
    ];
    const viewers: TestViewer[] = [];
    for (const [format, encodings] of formats) {
      const v = await s.viewer();
      v.setPixelFormat(format);
      v.setEncodings(encodings);
      viewers.push(v);
    }
    const next = random(99);
    let changing = true;
    const changer = (async () => {
      for (let i = 0; changing && i < 10_000; i++) {
        const x = next(300);
        const y = next(180);
        if (next(4) === 0) fb.copyRect(next(300), next(180), { x, y, w: 20, h: 20 });
        else fb.fillRect(x, y, 1 + next(60), 1 + next(40), next(0x1000000));
        await new Promise((r) => setTimeout(r, next(3)));
      }
    })();
    await Promise.all(
      viewers.map(async (v, i) => {
        await v.update(false);
        for (let n = 0; n < 15; n++) {
          await new Promise((r) => setTimeout(r, i * 4));
          await v.update(true);
        }
      }),
    );
    changing = false;
    await changer;
    fb.fillRect(0, 0, 1, 1, 0xfedcba);
    // Each update carries what fits the viewer's pace; what is left follows in the next ones.
    for (const [i, v] of viewers.entries()) await v.catchUp(quantize(fb.rgba(), formats[i]![0]));
    viewers.forEach((v, i) => {
      expect(differingPixels(v.display.rgba, quantize(fb.rgba(), formats[i]![0])), `viewer ${i}`).toBe(0);
    });
    expect(s.served.every((x) => x.errors.length === 0 && !x.closed)).toBe(true);
  });
});
