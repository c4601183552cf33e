import { isTextFrame } from './channel.ts';

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
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  /** RFB arrives in binary frames; the gateway's text frames (presence) say nothing about the screen's stream. */
  private readonly onMessage = (event: MessageEvent): void => {
    if (isTextFrame(event)) return;
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
    private readonly random: () => number = Math.random,
  ) {
    socket.addEventListener('message', this.onMessage);
  }

  /** Starts probing; call once the RFB handshake is complete (noVNC's `connect` event). */
  start(): void {
    this.stop();
    this.running = true;
    this.schedule(QUIET_MS * 2);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stop();
    this.socket.removeEventListener('message', this.onMessage);
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    if (this.running) this.timer = setTimeout(() => this.probe(), delay);
  }

  private probe(): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const now = performance.now();
    const quietFor = now - this.lastMessageAt;
    const waiting = this.sentAt !== undefined && now - this.sentAt < TIMEOUT_MS;
    if (!waiting && this.socket.bufferedAmount === 0 && quietFor >= QUIET_MS) {
      this.sentAt = now;
      this.socket.send(framebufferUpdateRequest(false, 0, 0, 1, 1));
    } else if (!waiting && quietFor < QUIET_MS) {
      // Updates are flowing: try again just after the stream goes quiet, rather than on a fixed beat that could stay
      // in step with a periodic screen update (a clock) and never find a quiet moment.
      this.schedule(QUIET_MS - quietFor + 10);
      return;
    }
    // The next probe in about INTERVAL_MS, jittered for the same reason.
    this.schedule(INTERVAL_MS * (0.8 + 0.4 * this.random()));
  }
}
