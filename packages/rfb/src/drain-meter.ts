/** How long one update should take a viewer to take in, at the pace it has shown: an echo waits at most that. */
export const UPDATE_TARGET_MS = 20;
/**
 * The least an update may carry (12.5 ms at 20 MB/s): a turnaround is also the viewer's latency and scheduling,
 * which the meter cannot always tell from a slow link, and below this updates shrink until they carry little more
 * than that latency (with 64 KiB, a loaded machine's pushing screen got a third of the throughput and later echoes).
 */
export const MIN_BUDGET = 256 * 1024;
/** The most an update may carry, also before the first measurement (a first screen goes in one piece). */
export const MAX_BUDGET = 4 * 1024 * 1024;
/** Updates under this say nothing of the rate (their turnaround is latency): they measure the latency instead. */
const SMALL_UPDATE = 16 * 1024;
/** Weight of the newest rate sample. */
const RATE_WEIGHT = 0.3;
/** The latency floor creeps up by this factor per small update, so a viewer that moved further away is followed. */
const FLOOR_DRIFT = 1.05;

/**
 * One viewer's pace, from the RFB exchange itself: a viewer asks for the next update once it has taken in the last
 * (noVNC does), so an update's bytes over the time from its first byte to the next request is what that viewer
 * drains, latency and decoding included. Small updates measure the latency alone, which is taken off (at most half
 * of a turnaround, so that a stale floor cannot make the rate explode). `budget` is what fits UPDATE_TARGET_MS.
 */
export class DrainMeter {
  /** Bytes per millisecond; 0 until measured. */
  private rate = 0;
  private floorMs = Infinity;
  private startedAt = -1;
  private bytes = 0;

  /** An update starts being written at `now` (ms). */
  begin(now: number): void {
    this.startedAt = now;
    this.bytes = 0;
  }

  /** Bytes of the current update written. */
  add(bytes: number): void {
    if (this.startedAt >= 0) this.bytes += bytes;
  }

  /** The viewer asked again at `now`: the update since `begin` is taken in. */
  answered(now: number): void {
    if (this.startedAt < 0) return;
    const took = Math.max(now - this.startedAt, 0.1);
    this.startedAt = -1;
    if (this.bytes < SMALL_UPDATE) {
      this.floorMs = Math.min(took, this.floorMs * FLOOR_DRIFT);
      return;
    }
    const latency = Number.isFinite(this.floorMs) ? Math.min(this.floorMs, took / 2) : 0;
    const sample = this.bytes / (took - latency);
    this.rate = this.rate === 0 ? sample : this.rate * (1 - RATE_WEIGHT) + sample * RATE_WEIGHT;
  }

  /** Bytes the next update may carry. */
  budget(): number {
    if (this.rate === 0) return MAX_BUDGET;
    return Math.min(MAX_BUDGET, Math.max(MIN_BUDGET, this.rate * UPDATE_TARGET_MS));
  }
}
