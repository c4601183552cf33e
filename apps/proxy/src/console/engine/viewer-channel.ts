import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { parseConsoleCommand, type ConsoleCommand, type ConsoleNotice } from '@xwc/contracts';
import { CLOSE, truncateReason, type CloseKind } from '../close-codes.ts';
import { guardSocket, type SocketGuardLimits } from '../ws-guards.ts';

export interface ViewerChannelLimits extends SocketGuardLimits {
  /** Close when the browser has not taken a screen update for this long. */
  stallTimeoutMs: number;
  /** Close after this long without key or pointer input from this viewer (0 = never). */
  idleTimeoutMs: number;
}

/** Why a viewer's connection ended: a close kind we sent, or the browser went away. */
export type ViewerEnd = CloseKind | 'peer-gone';

export interface ViewerChannelEvents {
  onCommand(command: ConsoleCommand): void;
  /** Called once, when the connection is over for whatever reason. */
  onEnd(end: ViewerEnd): void;
}

/** How long a close handshake may take before the socket is simply destroyed. */
const CLOSE_GRACE_MS = 2000;
/** Screen data accepted for a viewer before `write` says to wait: about one large rectangle. */
const WRITE_HIGH_WATER = 128 * 1024;

/**
 * One viewer's WebSocket on a shared console: binary frames are its RFB stream (`stream`, a Duplex the viewer's RFB
 * server session reads and writes, with backpressure), text frames its presence/control commands. Owns the socket's
 * guards (keepalive, ping flood, time limit), the stall timer (the browser stopped reading) and the idle timer (no
 * input from this viewer).
 */
export class ViewerChannel {
  readonly stream: Duplex;
  /** Screen bytes handed to the socket, for the audit line. */
  bytesSent = 0;
  private ended = false;
  private lastInput = Date.now();
  /** When the oldest screen write still waiting for the socket was made; 0 when none waits. */
  private waitingSince = 0;
  private pendingWrites = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly guards: { stop(): void };
  private inputPaused = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: ViewerChannelLimits,
    private readonly events: ViewerChannelEvents,
  ) {
    this.stream = new Duplex({
      writableHighWaterMark: WRITE_HIGH_WATER,
      read: () => {
        if (ws.isPaused && !this.inputPaused) ws.resume();
      },
      write: (chunk: Buffer, _encoding, callback) => this.send(chunk, callback),
      // Rectangles queued behind a write in progress leave as one WebSocket message: one socket write, not one each.
      writev: (chunks, callback) => this.send(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), callback),
      destroy: (_error, callback) => {
        this.end('normal');
        callback(null);
      },
    });
    ws.on('message', (data, isBinary) => this.receive(data as Buffer | ArrayBuffer | Buffer[], isBinary));
    ws.on('close', () => this.finish('peer-gone'));
    ws.on('error', () => this.finish('peer-gone'));
    this.guards = guardSocket(ws, limits, (verdict) => this.end(verdict));
    const every = (ms: number): number => Math.max(50, Math.min(ms / 4, 5000));
    this.timers.push(
      setInterval(() => {
        if (this.waitingSince && Date.now() - this.waitingSince >= limits.stallTimeoutMs) this.end('stalled');
      }, every(limits.stallTimeoutMs)),
    );
    if (limits.idleTimeoutMs > 0) {
      this.timers.push(
        setInterval(() => {
          if (Date.now() - this.lastInput >= limits.idleTimeoutMs) this.end('idle');
        }, every(limits.idleTimeoutMs)),
      );
    }
    for (const timer of this.timers) timer.unref();
    if (ws.isPaused) ws.resume();
  }

  get open(): boolean {
    return !this.ended;
  }

  /** The viewer typed or moved the pointer (whether or not it reached the guest). */
  noteInput(): void {
    this.lastInput = Date.now();
  }

  /** Stops reading this viewer's messages (its input cannot go upstream yet); `resumeInput` undoes it. */
  pauseInput(): void {
    this.inputPaused = true;
    this.ws.pause();
  }

  resumeInput(): void {
    this.inputPaused = false;
    if (!this.ended) this.ws.resume();
  }

  notify(notice: ConsoleNotice): void {
    if (!this.ended && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(notice));
  }

  /** Ends the connection with a close code (and a refined reason, when the default sentence is not enough). */
  end(kind: ViewerEnd, reason?: string): void {
    if (this.ended) return;
    if (kind !== 'peer-gone' && this.ws.readyState === this.ws.OPEN) {
      this.ws.close(CLOSE[kind].code, truncateReason(reason ?? CLOSE[kind].reason));
      setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
    } else {
      this.ws.terminate();
    }
    this.finish(kind);
  }

  private finish(end: ViewerEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.guards.stop();
    for (const timer of this.timers) clearInterval(timer);
    this.stream.push(null);
    this.stream.destroy();
    this.events.onEnd(end);
  }

  private send(chunk: Buffer, callback: (error?: Error | null) => void): void {
    if (this.ended) return callback();
    this.bytesSent += chunk.length;
    if (this.pendingWrites++ === 0) this.waitingSince = Date.now();
    this.ws.send(chunk, { binary: true }, () => {
      if (--this.pendingWrites === 0) this.waitingSince = 0;
      else this.waitingSince = Date.now();
      callback();
    });
  }

  private receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.ended) return;
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!isBinary) {
      const command = parseConsoleCommand(chunk.toString('utf8'));
      if (!command) return this.end('badViewer', 'The browser sent an unknown console command.');
      this.events.onCommand(command);
      return;
    }
    if (!this.stream.push(chunk)) this.ws.pause();
  }
}
