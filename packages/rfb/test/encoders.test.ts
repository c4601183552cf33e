import { describe, expect, it } from 'vitest';
import { rawVariant, tightVariant } from '../src/encoders/variant.ts';
import { Framebuffer, type PixelFormat, type Rect } from '../src/index.ts';
import { updateHeader } from '../src/messages.ts';
import { duplexPair, random } from './harness.ts';
import { Display, FORMATS, NOVNC_FORMAT, TestViewer, differingPixels, quantize } from './novnc-viewer.ts';

/** Feeds encoded rectangles, as one FramebufferUpdate, to a viewer decoding with noVNC's decoders. */
async function decode(fb: Framebuffer, rects: Buffer[], format: PixelFormat = NOVNC_FORMAT): Promise<Display> {
  const [server, client] = duplexPair();
  const viewer = new TestViewer(client);
  viewer.format = format;
  viewer.display = new Display(fb.width, fb.height);
  server.write(Buffer.concat([updateHeader(rects.length), ...rects]));
  await viewer.readUpdate();
  server.destroy();
  return viewer.display;
}

/** The framebuffer's pixels inside `r` only (the rest zero, as a display that was sent only `r`). */
function only(fb: Framebuffer, rects: Rect[]): Uint8Array {
  const out = new Uint8Array(fb.width * fb.height * 4);
  const all = fb.rgba();
  for (const r of rects) {
    for (let y = r.y; y < r.y + r.h; y++) {
      const o = (y * fb.width + r.x) * 4;
      out.set(all.subarray(o, o + r.w * 4), o);
    }
  }
  return out;
}

/** Paints `r` with `colours` distinct colours in a pattern that also leaves runs, as text and icons do. */
function paintColours(fb: Framebuffer, r: Rect, colours: number, seed: number): void {
  const next = random(seed);
  const palette = Array.from({ length: colours }, (_, i) => (i * 0x9e3779) & 0xffffff);
  let i = 0;
  fb.paint(r.x, r.y, r.w, r.h, () => palette[i++ < colours ? i - 1 : next(colours)]!);
}

const TIGHT_CONTROL = { fill: 0x80, mono: 0x52, indexed: 0x64, full: 0x01 } as const;

describe('Tight, as noVNC decodes it', () => {
  const cases: [string, number, Rect, keyof typeof TIGHT_CONTROL][] = [
    ['one colour', 1, { x: 0, y: 0, w: 64, h: 64 }, 'fill'],
    ['two colours on rows of 13 pixels', 2, { x: 3, y: 5, w: 13, h: 40 }, 'mono'],
    ['two colours, under 12 bytes (sent uncompressed)', 2, { x: 7, y: 1, w: 9, h: 3 }, 'mono'],
    ['17 colours', 17, { x: 64, y: 0, w: 64, h: 64 }, 'indexed'],
    ['256 colours', 256, { x: 0, y: 64, w: 64, h: 64 }, 'indexed'],
    ['three colours in 3 pixels (uncompressed)', 3, { x: 1, y: 1, w: 3, h: 1 }, 'indexed'],
    ['257 colours', 257, { x: 64, y: 64, w: 64, h: 64 }, 'full'],
  ];

  it.each(cases)('%s: exact pixels, %s', async (_name, colours, r, kind) => {
    for (const level of [1, 6, 9]) {
      const fb = new Framebuffer(160, 140);
      const area = colours > 256 ? r.w * r.h : colours;
      paintColours(fb, r, Math.min(colours, area), 42 + level);
      const bytes = tightVariant(level).encode(fb, r);
      expect(bytes[12]).toBe(TIGHT_CONTROL[kind]);
      const shown = await decode(fb, [bytes]);
      expect(differingPixels(shown.rgba, only(fb, [r]))).toBe(0);
    }
  });

  it('full-colour noise is stored, not deflated (its zlib stream is no larger than the pixels), exact pixels', async () => {
    const fb = new Framebuffer(200, 140);
    const next = random(5);
    fb.paint(0, 0, 200, 140, () => next(0x1000000));
    // A tile's RGB is one stored block; 130×130 (50,700 bytes) checks the block lengths of a larger rectangle.
    for (const r of [
      { x: 3, y: 2, w: 64, h: 64 },
      { x: 0, y: 0, w: 130, h: 130 },
    ]) {
      const bytes = tightVariant(9).encode(fb, r);
      expect(bytes[12]).toBe(TIGHT_CONTROL.full);
      const data = r.w * r.h * 3;
      // The zlib stream: its header, one 5-byte head per stored block, the data, Adler-32.
      const z = 2 + 5 * Math.ceil(data / 0xffff) + data + 4;
      // Before it: the rectangle's header (12), the control byte and Tight's compact length (2 or 3 bytes).
      const at = 12 + 1 + (z < 0x4000 ? 2 : 3);
      expect(bytes.length).toBe(at + z);
      // Asked for level 9, the stream is stored all the same: its header says "fastest" (0x01), not level 9's 0xda.
      expect([bytes[at], bytes[at + 1]]).toEqual([0x78, 0x01]);
      const shown = await decode(fb, [bytes]);
      expect(differingPixels(shown.rgba, only(fb, [r]))).toBe(0);
    }
  });

  it('every rectangle stands alone: one decoder takes many in a row, of every kind, in any order', async () => {
    const fb = new Framebuffer(256, 256);
    const next = random(7);
    const rects: Rect[] = [];
    for (let ty = 0; ty < 256; ty += 64) {
      for (let tx = 0; tx < 256; tx += 64) {
        const r = { x: tx, y: ty, w: 64, h: 64 };
        paintColours(fb, r, [1, 2, 5, 200, 4096][next(5)]!, next(1000));
        rects.push(r);
      }
    }
    const shown = await decode(
      fb,
      rects.map((r) => tightVariant(6).encode(fb, r)),
    );
    expect(differingPixels(shown.rgba, fb.rgba())).toBe(0);
  });
});

describe('Raw', () => {
  it("is noVNC's format byte for byte (decoded by noVNC's Raw decoder)", async () => {
    const fb = new Framebuffer(70, 70);
    paintColours(fb, fb.bounds, 4900, 3);
    const shown = await decode(fb, [rawVariant(NOVNC_FORMAT).encode(fb, { x: 0, y: 0, w: 64, h: 64 })]);
    expect(differingPixels(shown.rgba, only(fb, [{ x: 0, y: 0, w: 64, h: 64 }]))).toBe(0);
  });

  it.each<[string, PixelFormat]>([
    ['32bpp big-endian', FORMATS.bigEndian888],
    ['16bpp RGB565', FORMATS.rgb565],
    ['8bpp BGR233', FORMATS.bgr233],
  ])('converts to %s', async (_name, f) => {
    const fb = new Framebuffer(64, 64);
    paintColours(fb, fb.bounds, 4096, 5);
    const shown = await decode(fb, [rawVariant(f).encode(fb, fb.bounds)], f);
    expect(differingPixels(shown.rgba, quantize(fb.rgba(), f))).toBe(0);
  });
});
