import { afterEach, describe, expect, it } from 'vitest';
import { Framebuffer } from '../src/index.ts';
import { duplexPair, random, serve, sessionOn, until } from './harness.ts';
import { ENCODING, NOVNC_ENCODINGS, NOVNC_FORMAT, TestViewer, differingPixels } from './novnc-viewer.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Rows of text-like blocks, as a terminal shows. */
function paintText(fb: Framebuffer, seed: number): void {
  const next = random(seed);
  for (let y = 0; y < fb.height; y += 16) {
    for (let x = 0; x < fb.width; x += 8) fb.fillRect(x, y, 8, 16, next(3) ? 0x000000 : 0xaaaaaa);
  }
}

describe('CopyRect to viewers', () => {
  it('a scroll reaches an up-to-date viewer as a CopyRect before the new line; a viewer lacking the source gets pixels', async () => {
    const fb = new Framebuffer(320, 192);
    paintText(fb, 1);
    const s = await serve(fb);
    cleanups.push(s.stop);
    const current = await s.viewer();
    const stale = await s.viewer();
    for (const v of [current, stale]) {
      v.setPixelFormat(NOVNC_FORMAT);
      v.setEncodings(NOVNC_ENCODINGS);
      await v.update(false);
    }
    const fullScreenBytes = current.rectBytes;
    // The stale viewer has not been sent this change to the source area yet when the screen scrolls.
    current.request(true);
    fb.fillRect(0, 100, 320, 16, 0x55ff55);
    await current.readUpdate();

    fb.copyRect(0, 16, { x: 0, y: 0, w: 320, h: 176 });
    fb.fillRect(0, 176, 320, 16, 0x0000aa);
    const before = current.rectBytes;
    const scrolled = await current.update(true);
    expect(scrolled.rects[0]).toEqual({ x: 0, y: 0, w: 320, h: 176, encoding: ENCODING.copyRect });
    expect(scrolled.rects.slice(1).every((r) => r.encoding === ENCODING.tight && r.y + r.h > 176)).toBe(true);
    expect(current.rectBytes - before).toBeLessThan(fullScreenBytes / 4);
    expect(differingPixels(current.display.rgba, fb.rgba())).toBe(0);

    const other = await stale.update(true);
    expect(other.rects.some((r) => r.encoding === ENCODING.copyRect)).toBe(false);
    expect(differingPixels(stale.display.rgba, fb.rgba())).toBe(0);
  });

  it('a copy whose result (and newer pixels) already reached the viewer mid-update is not replayed over them', async () => {
    const fb = new Framebuffer(256, 256);
    paintText(fb, 5);
    const [server, client] = duplexPair(1024);
    sessionOn(server, fb);
    const v = new TestViewer(client);
    cleanups.push(() => void client.destroy());
    await v.handshake();
    v.setPixelFormat(NOVNC_FORMAT);
    v.setEncodings([ENCODING.copyRect, ENCODING.tight]);
    await v.update(false);
    // Every tile changes to full colour, so the update that follows is long; the viewer stops reading part-way.
    fb.paint(0, 0, 256, 256, (x, y) => (x * 2654435761 + y * 40503) & 0xffffff);
    client.pause();
    v.request(true);
    await until(() => server.writableNeedDrain, 'the update to stall');
    // Meanwhile the bottom-right tile, not yet written, takes a copy from the top-left one and then newer pixels.
    fb.copyRect(0, 0, { x: 200, y: 200, w: 40, h: 40 });
    fb.fillRect(210, 210, 10, 10, 0xff00ff);
    client.resume();
    await v.readUpdate();
    fb.fillRect(0, 255, 1, 1, 0x010203);
    const next = await v.update(true);
    expect(next.rects.some((r) => r.encoding === ENCODING.copyRect)).toBe(false);
    expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
  });

  it('randomized: fills, blits and copies under random pulls and stalls end with every viewer equal to the screen', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const next = random(seed);
      const fb = new Framebuffer(200 + next(150), 150 + next(100));
      paintText(fb, seed);
      const kinds: number[][] = [
        NOVNC_ENCODINGS,
        [ENCODING.copyRect, ENCODING.tight],
        [ENCODING.copyRect, ENCODING.raw],
        [ENCODING.tight],
      ];
      const viewers = await Promise.all(
        kinds.map(async (encodings) => {
          const [server, client] = duplexPair(1024 + next(8192));
          sessionOn(server, fb, {
            onProtocolError: (reason) => {
              throw new Error(reason);
            },
          });
          const v = new TestViewer(client);
          await v.handshake();
          v.setPixelFormat(NOVNC_FORMAT);
          v.setEncodings(encodings);
          return { v, outstanding: false, reading: Promise.resolve(), failure: null as unknown };
        }),
      );
      const pull = (x: (typeof viewers)[number]) => {
        x.outstanding = true;
        x.v.request(true);
        x.reading = x.v
          .readUpdate()
          .then(() => void (x.outstanding = false))
          .catch((e: unknown) => void (x.failure = e));
      };
      for (const x of viewers) x.v.request(false);
      for (const x of viewers) await x.v.readUpdate();

      for (let step = 0; step < 400; step++) {
        const w = 1 + next(fb.width >> 1);
        const h = 1 + next(fb.height >> 1);
        const x = next(fb.width - w + 1);
        const y = next(fb.height - h + 1);
        switch (next(4)) {
          case 0:
            fb.fillRect(x, y, w, h, next(0x1000000));
            break;
          case 1: {
            const data = new Uint8Array(w * h * 4);
            for (let i = 0; i < data.length; i++) data[i] = next(3) ? 0 : next(256);
            fb.putRgba(x, y, w, h, data);
            break;
          }
          default:
            fb.copyRect(next(fb.width - w + 1), next(fb.height - h + 1), { x, y, w, h });
        }
        for (const viewer of viewers) {
          if (!viewer.outstanding && next(3) === 0) pull(viewer);
          const stream = viewer.v.stream;
          if (next(8) === 0) stream.pause();
          else if (next(3) === 0) stream.resume();
        }
        for (let i = next(3); i > 0; i--) await new Promise((r) => setImmediate(r));
      }

      for (const viewer of viewers) viewer.v.stream.resume();
      // A last change everyone lacks answers every held request; then one more pull each brings all up to date.
      fb.fillRect(0, 0, 1, 1, 0xfffffe);
      await until(() => viewers.every((x) => !x.outstanding || x.failure !== null), 'the last replies');
      fb.fillRect(0, 0, 1, 1, 0xfffffd);
      for (const viewer of viewers) pull(viewer);
      await Promise.all(viewers.map((x) => x.reading));
      for (const [i, viewer] of viewers.entries()) {
        expect(viewer.failure, `seed ${seed} viewer ${i}`).toBeNull();
        expect(differingPixels(viewer.v.display.rgba, fb.rgba()), `seed ${seed} viewer ${i}`).toBe(0);
      }
      const copies = viewers.map((x) => x.v.received.get(ENCODING.copyRect) ?? 0);
      expect(
        copies.slice(0, 3).some((n) => n > 0),
        `seed ${seed}: CopyRects were sent`,
      ).toBe(true);
      expect(copies[3]).toBe(0);
      for (const x of viewers) x.v.stream.destroy();
    }
  }, 180_000); // CPU-bound (about 5 s alone); a loaded CI machine runs it several times slower
});
