/** Which cap refused a stream: the login's own, or the instance's. */
export type StreamCap = 'session' | 'total';

/**
 * Counts the live event streams of this instance, per login and in total (EVENT_STREAMS_PER_SESSION,
 * EVENT_STREAMS_TOTAL). A login legitimately holds a few: the main window and console windows.
 */
export class StreamSlots {
  private total = 0;
  private readonly bySession = new Map<string, number>();

  constructor(private readonly limits: { perSession: number; total: number }) {}

  /** Streams open now. */
  get open(): number {
    return this.total;
  }

  /** Takes a slot for one of `sessionId`'s streams and returns its release (safe to call twice), or the cap hit. */
  take(sessionId: string): (() => void) | StreamCap {
    const held = this.bySession.get(sessionId) ?? 0;
    if (held >= this.limits.perSession) return 'session';
    if (this.total >= this.limits.total) return 'total';
    this.bySession.set(sessionId, held + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.bySession.get(sessionId) ?? 1) - 1;
      if (left > 0) this.bySession.set(sessionId, left);
      else this.bySession.delete(sessionId);
    };
  }
}
