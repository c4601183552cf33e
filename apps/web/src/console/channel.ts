import { parseConsoleNotice, type ConsoleNotice } from '../shared/contracts.ts';

/**
 * A WebSocket as noVNC sees it (`rawChannelProps` in noVNC's websock.js: send, close, binaryType, onopen, onmessage,
 * onerror, protocol, readyState), so the socket can be opened before noVNC has loaded: messages that arrive before
 * noVNC listens are kept and handed over, in order, once it does.
 *
 * The socket carries two streams: binary frames are RFB, for noVNC only; text frames are the gateway's presence and
 * control notices, parsed here and handed to `onnotice`, never to noVNC (websock.js would read a string as bytes).
 */
type Handler<E extends Event> = ((event: E) => void) | null;
type NoticeHandler = ((notice: ConsoleNotice) => void) | null;

/** Whether a WebSocket message is a text frame (binary frames arrive as ArrayBuffer or Blob). */
export const isTextFrame = (event: MessageEvent): boolean => typeof event.data === 'string';

/** Notices kept for a listener that has not come yet (a few arrive per change; a socket waits seconds at most). */
const MAX_QUEUED_NOTICES = 200;

export class EarlyChannel {
  private queued: MessageEvent[] = [];
  private messageHandler: Handler<MessageEvent> = null;
  private flushScheduled = false;
  private notices: ConsoleNotice[] = [];
  private noticeHandler: NoticeHandler = null;
  onopen: Handler<Event> = null;
  onclose: Handler<CloseEvent> = null;
  onerror: Handler<Event> = null;

  constructor(private readonly socket: WebSocket) {
    socket.addEventListener('open', (event) => this.onopen?.(event));
    socket.addEventListener('close', (event) => this.onclose?.(event));
    socket.addEventListener('error', (event) => this.onerror?.(event));
    socket.addEventListener('message', (event: MessageEvent) => {
      if (isTextFrame(event)) this.text(event.data as string);
      else if (this.messageHandler && !this.flushScheduled) this.messageHandler(event);
      else this.queued.push(event);
    });
  }

  /** The controller's listener for notices; those that arrived before it was set are handed over at once, in order. */
  set onnotice(handler: NoticeHandler) {
    this.noticeHandler = handler;
    const backlog = this.notices;
    this.notices = [];
    for (const notice of backlog) this.noticeHandler?.(notice);
  }

  private text(data: string): void {
    const notice = parseConsoleNotice(data);
    if (!notice) {
      if (import.meta.env.DEV)
        console.warn('Ignored a console text frame that is not a known notice:', data.slice(0, 200));
      return;
    }
    if (this.noticeHandler) this.noticeHandler(notice);
    else this.notices = [...this.notices.slice(1 - MAX_QUEUED_NOTICES), notice];
  }

  get onmessage(): Handler<MessageEvent> {
    return this.messageHandler;
  }

  /** noVNC sets this while attaching, before it starts its handshake: hand over the backlog just after. */
  set onmessage(handler: Handler<MessageEvent>) {
    this.messageHandler = handler;
    if (!handler || this.queued.length === 0) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      const backlog = this.queued;
      this.queued = [];
      for (const event of backlog) this.messageHandler?.(event);
    });
  }

  get binaryType(): BinaryType {
    return this.socket.binaryType;
  }

  set binaryType(type: BinaryType) {
    this.socket.binaryType = type;
  }

  get protocol(): string {
    return this.socket.protocol;
  }

  get readyState(): number {
    return this.socket.readyState;
  }

  send(data: ArrayBufferLike | ArrayBufferView | Blob | string): void {
    this.socket.send(data as ArrayBuffer);
  }

  close(code?: number, reason?: string): void {
    this.socket.close(code, reason);
  }
}
