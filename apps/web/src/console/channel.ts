/**
 * A WebSocket as noVNC sees it (`rawChannelProps` in noVNC's websock.js: send, close, binaryType, onopen, onmessage,
 * onerror, protocol, readyState), so the socket can be opened before noVNC has loaded: messages that arrive before
 * noVNC listens are kept and handed over, in order, once it does.
 */
type Handler<E extends Event> = ((event: E) => void) | null;

export class EarlyChannel {
  private queued: MessageEvent[] = [];
  private messageHandler: Handler<MessageEvent> = null;
  private flushScheduled = false;
  onopen: Handler<Event> = null;
  onclose: Handler<CloseEvent> = null;
  onerror: Handler<Event> = null;

  constructor(private readonly socket: WebSocket) {
    socket.addEventListener('open', (event) => this.onopen?.(event));
    socket.addEventListener('close', (event) => this.onclose?.(event));
    socket.addEventListener('error', (event) => this.onerror?.(event));
    socket.addEventListener('message', (event: MessageEvent) => {
      if (this.messageHandler && !this.flushScheduled) this.messageHandler(event);
      else this.queued.push(event);
    });
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
