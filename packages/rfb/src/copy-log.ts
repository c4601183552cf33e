import { rectHeader, Encoding } from './messages.ts';
import type { Rect } from './rect.ts';

/** One screen-to-screen copy, with what a viewer must hold for a CopyRect to reproduce it. */
export interface CopyOp {
  readonly seq: number;
  readonly dst: Rect;
  readonly src: Rect;
  /** (tile, version) pairs: the source tiles as they were when the copy happened. */
  readonly sourceTiles: Float64Array;
  /** (tile, before, after) triples: the destination tiles' versions around the copy. */
  readonly destinationTiles: Float64Array;
  /** The CopyRect rectangle (header and source position), the same bytes for every viewer. */
  readonly bytes: Buffer;
}

/** How many recent copies are remembered; a viewer further behind gets their destinations as pixels. */
const CAPACITY = 32;

/** The recent copies of one screen, oldest first, numbered so each viewer can tell which it has not considered. */
export class CopyLog {
  private ops: CopyOp[] = [];
  private last = 0;

  get lastSeq(): number {
    return this.last;
  }

  add(src: Rect, dst: Rect, sourceTiles: Float64Array, destinationTiles: Float64Array): void {
    const bytes = Buffer.alloc(16);
    rectHeader(dst, Encoding.CopyRect).copy(bytes);
    bytes.writeUInt16BE(src.x, 12);
    bytes.writeUInt16BE(src.y, 14);
    this.ops.push({ seq: ++this.last, src, dst, sourceTiles, destinationTiles, bytes });
    if (this.ops.length > CAPACITY) this.ops.shift();
  }

  /** The remembered copies numbered after `seq`, oldest first. */
  since(seq: number): readonly CopyOp[] {
    const first = this.ops.findIndex((op) => op.seq > seq);
    return first < 0 ? [] : this.ops.slice(first);
  }

  /** Forgets every copy (the screen was resized); numbering goes on. */
  clear(): void {
    this.ops = [];
  }
}
