/**
 * Console round-trip latency, measured on the RFB stream itself: while the stream is quiet, the probe sends a
 * non-incremental FramebufferUpdateRequest for one pixel (which an RFB server must answer at once) and times the
 * first server message that follows. This is browser → gateway → host → console server and back, including the
 * server's encoding of one pixel. Samples taken while updates are flowing are skipped, since the next message may
 * then be an earlier update; the median of the last samples is reported.
 */

/** RFB FramebufferUpdateRequest (message type 3). */
export function framebufferUpdateRequest(
  incremental: boolean,
  x: number,
  y: number,
  w: number,
  h: number,
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(10);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, 3);
  view.setUint8(1, incremental ? 1 : 0);
  view.setUint16(2, x);
  view.setUint16(4, y);
  view.setUint16(6, w);
  view.setUint16(8, h);
  return bytes;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const QUIET_MS = 150;
const INTERVAL_MS = 2_000;
const TIMEOUT_MS = 10_000;
const KEEP = 5;

export class LatencyProbe {
  private lastMessageAt = 0;
  private sentAt: number | undefined;
  private samples: number[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly onMessage = (): void => {
    const now = performance.now();
    if (this.sentAt !== undefined) {
      this.samples = [...this.samples, now - this.sentAt].slice(-KEEP);
      this.sentAt = undefined;
      this.report(median(this.samples)!);
    }
    this.lastMessageAt = now;
  };

  constructor(
    private readonly socket: WebSocket,
    private readonly report: (milliseconds: number) => void,
  ) {
    socket.addEventListener('message', this.onMessage);
  }

  /** Starts probing; call once the RFB handshake is complete (noVNC's `connect` event). */
  start(): void {
    this.stop();
    this.timer = setInterval(() => this.probe(), INTERVAL_MS);
    setTimeout(() => this.probe(), QUIET_MS * 2);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stop();
    this.socket.removeEventListener('message', this.onMessage);
  }

  private probe(): void {
    const now = performance.now();
    if (this.socket.readyState !== WebSocket.OPEN || this.socket.bufferedAmount > 0) return;
    if (this.sentAt !== undefined && now - this.sentAt < TIMEOUT_MS) return;
    if (now - this.lastMessageAt < QUIET_MS) return;
    this.sentAt = now;
    this.socket.send(framebufferUpdateRequest(false, 0, 0, 1, 1));
  }
}
