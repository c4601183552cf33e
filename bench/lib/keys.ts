import { percentile, sleep } from './stats.ts';

/** Keystrokes typed at a steady pace and their echoes, timed: the keystroke scenarios' clock. */

/** A key every 25 ms: a fast typist, and enough keys for a p99 within seconds. */
export const KEY_EVERY_MS = 25;
/** How long the last keys get to come back once typing stops. */
const GRACE_MS = 1000;

export interface Latencies {
  /** Round trips of answered keys, ms. */
  rtts: number[];
  /** Keys never echoed within the window: their wait so far, a lower bound, ms. */
  unanswered: number[];
  stoppedByGuard: boolean;
}

export class KeyTimer {
  private readonly sentAt = new Map<number, number>();
  private readonly rtts: number[] = [];
  private stoppedByGuard = false;

  /** Call when key `seq` came back; later echoes of the same key are ignored. */
  echoed(seq: number): void {
    const at = this.sentAt.get(seq);
    if (at === undefined) return;
    this.rtts.push(performance.now() - at);
    this.sentAt.delete(seq);
  }

  /**
   * Types keys `firstSeq`, `firstSeq + 1`, … every KEY_EVERY_MS for `durationMs` (or until `guard` says stop, checked
   * every 8 keys), then waits up to a second for the last echoes. Returns the next unused sequence number.
   */
  async type(
    firstSeq: number,
    durationMs: number,
    send: (seq: number) => void,
    guard?: () => boolean,
  ): Promise<number> {
    let seq = firstSeq;
    const end = performance.now() + durationMs;
    while (performance.now() < end) {
      this.sentAt.set(seq, performance.now());
      send(seq);
      seq++;
      await sleep(KEY_EVERY_MS);
      if (guard && (seq - firstSeq) % 8 === 0 && guard()) {
        this.stoppedByGuard = true;
        break;
      }
    }
    const grace = performance.now() + GRACE_MS;
    while (this.sentAt.size > 0 && performance.now() < grace) await sleep(10);
    return seq;
  }

  result(): Latencies {
    const now = performance.now();
    return {
      rtts: [...this.rtts],
      unanswered: [...this.sentAt.values()].map((at) => now - at),
      stoppedByGuard: this.stoppedByGuard,
    };
  }
}

export interface Summary {
  p50: number;
  p99: number;
  max: number;
  /** The figures are lower bounds: some keys never came back. */
  censored: boolean;
  answered: number;
  sent: number;
  stoppedByGuard: boolean;
}

export function summarise(l: Latencies): Summary {
  const all = [...l.rtts, ...l.unanswered];
  return {
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: Math.max(...all),
    censored: l.unanswered.length > 0,
    answered: l.rtts.length,
    sent: all.length,
    stoppedByGuard: l.stoppedByGuard,
  };
}
