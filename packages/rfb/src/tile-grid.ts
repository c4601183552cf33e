import type { Rect } from './rect.ts';

/** Side of the square tiles changes are tracked on; a tile's Raw payload (64×64×4 = 16 KiB) stays one small write. */
export const TILE_SIZE = 64;

/** Updates the server begins after input whose changes count as its echo (see `updateBegins`). */
const ECHO_WINDOW_UPDATES = 2;

/**
 * Which parts of a screen changed, as one version number per tile: what every viewer of the screen compares its own
 * copy against. A version is "open" until someone is sent it; changes to an open version join it (one version per
 * batch of changes between two looks), changes to a sent one start the next version. So a viewer holding version v
 * of a tile has exactly the tile's pixels of that version, and one version behind it lacks only `delta` of the
 * current version.
 */
export class TileGrid {
  readonly columns: number;
  readonly rows: number;
  /** Per tile: its version; 1 for the screen as created (0 means "nothing" in a viewer's copy). */
  readonly versions: Float64Array;
  /** Per tile: 1 while its current version has not been sent to anyone. */
  private readonly open: Uint8Array;
  /** Per tile: the bounding box (x0, y0, x1, y1, ends exclusive) of what the current version changed. */
  private readonly delta: Uint16Array;
  /** Per tile: the change (a count over the grid's life) that last touched it: which parts are newest. */
  readonly changedAt: Float64Array;
  /** Per tile: its first and its last change in the latest echo window (see `updateBegins`). */
  private readonly echoAt: Float64Array;
  private readonly echoLastAt: Float64Array;
  private readonly echoWindowOf: Uint32Array;
  private changes = 0;
  /** Echo windows opened so far; the latest is `windows`, open while `inWindow`. */
  private windows = 0;
  private inWindow = false;
  /** Updates the server still begins inside the latest echo window. */
  private windowUpdatesLeft = 0;
  private inputSince = false;

  constructor(
    readonly width: number,
    readonly height: number,
    /** Called when a tile's version moves on, so whatever was derived from the old one can be dropped. */
    private readonly onNewVersion: (tile: number) => void,
  ) {
    this.columns = Math.ceil(width / TILE_SIZE);
    this.rows = Math.ceil(height / TILE_SIZE);
    const count = this.columns * this.rows;
    this.versions = new Float64Array(count).fill(1);
    this.open = new Uint8Array(count).fill(1);
    this.delta = new Uint16Array(count * 4);
    this.changedAt = new Float64Array(count);
    this.echoAt = new Float64Array(count);
    this.echoLastAt = new Float64Array(count);
    this.echoWindowOf = new Uint32Array(count);
    // Version 1 differs from "nothing" everywhere.
    for (let t = 0; t < count; t++) this.setDelta(t, this.tileRect(t));
  }

  get count(): number {
    return this.versions.length;
  }

  tileRect(t: number): Rect {
    const x = (t % this.columns) * TILE_SIZE;
    const y = Math.floor(t / this.columns) * TILE_SIZE;
    return { x, y, w: Math.min(TILE_SIZE, this.width - x), h: Math.min(TILE_SIZE, this.height - y) };
  }

  /** Calls `fn` with each tile `r` touches and the part of `r` inside it; `r` must lie within the grid. */
  forEachTile(r: Rect, fn: (tile: number, part: Rect) => void): void {
    if (r.w <= 0 || r.h <= 0) return;
    const c0 = Math.floor(r.x / TILE_SIZE);
    const c1 = Math.floor((r.x + r.w - 1) / TILE_SIZE);
    const r0 = Math.floor(r.y / TILE_SIZE);
    const r1 = Math.floor((r.y + r.h - 1) / TILE_SIZE);
    for (let row = r0; row <= r1; row++) {
      const y = Math.max(r.y, row * TILE_SIZE);
      const h = Math.min(r.y + r.h, (row + 1) * TILE_SIZE) - y;
      for (let col = c0; col <= c1; col++) {
        const x = Math.max(r.x, col * TILE_SIZE);
        const w = Math.min(r.x + r.w, (col + 1) * TILE_SIZE) - x;
        fn(row * this.columns + col, { x, y, w, h });
      }
    }
  }

  /** Input was sent to the screen's server: the next update it begins may carry its echo. */
  inputSent(): void {
    this.inputSince = true;
  }

  /**
   * The screen's server began an update. The first ECHO_WINDOW_UPDATES after input make an echo window: the changes
   * in them are what the typist waits to see, so viewers are sent them first. A server draws an echo in its next
   * answer, which is the second update when an answer was already on its way as the input left.
   */
  updateBegins(): void {
    if (this.inputSince) {
      this.inputSince = false;
      this.windows++;
      this.windowUpdatesLeft = ECHO_WINDOW_UPDATES;
    }
    this.inWindow = this.windowUpdatesLeft > 0;
    if (this.inWindow) this.windowUpdatesLeft--;
  }

  /**
   * When tile `t` first changed in the latest echo window (earlier is more urgent); 0 if it did not, or if a viewer
   * that has seen the grid up to change `seenUpTo` of it has the tile's last change in the window.
   */
  echoRank(t: number, seenUpTo = 0): number {
    const inLatest = this.windows > 0 && this.echoWindowOf[t] === this.windows;
    return inLatest && this.echoLastAt[t]! > seenUpTo ? this.echoAt[t]! : 0;
  }

  /** The latest change's number: what a viewer sent a tile now has seen of it. */
  get lastChange(): number {
    return this.changes;
  }

  /** Records that the pixels of `r` (within the grid) changed. */
  changed(r: Rect): void {
    const at = this.touch();
    this.forEachTile(r, (t, part) => {
      this.noteChange(t, at);
      if (this.open[t]) {
        this.extendDelta(t, part);
      } else {
        this.newVersion(t, part);
        this.open[t] = 1;
      }
    });
  }

  /**
   * Records a screen-to-screen copy into `dst`: each tile it touches gets a new version whose change is exactly its
   * part of `dst`, already closed so a viewer can be moved to it by a CopyRect. Returns (tile, before, after) triples.
   */
  copied(dst: Rect): Float64Array {
    const moves: number[] = [];
    const at = this.touch();
    this.forEachTile(dst, (t, part) => {
      this.noteChange(t, at);
      const before = this.versions[t]!;
      this.newVersion(t, part);
      this.open[t] = 0;
      moves.push(t, before, before + 1);
    });
    return Float64Array.from(moves);
  }

  /** The tile's current version is being sent: later changes make a new one. */
  observe(t: number): void {
    this.open[t] = 0;
  }

  /** What a viewer holding version `v` of tile `t` lacks: nothing, the last change, or (further behind) the tile. */
  stale(t: number, v: number): Rect | null {
    const current = this.versions[t]!;
    if (v === current) return null;
    if (v !== current - 1) return this.tileRect(t);
    const d = this.delta;
    const o = t * 4;
    return { x: d[o]!, y: d[o + 1]!, w: d[o + 2]! - d[o]!, h: d[o + 3]! - d[o + 1]! };
  }

  private touch(): number {
    return ++this.changes;
  }

  private noteChange(t: number, at: number): void {
    this.changedAt[t] = at;
    if (!this.inWindow) return;
    if (this.echoWindowOf[t] !== this.windows) {
      this.echoWindowOf[t] = this.windows;
      this.echoAt[t] = at;
    }
    this.echoLastAt[t] = at;
  }

  private newVersion(t: number, part: Rect): void {
    this.versions[t]!++;
    this.setDelta(t, part);
    this.onNewVersion(t);
  }

  private setDelta(t: number, r: Rect): void {
    this.delta.set([r.x, r.y, r.x + r.w, r.y + r.h], t * 4);
  }

  private extendDelta(t: number, r: Rect): void {
    const d = this.delta;
    const o = t * 4;
    d[o] = Math.min(d[o]!, r.x);
    d[o + 1] = Math.min(d[o + 1]!, r.y);
    d[o + 2] = Math.max(d[o + 2]!, r.x + r.w);
    d[o + 3] = Math.max(d[o + 3]!, r.y + r.h);
  }
}
