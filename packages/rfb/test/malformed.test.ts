import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePixelFormat, Framebuffer, MAX_CUT_TEXT, type PixelFormat } from '../src/index.ts';
import { serve, until } from './harness.ts';
import { NOVNC_FORMAT, differingPixels } from './novnc-viewer.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const u32 = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const pixelFormat = (f: PixelFormat) => [0, 0, 0, 0, ...encodePixelFormat(f)];

describe('a viewer that breaks the protocol', () => {
  it.each<[string, number[], RegExp]>([
    ['an unknown message type', [7, 0, 0, 0], /^unknown client message type 7$/],
    [
      'a ClientCutText of 2^31 bytes or more',
      [6, 0, 0, 0, ...u32(0x80000000)],
      /extended clipboard was not negotiated/,
    ],
    [
      'a ClientCutText over the cap (header only: nothing is waited for)',
      [6, 0, 0, 0, ...u32(MAX_CUT_TEXT + 1)],
      /^clipboard text of 1048577 bytes is over the limit of 1048576$/,
    ],
    ['a SetEncodings claiming 65,535 entries (header only)', [2, 0, 0xff, 0xff], /^SetEncodings lists 65535 encodings/],
    ['a colour-map pixel format', pixelFormat({ ...NOVNC_FORMAT, trueColour: false }), /colour-map/],
    [
      'a pixel format whose channels overlap',
      pixelFormat({ ...NOVNC_FORMAT, redShift: 0, greenShift: 0, blueShift: 0 }),
      /^colour channels overlap or are not runs of bits$/,
    ],
    [
      'a pixel format whose channel max is not a run of bits',
      pixelFormat({ ...NOVNC_FORMAT, redMax: 200 }),
      /^colour channels overlap or are not runs of bits$/,
    ],
  ])('%s ends that session alone, and the host hears why', async (_what, bytes, reason) => {
    const fb = new Framebuffer(64, 64);
    const s = await serve(fb);
    cleanups.push(s.stop);
    const victim = await s.viewer();
    const bystander = await s.viewer();
    victim.send(bytes);
    await until(() => s.served[0]!.closed, 'the session to end');
    expect(s.served[0]!.errors).toHaveLength(1);
    expect(s.served[0]!.errors[0]).toMatch(reason);
    await bystander.update(false);
    expect(differingPixels(bystander.display.rgba, fb.rgba())).toBe(0);
    expect(s.served[1]!.errors).toEqual([]);
  });

  it('a client that is not speaking RFB is refused in the handshake with a reason', async () => {
    const s = await serve(new Framebuffer(8, 8));
    cleanups.push(s.stop);
    const raw = connect({ host: '127.0.0.1', port: s.port });
    cleanups.push(() => void raw.destroy());
    raw.on('error', () => undefined);
    raw.write('GET / HTTP/1.1\r\n\r\n');
    await until(() => s.served.some((x) => x.closed), 'the refusal');
    expect(s.served.find((x) => x.closed)!.errors).toEqual(['not an RFB client']);
  });
});
