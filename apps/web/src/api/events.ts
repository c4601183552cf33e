import { LIMIT_CODES, parseLimitRefusal } from '../shared/contracts.ts';
import { isObject, parseChanges, parseSnapshot, type Change, type Snapshot } from './wire.ts';
import { SseParser, type SseEvent } from './sse-parser.ts';

/**
 * The inventory stream (`GET /api/events`, Server-Sent Events), read with fetch rather than EventSource: the first
 * event carries the whole cache (tens of megabytes at 10,000 VMs), which EventSource parses far too slowly, and fetch
 * also tells a 401 (session gone) and a 429 (too many open windows of this login) from a dropped connection. Reconnects
 * with backoff, or after the gateway's `retryAfter` when it refused; a stream silent for longer than three keep-alive
 * periods is treated as dead.
 */

/** `limited`: the gateway refused this window's stream (too many are open); it tries again by itself. */
export type LinkState = 'connecting' | 'live' | 'reconnecting' | 'limited';

export interface EventStreamHandlers {
  snapshot(snapshot: Snapshot): void;
  changes(changes: Change[]): void;
  sessionEnded(message: string): void;
  link(state: LinkState, message?: string): void;
  /** While the first snapshot is arriving: how much has arrived (characters, about bytes). */
  progress?(received: number): void;
}

/** Resolves after the browser has had a chance to handle input and paint (a macrotask, not a microtask). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(undefined);
  });
}

const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
/** The gateway sends `: ping` every 15 s. */
const SILENCE_LIMIT_MS = 45_000;

export class EventStream {
  private abort: AbortController | undefined;
  private retry = 0;
  private serverRetryMs: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  /** Whether a snapshot arrived on the current connection. */
  private live = false;

  constructor(
    private readonly handlers: EventStreamHandlers,
    private readonly url = '/api/events',
  ) {}

  start(): void {
    this.stop();
    this.retry = 0;
    void this.run();
  }

  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.watchdog);
    this.abort?.abort();
    this.abort = undefined;
  }

  private async run(): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    this.live = false;
    this.handlers.link(this.retry === 0 ? 'connecting' : 'reconnecting');
    let sessionEnded = false;
    try {
      const response = await fetch(this.url, {
        headers: { Accept: 'text/event-stream' },
        credentials: 'same-origin',
        cache: 'no-store',
        signal: abort.signal,
      });
      if (response.status === 401) {
        sessionEnded = true;
        const body = await bodyOf(response);
        this.handlers.sessionEnded(
          typeof body.message === 'string' ? body.message : 'Your session expired or was ended by the pool.',
        );
        return;
      }
      if (response.status === 429) {
        const body = await bodyOf(response);
        if (body.error === LIMIT_CODES.eventStreams && typeof body.message === 'string') {
          this.handlers.link('limited', body.message);
          this.timer = setTimeout(() => void this.run(), parseLimitRefusal(body).retryAfter * 1000);
          return;
        }
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const arrived: SseEvent[] = [];
      const parser = new SseParser(
        (event) => arrived.push(event),
        (ms) => (this.serverRetryMs = ms),
      );
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      this.armWatchdog(abort);
      let received = 0;
      let reportedAt = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (received === 0) performance.mark('xwc:events-first-bytes');
        this.armWatchdog(abort);
        received += value.length;
        if (!this.live && this.handlers.progress) {
          const now = performance.now();
          if (now - reportedAt > 200) {
            reportedAt = now;
            this.handlers.progress(received);
          }
        }
        parser.push(value);
        // One event per task: already-buffered reads resolve without yielding, and a large pool's device records
        // arrive as dozens of events that would otherwise be parsed in one long task while the user types.
        while (arrived.length > 0) {
          this.dispatch(arrived.shift()!, () => (sessionEnded = true));
          if (sessionEnded) {
            abort.abort();
            return;
          }
          if (arrived.length > 0) await nextTask();
          if (this.abort !== abort) return;
        }
      }
    } catch {
      // Dropped, aborted or refused: decided below.
    } finally {
      clearTimeout(this.watchdog);
    }
    if (sessionEnded || this.abort !== abort) return;
    this.scheduleReconnect();
  }

  private dispatch(event: SseEvent, ended: () => void): void {
    // Marks for benchmarks (`performance.getEntriesByType('mark')`): when the snapshot arrived and was applied.
    if (event.type === 'snapshot') performance.mark('xwc:snapshot-received');
    const data = parse(event.data);
    switch (event.type) {
      case 'snapshot':
        this.retry = 0;
        this.handlers.snapshot(parseSnapshot(data));
        this.live = true;
        performance.mark('xwc:snapshot-applied');
        this.handlers.link('live');
        break;
      case 'changes':
        this.handlers.changes(parseChanges(data));
        break;
      case 'session-ended':
        ended();
        this.handlers.sessionEnded(
          isObject(data) && typeof data.message === 'string' ? data.message : 'The pool ended your session.',
        );
        break;
      case 'status':
        if (isObject(data)) {
          this.handlers.link(
            data.state === 'live' ? 'live' : 'reconnecting',
            typeof data.message === 'string' ? data.message : undefined,
          );
        }
        break;
    }
  }

  private armWatchdog(abort: AbortController): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => abort.abort(), SILENCE_LIMIT_MS);
  }

  private scheduleReconnect(): void {
    const backoff = RETRY_DELAYS_MS[Math.min(this.retry, RETRY_DELAYS_MS.length - 1)]!;
    const delay = this.retry === 0 && this.serverRetryMs !== undefined ? this.serverRetryMs : backoff;
    this.retry += 1;
    this.handlers.link('reconnecting', 'The connection to the gateway dropped; reconnecting…');
    this.timer = setTimeout(() => void this.run(), delay);
  }
}

async function bodyOf(response: Response): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await response.json();
    return isObject(body) ? body : {};
  } catch {
    return {};
  }
}

function parse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
