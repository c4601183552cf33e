import { afterEach, describe, expect, it } from 'vitest';
import { Framebuffer, MAX_RECT_BYTES } from '../src/index.ts';
import { random, serve } from './harness.ts';
import { NOVNC_ENCODINGS, NOVNC_FORMAT, differingPixels, type TestViewer } from './novnc-viewer.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A socket's default high-water mark: what a session may fill before write() says stop. */
const HIGH_WATER_MARK = 16 * 1024;
/** What a session may leave queued: up to the high-water mark, then one rectangle (at most a tile) and headers. */
const SESSION_BOUND = HIGH_WATER_MARK + MAX_RECT_BYTES + 64;

describe('a viewer that stops reading', () => {
  it('has at most one rectangle queued for it, and neither delays the screen nor a viewer that reads', async () => {
    const fb = new Framebuffer(640, 480);
    const next = random(11);
    fb.paint(0, 0, 640, 480, () => next(0x1000000));
    const s = await serve(fb);
    cleanups.push(s.stop);
    const setUp = async (v: TestViewer) => {
      v.setPixelFormat(NOVNC_FORMAT);
      v.setEncodings(NOVNC_ENCODINGS);
      await v.update(false);
    };
    const slow = await s.viewer();
    const fast = await s.viewer();
    await setUp(slow);
    await setUp(fast);
    const slowSide = s.served[0]!.socket;

    slow.stream.pause();
    // Requests in quick succession look like a fast viewer: the session sends whole screens (its budget is large).
    for (let i = 0; i < 20; i++) {
      slow.request(false);
      await new Promise((r) => setImmediate(r));
    }
    let maxQueued = 0;
    // Full-screen requests each ask for 1.2 MB of full-colour pixels; nothing of them may pile up in the server.
    for (let i = 0; i < 60; i++) {
      slow.request(false);
      fb.paint(0, 0, 640, 480, (x, y) => (x * 2654435761 + y * 40503 + i) & 0xffffff);
      await fast.update(true);
      maxQueued = Math.max(maxQueued, slowSide.writableLength);
    }
    expect(slowSide.writableNeedDrain).toBe(true);
    expect(maxQueued).toBeLessThanOrEqual(SESSION_BOUND);
    await fast.catchUp(fb.rgba());
    expect(differingPixels(fast.display.rgba, fb.rgba())).toBe(0);

    // Once it reads again it catches up with the newest picture (the stream is intact), in updates of its pace.
    slow.stream.resume();
    fb.fillRect(0, 0, 1, 1, 0x102030);
    await slow.catchUp(fb.rgba());
    expect(differingPixels(slow.display.rgba, fb.rgba())).toBe(0);
  });
});
