import { describe, expect, it } from 'vitest';
import { Framebuffer } from '@xwc/rfb';
import { VirtualViewer } from '../src/console/recording/virtual-viewer.ts';

/** The recorder's viewer on a busy screen: how many bytes of updates a seek may have to replay. */

const WIDTH = 256;
const HEIGHT = 192;
const FRAMES = 12;

/** Redraws the whole screen in full colour (nothing compresses) FRAMES times; the updates the viewer hands on. */
async function record(keyframeBytes: number): Promise<{ bytes: number; keyframe: boolean }[]> {
  const framebuffer = new Framebuffer(WIDTH, HEIGHT);
  const updates: { bytes: number; keyframe: boolean }[] = [];
  const errors: string[] = [];
  const viewer = new VirtualViewer(framebuffer, 'busy', {
    frameMs: 1,
    keyframeMs: 3_600_000,
    keyframeBytes,
    onUpdate: (bytes, keyframe) => updates.push({ bytes: bytes.length, keyframe }),
    busy: () => false,
    onError: (reason) => errors.push(reason),
  });
  let seed = 0x2545f491;
  const noise = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed & 0xffffff;
  };
  try {
    for (let frame = 0; frame < FRAMES; frame++) {
      const before = updates.length;
      framebuffer.paint(0, 0, WIDTH, HEIGHT, noise);
      for (let wait = 0; wait < 400 && updates.length <= before; wait++) await new Promise((r) => setTimeout(r, 5));
      expect(updates.length, `an update for frame ${frame}`).toBeGreaterThan(before);
    }
  } finally {
    viewer.close();
  }
  expect(errors).toEqual([]);
  return updates;
}

describe('the recorder’s keyframes on a busy screen', () => {
  it('writes a keyframe once the updates since the last one reach the byte bound, however short the time', async () => {
    const bound = 200_000;
    const updates = await record(bound);
    const frame = updates[0]!.bytes;
    expect(frame).toBeGreaterThan(WIDTH * HEIGHT * 2);
    expect(updates[0]!.keyframe).toBe(true);
    // A seek from any keyframe replays less than the bound plus one update.
    let since = 0;
    for (const update of updates.slice(1)) {
      if (update.keyframe) since = 0;
      else since += update.bytes;
      expect(since).toBeLessThan(bound + frame);
    }
    expect(updates.filter((u) => u.keyframe).length).toBeGreaterThanOrEqual(3);
  });

  it('writes none past the first without the byte bound (the interval is an hour)', async () => {
    const updates = await record(Number.MAX_SAFE_INTEGER);
    expect(updates.filter((u) => u.keyframe).length).toBe(1);
  });
});
