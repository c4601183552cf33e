import { afterEach, describe, expect, it } from 'vitest';
import { DrainMeter, MAX_BUDGET, MIN_BUDGET, UPDATE_TARGET_MS } from '../src/drain-meter.ts';
import { Framebuffer, MAX_RECT_BYTES, TILE_SIZE } from '../src/index.ts';
import { random, serve } from './harness.ts';
import { NOVNC_ENCODINGS, NOVNC_FORMAT, differingPixels, type TestViewer } from './novnc-viewer.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('a viewer’s pace', () => {
  it('is unknown at first (a first screen goes whole), then what it took in over the time it took', () => {
    const m = new DrainMeter();
    expect(m.budget()).toBe(MAX_BUDGET);
    m.begin(1000);
    m.add(1_000_000);
    m.answered(1100);
    // 10 bytes a millisecond: 20 ms of it.
    expect(m.budget()).toBe(Math.max(MIN_BUDGET, 10_000 * UPDATE_TARGET_MS));
  });

  it('takes the latency that small updates show off the turnaround of large ones, by at most half', () => {
    const m = new DrainMeter();
    m.begin(0);
    m.add(100);
    m.answered(40);
    m.begin(100);
    m.add(2_000_000);
    m.answered(240);
    // 2 MB in 140 ms of which 40 are latency: 20 kB/ms.
    expect(m.budget()).toBe(20_000 * UPDATE_TARGET_MS);
    const lone = new DrainMeter();
    lone.begin(100);
    lone.add(2_000_000);
    lone.answered(240);
    expect(lone.budget()).toBeLessThan(m.budget());
  });

  it('keeps a floor and a ceiling, and an update nobody asked after is not measured', () => {
    const slow = new DrainMeter();
    slow.begin(0);
    slow.add(20_000);
    slow.answered(10_000);
    expect(slow.budget()).toBe(MIN_BUDGET);
    const fast = new DrainMeter();
    fast.begin(0);
    fast.add(100_000_000);
    fast.answered(1);
    expect(fast.budget()).toBe(MAX_BUDGET);
    const none = new DrainMeter();
    none.add(1_000_000);
    none.answered(5);
    expect(none.budget()).toBe(MAX_BUDGET);
  });
});

/**
 * A screen of full-colour tiles (each ~12 KiB in Tight, so MIN_BUDGET holds about twenty) served to one noVNC-like
 * viewer on a clock the test moves: the viewer took its first screen slowly, so its updates carry MIN_BUDGET.
 */
async function slowViewer(): Promise<{ fb: Framebuffer; v: TestViewer; clock: { now: number } }> {
  const fb = new Framebuffer(16 * TILE_SIZE, 4 * TILE_SIZE);
  const next = random(3);
  fb.paint(0, 0, fb.width, fb.height, () => next(0x1000000));
  const clock = { now: 0 };
  const s = await serve(fb, { clock: () => clock.now });
  cleanups.push(s.stop);
  const v = await s.viewer();
  v.setPixelFormat(NOVNC_FORMAT);
  v.setEncodings(NOVNC_ENCODINGS);
  await v.update(false);
  expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
  // The first screen took ten seconds: this viewer is slow (each test moves the clock on as its updates arrive).
  clock.now += 10_000;
  return { fb, v, clock };
}

const tileAt = (fb: Framebuffer, t: number) => fb.tiles.tileRect(t);

function noiseTile(fb: Framebuffer, t: number, seed: number): void {
  const next = random(seed);
  const r = tileAt(fb, t);
  fb.paint(r.x, r.y, r.w, r.h, () => next(0x1000000));
}

/** The tile of each pixel rectangle of an update, in the order sent. */
const tilesOf = (fb: Framebuffer, rects: { x: number; y: number; encoding: number }[]): number[] =>
  rects.filter((r) => r.encoding >= 0).map((r) => (r.y / TILE_SIZE) * fb.tiles.columns + r.x / TILE_SIZE);

describe('updates to a slow viewer', () => {
  it('carry what fits its budget, the rest in the next updates, until it holds the screen as it is', async () => {
    const { fb, v, clock } = await slowViewer();
    for (let t = 0; t < fb.tiles.count; t++) noiseTile(fb, t, 100 + t);
    let updates = 0;
    let tiles = 0;
    while (updates < 50 && differingPixels(v.display.rgba, fb.rgba()) > 0) {
      const before = v.rectBytes;
      clock.now += 1000;
      const update = await v.update(true);
      // The sizes are estimated from each tile's last encoding: at most one tile over.
      expect(v.rectBytes - before).toBeLessThanOrEqual(MIN_BUDGET + MAX_RECT_BYTES);
      tiles += tilesOf(fb, update.rects).length;
      updates++;
    }
    expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
    expect(updates).toBeGreaterThanOrEqual(Math.ceil((fb.tiles.count * 12_288) / MIN_BUDGET));
    expect(tiles).toBe(fb.tiles.count);
  });

  it('start with the newest changes', async () => {
    const { fb, v } = await slowViewer();
    const order = Array.from({ length: 40 }, (_, i) => (i * 23) % 64);
    order.forEach((t, i) => noiseTile(fb, t, 200 + i));
    const first = tilesOf(fb, (await v.update(true)).rects);
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThan(order.length);
    expect(first).toEqual([...order].reverse().slice(0, first.length));
    await v.catchUp(fb.rgba());
    expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
  });

  it('start with what the server changed first after input (the echo), before newer changes', async () => {
    const { fb, v } = await slowViewer();
    noiseTile(fb, 3, 300);
    // Input went to the server; its next update draws the echo first, then a flood of newer changes.
    fb.inputSent();
    fb.beginUpdate();
    const echo = 60;
    noiseTile(fb, echo, 301);
    const flood = Array.from({ length: 40 }, (_, i) => (i < 3 ? i : i + 1));
    flood.forEach((t, i) => noiseTile(fb, t, 400 + i));
    // The second update may still draw the echo (an answer was on its way as the input left); the third, with no
    // input in between, carries none: its changes are merely newest.
    fb.beginUpdate();
    fb.beginUpdate();
    noiseTile(fb, 50, 500);
    const first = tilesOf(fb, (await v.update(true)).rects);
    expect(first[0]).toBe(echo);
    expect(first.slice(1)).toEqual(flood.slice(0, first.length - 1));
    await v.catchUp(fb.rgba());
    expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
  });

  it('start with the echo a server draws in its second update after input, an answer being on its way', async () => {
    const { fb, v } = await slowViewer();
    fb.inputSent();
    // The answer in flight as the input left changes part of the screen; the echo comes in the one after, then noise.
    fb.beginUpdate();
    const inFlight = Array.from({ length: 10 }, (_, i) => i);
    inFlight.forEach((t, i) => noiseTile(fb, t, 800 + i));
    fb.beginUpdate();
    const echo = 62;
    noiseTile(fb, echo, 850);
    const withEcho = Array.from({ length: 20 }, (_, i) => 20 + i);
    withEcho.forEach((t, i) => noiseTile(fb, t, 860 + i));
    // A third update is no longer the echo: its changes, though newest, wait.
    fb.beginUpdate();
    const later = Array.from({ length: 10 }, (_, i) => 45 + i);
    later.forEach((t, i) => noiseTile(fb, t, 890 + i));
    const first = tilesOf(fb, (await v.update(true)).rects);
    expect(first.length).toBeGreaterThan(inFlight.length);
    expect(first).toEqual([...inFlight, echo, ...withEcho, ...later].slice(0, first.length));
  });

  it('send each change of the echo window once first: a screen changing everywhere still reaches every tile', async () => {
    const { fb, v, clock } = await slowViewer();
    // One key, then every tile changes in every update the server sends (the whole screen is noise).
    fb.inputSent();
    const lastTile = fb.tiles.count - 1;
    let arrived = -1;
    for (let round = 0; round < 12 && arrived < 0; round++) {
      fb.beginUpdate();
      for (let t = 0; t < fb.tiles.count; t++) noiseTile(fb, t, 900 + round * 100 + t);
      clock.now += 1000;
      if (tilesOf(fb, (await v.update(true)).rects).includes(lastTile)) arrived = round;
    }
    // About a screen's worth of updates (64 tiles of ~12 KiB, MIN_BUDGET a time), not never.
    expect(arrived).toBeGreaterThanOrEqual(0);
    expect(arrived).toBeLessThanOrEqual(Math.ceil((fb.tiles.count * 12_288) / MIN_BUDGET) + 1);
  });

  it('do not starve a tile that changed once while newer changes keep coming elsewhere', async () => {
    const { fb, v, clock } = await slowViewer();
    const lonely = 63;
    noiseTile(fb, lonely, 600);
    const busy = Array.from({ length: 40 }, (_, i) => i);
    let arrived = -1;
    for (let round = 0; round < 12 && arrived < 0; round++) {
      busy.forEach((t, i) => noiseTile(fb, t, 700 + round * 50 + i));
      clock.now += 1000;
      if (tilesOf(fb, (await v.update(true)).rects).includes(lonely)) arrived = round;
    }
    expect(arrived).toBeGreaterThanOrEqual(0);
    await v.catchUp(fb.rgba());
    expect(differingPixels(v.display.rgba, fb.rgba())).toBe(0);
  });
});
