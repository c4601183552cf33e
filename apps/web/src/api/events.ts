import { isObject, parseChanges, parseSnapshot, type Change, type Snapshot } from './wire.ts';

/**
 * The inventory stream (`GET /api/events`, Server-Sent Events). EventSource retries dropped connections itself; when
 * it gives up (an HTTP error such as 401), `lost` decides between "session ended" and a delayed reopen.
 */

export type LinkState = 'connecting' | 'live' | 'reconnecting';

export interface EventStreamHandlers {
  snapshot(snapshot: Snapshot): void;
  changes(changes: Change[]): void;
  sessionEnded(message: string): void;
  link(state: LinkState, message?: string): void;
  /** The stream closed for good; resolves true when the session is still valid (then the stream reopens). */
  lost(): Promise<boolean>;
}

const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export class EventStream {
  private source: EventSource | undefined;
  private retry = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;

  constructor(
    private readonly handlers: EventStreamHandlers,
    private readonly url = '/api/events',
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.source?.close();
    this.source = undefined;
  }

  private open(): void {
    this.source?.close();
    this.handlers.link(this.retry === 0 ? 'connecting' : 'reconnecting');
    const source = new EventSource(this.url, { withCredentials: false });
    this.source = source;
    source.addEventListener('snapshot', (event) => {
      this.retry = 0;
      this.handlers.snapshot(parseSnapshot(parse(event)));
      this.handlers.link('live');
    });
    source.addEventListener('changes', (event) => this.handlers.changes(parseChanges(parse(event))));
    source.addEventListener('session-ended', (event) => {
      const data = parse(event);
      this.stop();
      this.handlers.sessionEnded(
        isObject(data) && typeof data.message === 'string' ? data.message : 'The pool ended your session.',
      );
    });
    source.addEventListener('status', (event) => {
      const data = parse(event);
      if (!isObject(data)) return;
      const message = typeof data.message === 'string' ? data.message : undefined;
      this.handlers.link(data.state === 'live' ? 'live' : 'reconnecting', message);
    });
    source.addEventListener('error', () => {
      if (this.stopped || source !== this.source) return;
      if (source.readyState === EventSource.CONNECTING) {
        this.handlers.link('reconnecting', 'The connection to the gateway dropped; reconnecting…');
        return;
      }
      source.close();
      void this.handlers.lost().then((stillValid) => {
        if (this.stopped || !stillValid) return;
        const delay = RETRY_DELAYS_MS[Math.min(this.retry, RETRY_DELAYS_MS.length - 1)]!;
        this.retry += 1;
        this.handlers.link('reconnecting', 'The connection to the gateway dropped; reconnecting…');
        this.timer = setTimeout(() => this.open(), delay);
      });
    });
  }
}

function parse(event: Event): unknown {
  const data = (event as MessageEvent<unknown>).data;
  if (typeof data !== 'string') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}
