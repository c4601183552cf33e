import type { Writable } from 'node:stream';

/**
 * Characters handed to the socket per write. Node copies what a socket cannot take at once, so a stream whose client
 * reads slowly holds at most about the socket's high-water mark plus one slice of its own; everything else it has not
 * sent stays a reference to the inventory's messages, serialised once and shared by every stream.
 */
const SLICE_CHARS = 16 * 1024;

/** A cut before `at`, or one earlier so as not to split a surrogate pair (each half would be sent as U+FFFD). */
function cutAt(text: string, at: number): number {
  const before = text.charCodeAt(at - 1);
  return before >= 0xd800 && before <= 0xdbff ? at - 1 : at;
}

/** Why a stream is given up: it fell too far behind, or its client accepted nothing for the stall timeout. */
export type Overflow = 'backlog' | 'stalled';

/**
 * `snapshot` replaces everything queued before it; `load` is the bulk that follows it (the device records of a large
 * pool). Both are the inventory's own serialisation, held for every stream anyway, so neither counts as backlog.
 */
export type EventKind = 'snapshot' | 'load' | 'change';

interface QueuedEvent {
  pieces: readonly string[];
  kind: EventKind;
  chars: number;
}

/**
 * Writes Server-Sent Events to one client at the pace it reads them. Events it has not started wait in order; a
 * snapshot drops the ones queued before it (it replaces them). More than `backlogChars` of queued events, or a
 * client that takes nothing for `stallTimeoutMs` while data waits, ends the stream through `onOverflow`: a slow
 * reader is closed (the browser reconnects and resyncs), never buffered without bound.
 */
export class EventSender {
  private readonly queue: QueuedEvent[] = [];
  private current: { pieces: readonly string[]; index: number; offset: number } | undefined;
  private backlog = 0;
  private waiting = false;
  private ending = false;
  private stopped = false;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: Writable,
    private readonly limits: { backlogChars: number; stallTimeoutMs: number },
    private readonly onOverflow: (why: Overflow) => void,
  ) {}

  /** Queues one event whose data is `parts` concatenated (already JSON). */
  send(event: string, parts: readonly string[], kind: EventKind = 'change'): void {
    if (this.stopped || this.ending) return;
    if (kind === 'snapshot') {
      for (const dropped of this.queue.splice(0)) if (dropped.kind === 'change') this.backlog -= dropped.chars;
    }
    const pieces = [`event: ${event}\ndata: `, ...parts, '\n\n'];
    const chars = pieces.reduce((sum, piece) => sum + piece.length, 0);
    this.queue.push({ pieces, kind, chars });
    if (kind === 'change') {
      this.backlog += chars;
      if (this.backlog > this.limits.backlogChars) return this.overflow('backlog');
    }
    this.pump();
  }

  /** A comment line (keep-alive), written only when nothing else is on its way. */
  comment(text: string): void {
    if (this.stopped || this.ending || this.waiting || this.current || this.queue.length) return;
    this.out.write(`: ${text}\n\n`);
  }

  /** Ends the response once everything queued is written. */
  end(): void {
    this.ending = true;
    this.pump();
  }

  /** Stops writing (the response closed). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    clearTimeout(this.stallTimer);
  }

  private pump(): void {
    while (!this.waiting && !this.stopped) {
      const piece = this.nextPiece();
      if (piece === undefined) {
        if (this.ending) this.out.end();
        return;
      }
      if (!this.out.write(piece)) {
        this.waiting = true;
        this.stallTimer = setTimeout(() => this.overflow('stalled'), this.limits.stallTimeoutMs);
        this.out.once('drain', () => {
          clearTimeout(this.stallTimer);
          this.waiting = false;
          this.pump();
        });
      }
    }
  }

  /** The next slice of the event being written, starting the next queued event when one is done. */
  private nextPiece(): string | undefined {
    while (true) {
      if (!this.current) {
        const next = this.queue.shift();
        if (!next) return undefined;
        if (next.kind === 'change') this.backlog -= next.chars;
        this.current = { pieces: next.pieces, index: 0, offset: 0 };
      }
      const { pieces, index, offset } = this.current;
      const piece = pieces[index];
      if (piece === undefined) {
        this.current = undefined;
        continue;
      }
      if (offset + SLICE_CHARS >= piece.length) {
        this.current.index += 1;
        this.current.offset = 0;
        if (piece.length === offset) continue;
        return offset === 0 ? piece : piece.slice(offset);
      }
      const end = cutAt(piece, offset + SLICE_CHARS);
      this.current.offset = end;
      return piece.slice(offset, end);
    }
  }

  private overflow(why: Overflow): void {
    if (this.stopped) return;
    this.stop();
    this.onOverflow(why);
  }
}
