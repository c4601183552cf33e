import { CopyLog } from './copy-log.ts';
import { EncodedCache } from './encoded-cache.ts';
import type { PixelSource } from './encoders/pixel-source.ts';
import { writeRawPixels } from './encoders/raw.ts';
import { bytesPerPixel, type PixelFormat } from './pixel-format.ts';
import { area, contains, intersect, union, subtract, type Rect } from './rect.ts';
import { TileGrid } from './tile-grid.ts';

/** 0xRRGGBB */
export type Colour = number;

/** One pixel as bytes and as a word, to turn a colour into the word of the platform's byte order. */
const scratchBytes = new Uint8Array(4);
const scratchWord = new Uint32Array(scratchBytes.buffer);

/** Keeps a damage list short: past this many rectangles everything collapses into one bounding box. */
const MAX_DAMAGE_RECTS = 32;

/**
 * One consumer's view of what changed since it last looked (each RFB connection has its own).
 * `onDamage` is called on every change so the consumer can schedule work; `take` hands over the dirty parts of an area.
 */
export class DamageTracker {
  private rects: Rect[] = [];
  /** Set when the framebuffer changed size since the consumer last looked. */
  resized = false;

  constructor(
    private readonly fb: Framebuffer,
    private readonly onDamage: () => void,
  ) {}

  add(r: Rect): void {
    let next = r;
    // Absorb existing rectangles that are inside `next` or cheap to merge with it.
    for (let i = 0; i < this.rects.length;) {
      const cur = this.rects[i]!;
      if (contains(cur, next)) return this.onDamage();
      const merged = union(cur, next);
      if (contains(next, cur) || area(merged) <= area(cur) + area(next)) {
        next = merged;
        this.rects.splice(i, 1);
        i = 0;
      } else {
        i++;
      }
    }
    this.rects.push(next);
    if (this.rects.length > MAX_DAMAGE_RECTS) this.rects = [this.rects.reduce(union)];
    this.onDamage();
  }

  markAll(): void {
    this.rects = [];
    this.add({ x: 0, y: 0, w: this.fb.width, h: this.fb.height });
  }

  hasDamage(within: Rect): boolean {
    return this.rects.some((r) => intersect(r, within) !== null);
  }

  /** Returns the dirty parts of `within` and forgets them; damage outside `within` stays. */
  take(within: Rect): Rect[] {
    const out: Rect[] = [];
    const keep: Rect[] = [];
    for (const r of this.rects) {
      const i = intersect(r, within);
      if (!i) {
        keep.push(r);
        continue;
      }
      out.push(i);
      keep.push(...subtract(r, within));
    }
    this.rects = keep;
    return out;
  }

  dispose(): void {
    this.fb.untrack(this);
  }
}

/**
 * Where decoded screen updates land: what an RFB client writes into. The framebuffer implements it; decoders
 * know nothing else of it.
 */
export interface DecodeTarget {
  readonly width: number;
  readonly height: number;
  resize(w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number, colour: Colour): void;
  /** Copies `w`×`h` RGBA pixels (alpha ignored), row-major with `stride` bytes per row, to (x, y). */
  putRgba(x: number, y: number, w: number, h: number, data: Uint8Array, stride?: number): void;
  /** The screen-to-screen copy of RFB's CopyRect: `dst` takes what was at (`srcX`, `srcY`). */
  copyRect(srcX: number, srcY: number, dst: Rect): void;
  /** A FramebufferUpdate begins (its rectangles follow). */
  beginUpdate?(): void;
}

/**
 * An RGB framebuffer (stored as RGBA, alpha always 255). Every change is recorded on its tile grid (what viewers'
 * sessions compare against), reported to its rect-list trackers, and announced to its watchers; CopyRects are kept in
 * a short log so viewers can be sent them instead of pixels.
 */
export class Framebuffer implements DecodeTarget, PixelSource {
  private pixels: Uint8Array;
  private pixelWords: Uint32Array;
  private grid: TileGrid;
  private sizeGeneration = 0;
  private readonly trackers = new Set<DamageTracker>();
  private readonly watchers = new Set<() => void>();
  readonly copies = new CopyLog();
  readonly encoded = new EncodedCache();

  constructor(
    private w: number,
    private h: number,
    background: Colour = 0,
  ) {
    this.pixels = new Uint8Array(w * h * 4);
    this.pixelWords = new Uint32Array(this.pixels.buffer);
    this.grid = this.newGrid();
    this.fillRect(0, 0, w, h, background);
  }

  get width(): number {
    return this.w;
  }

  get height(): number {
    return this.h;
  }

  get bounds(): Rect {
    return { x: 0, y: 0, w: this.w, h: this.h };
  }

  /** The pixels themselves, for encoders: read only. */
  get bytes(): Uint8Array {
    return this.pixels;
  }

  get words(): Uint32Array {
    return this.pixelWords;
  }

  get tiles(): TileGrid {
    return this.grid;
  }

  /** Changes on every resize: tile numbers and versions of another generation mean nothing. */
  get generation(): number {
    return this.sizeGeneration;
  }

  track(onDamage: () => void): DamageTracker {
    const t = new DamageTracker(this, onDamage);
    this.trackers.add(t);
    return t;
  }

  untrack(t: DamageTracker): void {
    this.trackers.delete(t);
  }

  /** Calls `listener` after every change (sessions look at the tile grid when they next send); returns the unsubscribe. */
  watch(listener: () => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  /** Replaces the contents with `background` at a new size. */
  resize(w: number, h: number, background: Colour = 0): void {
    this.w = w;
    this.h = h;
    this.pixels = new Uint8Array(w * h * 4);
    this.pixelWords = new Uint32Array(this.pixels.buffer);
    this.sizeGeneration++;
    this.grid = this.newGrid();
    this.encoded.clear();
    this.copies.clear();
    this.fillRect(0, 0, w, h, background);
    for (const t of this.trackers) {
      t.resized = true;
      t.markAll();
    }
  }

  /** Input went to the screen's server: what its next update changes is sent to viewers first (TileGrid). */
  inputSent(): void {
    this.grid.inputSent();
  }

  beginUpdate(): void {
    this.grid.updateBegins();
  }

  getPixel(x: number, y: number): Colour {
    const o = (y * this.w + x) * 4;
    const p = this.pixels;
    return (p[o]! << 16) | (p[o + 1]! << 8) | p[o + 2]!;
  }

  fillRect(x: number, y: number, w: number, h: number, colour: Colour): void {
    const r = intersect({ x, y, w, h }, this.bounds);
    if (!r) return;
    scratchBytes.set([(colour >>> 16) & 0xff, (colour >>> 8) & 0xff, colour & 0xff, 0xff]);
    const word = scratchWord[0]!;
    for (let row = r.y; row < r.y + r.h; row++) {
      const start = row * this.w + r.x;
      this.pixelWords.fill(word, start, start + r.w);
    }
    this.damage(r);
  }

  /** Sets every pixel of a rectangle from `colourAt(x, y)`; one damage report for the whole rectangle. */
  paint(x: number, y: number, w: number, h: number, colourAt: (x: number, y: number) => Colour): void {
    const r = intersect({ x, y, w, h }, this.bounds);
    if (!r) return;
    const p = this.pixels;
    for (let py = r.y; py < r.y + r.h; py++) {
      let o = (py * this.w + r.x) * 4;
      for (let px = r.x; px < r.x + r.w; px++, o += 4) {
        const c = colourAt(px, py);
        p[o] = (c >>> 16) & 0xff;
        p[o + 1] = (c >>> 8) & 0xff;
        p[o + 2] = c & 0xff;
        p[o + 3] = 0xff;
      }
    }
    this.damage(r);
  }

  putRgba(x: number, y: number, w: number, h: number, data: Uint8Array, stride = w * 4): void {
    const r = intersect({ x, y, w, h }, this.bounds);
    if (!r) return;
    const p = this.pixels;
    for (let row = 0; row < r.h; row++) {
      const from = (r.y - y + row) * stride + (r.x - x) * 4;
      const to = ((r.y + row) * this.w + r.x) * 4;
      p.set(data.subarray(from, from + r.w * 4), to);
      for (let a = to + 3; a < to + r.w * 4; a += 4) p[a] = 0xff;
    }
    this.damage(r);
  }

  copyRect(srcX: number, srcY: number, dst: Rect): void {
    const src = { x: srcX, y: srcY, w: dst.w, h: dst.h };
    if (dst.w <= 0 || dst.h <= 0 || !contains(this.bounds, src) || !contains(this.bounds, dst)) return;
    const p = this.pixels;
    const rowBytes = dst.w * 4;
    // Rows are copied in the order that never reads a row already overwritten (source and destination may overlap).
    const down = dst.y > srcY;
    for (let i = 0; i < dst.h; i++) {
      const row = down ? dst.h - 1 - i : i;
      const from = ((srcY + row) * this.w + srcX) * 4;
      p.copyWithin(((dst.y + row) * this.w + dst.x) * 4, from, from + rowBytes);
    }
    const sourceTiles: number[] = [];
    this.grid.forEachTile(src, (t) => sourceTiles.push(t, this.grid.versions[t]!));
    this.copies.add(src, { ...dst }, Float64Array.from(sourceTiles), this.grid.copied(dst));
    this.notify(dst);
  }

  /** Copies a rectangle from another framebuffer of the same size (used to composite overlays). */
  copyFrom(src: Framebuffer, rect: Rect): void {
    this.paint(rect.x, rect.y, rect.w, rect.h, (x, y) => src.getPixel(x, y));
  }

  /** Records that the pixels of `r` changed (callers that wrote them some other way). */
  damage(r: Rect): void {
    const onScreen = intersect(r, this.bounds);
    if (!onScreen) return;
    this.grid.changed(onScreen);
    this.notify(onScreen);
  }

  /** A copy of the whole screen as RGBA bytes, row-major. */
  rgba(): Uint8Array {
    return this.pixels.slice();
  }

  /** Converts a rectangle to the client's pixel format (Raw encoding payload). */
  encode(rect: Rect, pf: PixelFormat): Buffer {
    const out = Buffer.allocUnsafe(rect.w * rect.h * bytesPerPixel(pf));
    writeRawPixels(this, rect, pf, out, 0);
    return out;
  }

  private notify(r: Rect): void {
    for (const t of this.trackers) t.add(r);
    for (const listener of this.watchers) listener();
  }

  private newGrid(): TileGrid {
    return new TileGrid(this.w, this.h, (t) => this.encoded.drop(t));
  }
}
