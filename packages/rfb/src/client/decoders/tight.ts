import type { DecodeTarget } from '../../framebuffer.ts';
import type { Rect } from '../../rect.ts';
import type { ByteQueue } from '../byte-queue.ts';
import { RfbProtocolError } from '../protocol-error.ts';
import { BandBuffer, Palette, RGB_BYTES, rgbColour, rgbToRgba } from './pixels.ts';
import type { RectDecoder } from './rect-decoder.ts';
import { maxDeflated, ZlibStream } from './zlib-stream.ts';

/** Compression types in the high nibble of the control byte; 0–7 are basic compression. */
const FILL = 0x8;
const JPEG = 0x9;
const EXPLICIT_FILTER = 0x4;
const FILTERS = ['copy', 'palette', 'gradient'] as const;
type Filter = (typeof FILTERS)[number];
/** Below this many bytes Tight data is sent as it is, without a length or zlib. */
const MIN_TO_COMPRESS = 12;

/** Where the decoder is inside one rectangle. */
type Step =
  | { at: 'control' }
  | { at: 'fill' }
  | { at: 'filter'; stream: number }
  | { at: 'palette'; stream: number }
  | { at: 'data'; stream: number; filter: Filter; colours: number };

/**
 * Tight (TightVNC's spec, as in noVNC and TigerVNC), lossless forms only: fill, and basic compression with the copy,
 * palette and gradient filters over four zlib streams the control byte can reset. TPIXELs are R, G, B. JPEG is never
 * asked for (no quality level is listed), so a JPEG rectangle is a protocol error; so is TightPNG's form.
 */
export class TightDecoder implements RectDecoder {
  private readonly streams = [0, 1, 2, 3].map((i) => new ZlibStream(`Tight stream ${i}`));
  private readonly palette = new Palette(256);
  private readonly band = new BandBuffer();
  private step: Step = { at: 'control' };

  decode(input: ByteQueue, rect: Rect, target: DecodeTarget): boolean {
    // Each pass consumes bytes or returns, so this ends within one rectangle's five steps.
    for (;;) {
      const step = this.step;
      switch (step.at) {
        case 'control':
          if (input.length < 1) return false;
          this.step = this.control(input.take(1)[0]!);
          break;
        case 'fill':
          if (input.length < RGB_BYTES) return false;
          target.fillRect(rect.x, rect.y, rect.w, rect.h, rgbColour(input.take(RGB_BYTES), 0));
          return this.done();
        case 'filter': {
          if (input.length < 1) return false;
          const id = input.take(1)[0]!;
          const filter = FILTERS[id];
          if (!filter) throw new RfbProtocolError(`Tight filter ${id} does not exist`);
          this.step =
            filter === 'palette'
              ? { at: 'palette', stream: step.stream }
              : { at: 'data', stream: step.stream, filter, colours: 0 };
          break;
        }
        case 'palette': {
          if (input.length < 1) return false;
          const colours = input.peek(1)[0]! + 1;
          if (input.length < 1 + colours * RGB_BYTES) return false;
          this.palette.load(input.take(1 + colours * RGB_BYTES), 1, colours);
          this.step = { at: 'data', stream: step.stream, filter: 'palette', colours };
          break;
        }
        case 'data': {
          const data = this.data(input, rect, step);
          if (!data) return false;
          this.draw(data, rect, step, target);
          return this.done();
        }
      }
    }
  }

  private control(ctl: number): Step {
    for (let i = 0; i < 4; i++) if (ctl & (1 << i)) this.streams[i]!.reset();
    const type = ctl >> 4;
    if (type === FILL) return { at: 'fill' };
    if (type === JPEG)
      throw new RfbProtocolError('server sent a Tight JPEG rectangle, which the client did not ask for');
    if (type > JPEG) throw new RfbProtocolError(`Tight compression type ${type} does not exist in Tight`);
    const stream = type & 3;
    return type & EXPLICIT_FILTER ? { at: 'filter', stream } : { at: 'data', stream, filter: 'copy', colours: 0 };
  }

  /** The rectangle's filtered bytes once they have all arrived (inflated when they were compressed), else null. */
  private data(input: ByteQueue, rect: Rect, step: Extract<Step, { at: 'data' }>): Buffer | null {
    const size = filteredSize(rect, step.filter, step.colours);
    if (size < MIN_TO_COMPRESS) return input.length < size ? null : Buffer.from(input.take(size));
    const head = compactLength(input);
    if (!head) return null;
    const limit = maxDeflated(size);
    if (head.length > limit) {
      throw new RfbProtocolError(`Tight rectangle ${rect.w}×${rect.h} claims ${head.length} bytes (at most ${limit})`);
    }
    if (input.length < head.bytes + head.length) return null;
    const out = this.streams[step.stream]!.inflate(input.take(head.bytes + head.length).subarray(head.bytes), size);
    if (out.length !== size) throw new RfbProtocolError('Tight data ends before its rectangle does');
    return out;
  }

  private draw(data: Buffer, rect: Rect, step: Extract<Step, { at: 'data' }>, target: DecodeTarget): void {
    if (step.filter === 'gradient') ungradient(data, rect.w, rect.h);
    const rows = BandBuffer.rows(rect.w);
    const rowBytes = step.filter !== 'palette' ? rect.w * RGB_BYTES : step.colours <= 2 ? (rect.w + 7) >> 3 : rect.w;
    for (let y = 0; y < rect.h; y += rows) {
      const h = Math.min(rows, rect.h - y);
      const band = this.band.get(rect.w * h);
      const from = y * rowBytes;
      if (step.filter !== 'palette') rgbToRgba(data, from, band.bytes, 0, rect.w * h);
      else if (step.colours <= 2) this.mono(data, from, rowBytes, rect.w, h, step.colours, band.words);
      else this.indexed(data, from, rect.w * h, step.colours, band.words);
      target.putRgba(rect.x, rect.y + y, rect.w, h, band.bytes, rect.w * 4);
    }
  }

  private mono(d: Buffer, from: number, rowBytes: number, w: number, h: number, colours: number, out: Uint32Array) {
    const words = this.palette.words;
    for (let y = 0; y < h; y++) {
      const row = from + y * rowBytes;
      for (let x = 0; x < w; x++) {
        const index = (d[row + (x >> 3)]! >> (7 - (x & 7))) & 1;
        if (index >= colours) throw new RfbProtocolError(`Tight palette index ${index} of ${colours} colours`);
        out[y * w + x] = words[index]!;
      }
    }
  }

  private indexed(d: Buffer, from: number, count: number, colours: number, out: Uint32Array) {
    const words = this.palette.words;
    for (let i = 0; i < count; i++) {
      const index = d[from + i]!;
      if (index >= colours) throw new RfbProtocolError(`Tight palette index ${index} of ${colours} colours`);
      out[i] = words[index]!;
    }
  }

  private done(): true {
    this.step = { at: 'control' };
    return true;
  }
}

/** Bytes of filtered data for a rectangle: 3 a pixel, or palette indices (1 bit a pixel, rows padded, for 2 colours). */
function filteredSize(rect: Rect, filter: Filter, colours: number): number {
  if (filter !== 'palette') return rect.w * rect.h * RGB_BYTES;
  return colours <= 2 ? ((rect.w + 7) >> 3) * rect.h : rect.w * rect.h;
}

/** Tight's compact length: 1–3 bytes, 7 bits each, low bits first. Null until all its bytes have arrived. */
function compactLength(input: ByteQueue): { length: number; bytes: number } | null {
  let length = 0;
  for (let i = 0; i < 3; i++) {
    if (input.length < i + 1) return null;
    const b = input.peek(i + 1)[i]!;
    length |= (i < 2 ? b & 0x7f : b) << (7 * i);
    if (i === 2 || !(b & 0x80)) return { length, bytes: i + 1 };
  }
  return null;
}

/** Undoes the gradient filter in place: each byte was sent as its difference from left + above − above-left, clamped. */
function ungradient(d: Buffer, w: number, h: number): void {
  const row = w * RGB_BYTES;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = y * row + x * RGB_BYTES;
      for (let c = 0; c < RGB_BYTES; c++) {
        const left = x > 0 ? d[at - RGB_BYTES + c]! : 0;
        const above = y > 0 ? d[at - row + c]! : 0;
        const aboveLeft = x > 0 && y > 0 ? d[at - row - RGB_BYTES + c]! : 0;
        const predicted = Math.min(255, Math.max(0, left + above - aboveLeft));
        d[at + c] = (d[at + c]! + predicted) & 0xff;
      }
    }
  }
}
