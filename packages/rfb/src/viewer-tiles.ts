import type { CopyOp } from './copy-log.ts';
import type { Variant } from './encoders/variant.ts';
import type { Framebuffer } from './framebuffer.ts';
import { contains, intersect, type Rect } from './rect.ts';

/** A tile left out of this many updates in a row goes before newer changes, so churn elsewhere cannot starve it. */
const STARVED_AFTER = 4;

/**
 * One viewer's copy of a screen, known as the version it holds of each tile (0: nothing), and what brings it up to
 * date: CopyRects where its copy of the source is current, then the tiles whose version it lacks. Memory is one
 * number per tile, whatever the screen's size or the viewer's speed.
 */
export class ViewerTiles {
  private versions: Float64Array;
  /** Per tile: updates in a row it was stale in and left out of. */
  private skipped: Uint16Array;
  /** Per tile: the grid's latest change when the tile was last picked for this viewer (what it has seen of it). */
  private pickedAt: Float64Array;
  private generation: number;
  private copySeq: number;

  constructor(private readonly fb: Framebuffer) {
    this.versions = new Float64Array(fb.tiles.count);
    this.skipped = new Uint16Array(fb.tiles.count);
    this.pickedAt = new Float64Array(fb.tiles.count);
    this.generation = fb.generation;
    this.copySeq = fb.copies.lastSeq;
  }

  /** Starts over with nothing if the screen was resized since the last look; true then. */
  catchUp(): boolean {
    if (this.generation === this.fb.generation) return false;
    this.versions = new Float64Array(this.fb.tiles.count);
    this.skipped = new Uint16Array(this.fb.tiles.count);
    this.pickedAt = new Float64Array(this.fb.tiles.count);
    this.generation = this.fb.generation;
    this.copySeq = this.fb.copies.lastSeq;
    return true;
  }

  /** The viewer asked for `r` in full: its tiles are sent again whatever it holds. */
  forget(r: Rect): void {
    const onScreen = intersect(r, this.fb.bounds);
    if (onScreen) this.fb.tiles.forEachTile(onScreen, (t) => (this.versions[t] = 0));
  }

  /**
   * The copies since the last call that this viewer can be sent as CopyRects, in order, its copy advanced as if they
   * were applied. A copy qualifies when its destination lies in `area` (what was requested, on the viewer's screen),
   * its source on the viewer's screen holds the source tiles' versions from the moment of the copy, and no
   * destination tile is newer there than before the copy. Others are left to the tile versions (sent as pixels).
   */
  copies(area: Rect | null, visible: Rect | null, wanted: boolean): CopyOp[] {
    const ops = this.fb.copies.since(this.copySeq);
    this.copySeq = this.fb.copies.lastSeq;
    if (!wanted || !area || !visible) return [];
    const v = this.versions;
    const out: CopyOp[] = [];
    for (const op of ops) {
      if (!contains(area, op.dst) || !contains(visible, op.src)) continue;
      const src = op.sourceTiles;
      const dst = op.destinationTiles;
      let ok = true;
      for (let i = 0; ok && i < src.length; i += 2) ok = v[src[i]!] === src[i + 1];
      for (let i = 0; ok && i < dst.length; i += 3) ok = v[dst[i]!]! <= dst[i + 1]!;
      if (!ok) continue;
      // Where the viewer held the tile as it was before the copy, the copy brings it to the version after.
      for (let i = 0; i < dst.length; i += 3) if (v[dst[i]!] === dst[i + 1]) v[dst[i]!] = dst[i + 2]!;
      out.push(op);
    }
    return out;
  }

  /** Tiles with something this viewer lacks inside `area`. */
  staleTiles(area: Rect): number[] {
    const grid = this.fb.tiles;
    const out: number[] = [];
    grid.forEachTile(area, (t) => {
      const stale = grid.stale(t, this.versions[t]!);
      if (stale && intersect(stale, area)) out.push(t);
    });
    return out;
  }

  /**
   * The stale tiles of `area` that fit in `budget` bytes (at least one), most urgent first: the changes of the
   * latest echo window this viewer has not been sent (what followed input, in the order they came: the typist's
   * echo; once only, so a screen changing everywhere cannot keep its later tiles behind), then tiles left out of
   * several updates, then the newest changes. Sizes are estimated from each tile's latest encoding (the Raw size
   * before the first). The rest stay stale for the next update.
   */
  pick(area: Rect, budget: number): number[] {
    const grid = this.fb.tiles;
    const stale = this.staleTiles(area);
    const rank = (t: number): number => {
      const echo = grid.echoRank(t, this.pickedAt[t]);
      if (echo > 0) return -Number.MAX_SAFE_INTEGER + echo;
      if (this.skipped[t]! >= STARVED_AFTER) return -Number.MAX_SAFE_INTEGER / 2 - this.skipped[t]!;
      return -grid.changedAt[t]!;
    };
    const ranks = new Map(stale.map((t) => [t, rank(t)]));
    stale.sort((a, b) => ranks.get(a)! - ranks.get(b)!);
    const out: number[] = [];
    let bytes = 0;
    for (const t of stale) {
      const r = grid.tileRect(t);
      bytes += this.fb.encoded.sizeHint(t) ?? r.w * r.h * 4;
      if (out.length > 0 && bytes > budget) {
        this.skipped[t] = Math.min(this.skipped[t]! + 1, 0xffff);
        continue;
      }
      this.skipped[t] = 0;
      this.pickedAt[t] = grid.lastChange;
      out.push(t);
    }
    return out;
  }

  /**
   * The rectangle that brings tile `t` up to date within `area`, encoded (or taken from the screen's cache). The
   * viewer then holds the tile's current version, unless part of what it lacks lies on its screen outside `area`.
   */
  send(t: number, area: Rect, visible: Rect, variant: Variant): Buffer {
    const fb = this.fb;
    const grid = fb.tiles;
    const version = grid.versions[t]!;
    const stale = grid.stale(t, this.versions[t]!) ?? grid.tileRect(t);
    const target = intersect(stale, area) ?? intersect(grid.tileRect(t), area)!;
    let bytes = fb.encoded.get(t, version, target, variant.key);
    if (!bytes) {
      bytes = variant.encode(fb, target);
      fb.encoded.put(t, version, target, variant.key, bytes);
    }
    grid.observe(t);
    const seen = intersect(stale, visible);
    if (seen && seen.x === target.x && seen.y === target.y && seen.w === target.w && seen.h === target.h) {
      this.versions[t] = version;
    }
    return bytes;
  }
}
