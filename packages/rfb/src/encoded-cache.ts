import type { Rect } from './rect.ts';

interface Entry {
  readonly version: number;
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly variant: string;
  readonly bytes: Buffer;
}

/** Different rectangles or variants of one tile version kept at once (viewers one version behind or further, formats). */
const ENTRIES_PER_TILE = 8;
/** Past this many cached bytes the cache starts over; a 1024×768 screen in Raw 32bpp is 3 MiB. */
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * Encoded rectangles (header and payload) of one screen, keyed by tile, tile version, rectangle and encoding variant,
 * so viewers that need the same pixels in the same form share one encoding. A tile's entries go when it changes.
 * The buffers are shared between viewers' streams and must never be modified.
 */
export class EncodedCache {
  private readonly tiles = new Map<number, Entry[]>();
  /** Per tile, the size of its latest encoding (kept across versions): what its next one will likely weigh. */
  private readonly sizes = new Map<number, number>();
  private bytes = 0;

  /** The size of tile `tile`'s latest encoding, whatever its version or variant; undefined before the first. */
  sizeHint(tile: number): number | undefined {
    return this.sizes.get(tile);
  }

  get(tile: number, version: number, r: Rect, variant: string): Buffer | undefined {
    const entries = this.tiles.get(tile);
    if (!entries) return undefined;
    for (const e of entries) {
      if (e.version === version && e.x === r.x && e.y === r.y && e.w === r.w && e.h === r.h && e.variant === variant) {
        return e.bytes;
      }
    }
    return undefined;
  }

  put(tile: number, version: number, r: Rect, variant: string, bytes: Buffer): void {
    if (this.bytes + bytes.length > MAX_BYTES) this.clear();
    let entries = this.tiles.get(tile);
    if (!entries) this.tiles.set(tile, (entries = []));
    if (entries.length >= ENTRIES_PER_TILE) this.bytes -= entries.shift()!.bytes.length;
    entries.push({ version, x: r.x, y: r.y, w: r.w, h: r.h, variant, bytes });
    this.sizes.set(tile, bytes.length);
    this.bytes += bytes.length;
  }

  drop(tile: number): void {
    const entries = this.tiles.get(tile);
    if (!entries) return;
    for (const e of entries) this.bytes -= e.bytes.length;
    this.tiles.delete(tile);
  }

  clear(): void {
    this.tiles.clear();
    this.bytes = 0;
  }

  /** Bytes held, for benchmarks and tests of the bound. */
  get size(): number {
    return this.bytes;
  }
}
