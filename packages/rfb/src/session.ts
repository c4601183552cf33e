import type { Duplex } from 'node:stream';
import type { DamageTracker, Framebuffer } from './framebuffer.ts';
import { Handshake, type RfbVersion } from './handshake.ts';
import {
  bell,
  Encoding,
  MAX_CLIENT_MESSAGE,
  parseClientMessage,
  rectHeader,
  serverCutText,
  serverInit,
  updateHeader,
  type ClientMessage,
} from './messages.ts';
import { bytesPerPixel, SERVER_PIXEL_FORMAT, type PixelFormat } from './pixel-format.ts';
import { intersect, type Rect } from './rect.ts';

/** Largest pixel payload of one rectangle, so that no single write is huge and backpressure is noticed promptly. */
export const MAX_RECT_BYTES = 64 * 1024;

/** After a graceful end, how long a peer that never reads gets before the socket is destroyed. */
const END_GRACE_MS = 1000;

/** Input messages handed to the display; everything else is protocol the session handles itself. */
export type InputMessage = Extract<
  ClientMessage,
  { type: 'key' | 'pointer' | 'cut-text' | 'xen-scancode' | 'qemu-key' }
>;

export interface SessionHost {
  readonly framebuffer: Framebuffer;
  readonly name: string;
  readonly version: RfbVersion;
  onReady(session: RfbSession, shared: boolean): void;
  onInput(message: InputMessage): void;
  onClosed(session: RfbSession): void;
}

/** One part of a FramebufferUpdate: pixels from the framebuffer, or a pseudo-rectangle with no payload. */
type UpdatePart = { kind: 'raw'; rect: Rect } | { kind: 'pseudo'; rect: Rect; encoding: number };

/**
 * One RFB connection: handshake, then client messages in and updates out. Output is produced only while the
 * stream accepts it (`write` returned true, or after 'drain'), one bounded rectangle at a time.
 */
export class RfbSession {
  private readonly handshake: Handshake;
  private phase: 'handshake' | 'normal' | 'closed' = 'handshake';
  private input: Buffer = Buffer.alloc(0);
  private skipBytes = 0;

  private format: PixelFormat = SERVER_PIXEL_FORMAT;
  private encodings = new Set<number>();
  private tracker: DamageTracker | null = null;
  private clientSize = { w: 0, h: 0 };

  private request: { rect: Rect; mustReply: boolean } | null = null;
  private extKeyAckDue = false;
  private bellDue = false;
  private cutTextDue: string | null = null;
  private update: UpdatePart[] = [];
  /** The format the update in flight was started in: a SetPixelFormat mid-update applies to the next one. */
  private updateFormat: PixelFormat = SERVER_PIXEL_FORMAT;

  private finished = false;
  private blocked = false;
  private scheduled: NodeJS.Immediate | null = null;
  private endTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly stream: Duplex,
    private readonly host: SessionHost,
  ) {
    this.handshake = new Handshake(host.version);
    stream.on('data', (chunk: Buffer) => this.guard(() => this.receive(chunk)));
    stream.on('drain', () => {
      this.blocked = false;
      this.guard(() => this.pump());
    });
    stream.on('end', () => this.close());
    stream.on('error', () => this.close());
    stream.on('close', () => {
      if (this.endTimer) clearTimeout(this.endTimer);
      this.endTimer = null;
      this.finish();
    });
    this.write(this.handshake.greeting());
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  /** Queues a Bell; repeated bells while the client is not reading collapse into one. */
  ringBell(): void {
    if (this.phase !== 'normal') return;
    this.bellDue = true;
    this.schedule();
  }

  /** Queues ServerCutText; only the newest text is kept while the client is not reading. */
  sendCutText(text: string): void {
    if (this.phase !== 'normal') return;
    this.cutTextDue = text;
    this.schedule();
  }

  /** Ends the connection at once. */
  close(): void {
    this.finish();
    this.stream.destroy();
  }

  /** Stops all work for this session; true the first time only. */
  private finish(): boolean {
    if (this.finished) return false;
    this.finished = true;
    this.phase = 'closed';
    this.tracker?.dispose();
    this.tracker = null;
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.host.onClosed(this);
    return true;
  }

  /** Sends a last message, then lets the stream close once it is flushed (or destroys it after a grace period). */
  private closeAfter(last: Buffer): void {
    if (!this.finish()) return;
    this.stream.end(last);
    this.endTimer = setTimeout(() => this.stream.destroy(), END_GRACE_MS);
  }

  /** Any unexpected exception closes this connection only; nothing escapes into the process. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch {
      this.close();
    }
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    while (!this.closed) {
      if (this.skipBytes > 0) {
        const n = Math.min(this.skipBytes, this.input.length);
        this.skipBytes -= n;
        this.input = this.input.subarray(n);
      }
      if (this.input.length === 0) break;
      const consumed = this.phase === 'handshake' ? this.handshakeStep() : this.messageStep();
      if (consumed === 0) break;
      this.input = this.input.subarray(consumed);
    }
    if (this.input.length > MAX_CLIENT_MESSAGE) this.close();
  }

  /** Returns the number of bytes consumed; 0 means wait for more input (or the session closed). */
  private handshakeStep(): number {
    const step = this.handshake.step(this.input);
    switch (step.kind) {
      case 'incomplete':
        return 0;
      case 'fail':
        if (step.reply) this.closeAfter(step.reply);
        else this.close();
        return 0;
      case 'progress':
        if (step.reply) this.write(step.reply);
        return step.consumed;
      case 'done': {
        const fb = this.host.framebuffer;
        this.phase = 'normal';
        this.clientSize = { w: fb.width, h: fb.height };
        this.tracker = fb.track(() => this.schedule());
        this.write(serverInit(fb.width, fb.height, SERVER_PIXEL_FORMAT, this.host.name));
        this.host.onReady(this, step.shared);
        return step.consumed;
      }
    }
  }

  private messageStep(): number {
    const parsed = parseClientMessage(this.input);
    if (parsed.kind === 'incomplete') return 0;
    if (parsed.kind === 'error') {
      this.close();
      return 0;
    }
    this.handle(parsed.message);
    return parsed.length;
  }

  private handle(m: ClientMessage): void {
    switch (m.type) {
      case 'set-pixel-format':
        this.format = m.format;
        return;
      case 'set-encodings':
        this.encodings = new Set(m.encodings);
        if (this.encodings.has(Encoding.QemuExtendedKeyEvent)) this.extKeyAckDue = true;
        this.schedule();
        return;
      case 'update-request': {
        // The latest request wins, but a pending non-incremental one still has to be answered.
        const mustReply = !m.incremental || (this.request?.mustReply ?? false);
        const onScreen = intersect(m.rect, this.host.framebuffer.bounds);
        if (!m.incremental && onScreen) this.tracker?.add(onScreen);
        this.request = { rect: m.rect, mustReply };
        this.schedule();
        return;
      }
      case 'cut-text-skipped':
        this.skipBytes = m.skip;
        return;
      default:
        this.host.onInput(m);
    }
  }

  private schedule(): void {
    if (this.scheduled || this.phase !== 'normal') return;
    this.scheduled = setImmediate(() => {
      this.scheduled = null;
      this.guard(() => this.pump());
    });
  }

  private write(b: Buffer): void {
    if (!this.stream.write(b)) this.blocked = true;
  }

  /** Produces output until the stream pushes back or there is nothing left to say. */
  private pump(): void {
    while (this.phase === 'normal' && !this.blocked) {
      const part = this.update.shift();
      if (part) {
        this.writePart(part);
      } else if (this.bellDue) {
        this.bellDue = false;
        this.write(bell());
      } else if (this.cutTextDue !== null) {
        const text = this.cutTextDue;
        this.cutTextDue = null;
        this.write(serverCutText(text));
      } else if (!this.startUpdate()) {
        return;
      }
    }
  }

  /** Begins a FramebufferUpdate if a request is pending and there is something to send. */
  private startUpdate(): boolean {
    const tracker = this.tracker;
    const request = this.request;
    if (!tracker || !request) return false;
    const fb = this.host.framebuffer;
    const parts: UpdatePart[] = [];
    let area = request.rect;
    if (tracker.resized) {
      tracker.resized = false;
      if (this.encodings.has(Encoding.DesktopSize)) {
        this.clientSize = { w: fb.width, h: fb.height };
        parts.push({ kind: 'pseudo', rect: { x: 0, y: 0, ...this.clientSize }, encoding: Encoding.DesktopSize });
        area = fb.bounds;
      }
    }
    if (this.extKeyAckDue) {
      this.extKeyAckDue = false;
      parts.push({ kind: 'pseudo', rect: { x: 0, y: 0, w: 0, h: 0 }, encoding: Encoding.QemuExtendedKeyEvent });
    }
    const visible = intersect(area, {
      x: 0,
      y: 0,
      w: Math.min(this.clientSize.w, fb.width),
      h: Math.min(this.clientSize.h, fb.height),
    });
    const dirty = visible ? tracker.take(visible) : [];
    for (const r of dirty) {
      parts.push(...splitRect(r, bytesPerPixel(this.format)).map((rect) => ({ kind: 'raw' as const, rect })));
    }
    if (parts.length === 0 && !request.mustReply) return false;
    this.request = null;
    // rectCount is a u16: an oversized update is cut short and the rest stays dirty for the next request.
    const sent = parts.slice(0, 0xffff);
    for (const p of parts.slice(0xffff)) if (p.kind === 'raw') tracker.add(p.rect);
    this.write(updateHeader(sent.length));
    this.update = sent;
    this.updateFormat = this.format;
    return true;
  }

  private writePart(part: UpdatePart): void {
    if (part.kind === 'pseudo') {
      this.write(rectHeader(part.rect, part.encoding));
      return;
    }
    const fb = this.host.framebuffer;
    // The framebuffer may have shrunk since this update began; the promised rectangle is then sent empty.
    const rect = intersect(part.rect, fb.bounds) ?? { x: 0, y: 0, w: 0, h: 0 };
    this.write(rectHeader(rect, Encoding.Raw));
    if (rect.w > 0) this.write(fb.encode(rect, this.updateFormat));
  }
}

/** Cuts a rectangle into tiles whose pixel payload stays under MAX_RECT_BYTES: full-width bands unless a row is too long. */
export function splitRect(r: Rect, bytesPerPixel: number): Rect[] {
  const tileWidth = Math.min(r.w, Math.max(1, Math.floor(MAX_RECT_BYTES / bytesPerPixel)));
  const rowsPerTile = Math.max(1, Math.floor(MAX_RECT_BYTES / (tileWidth * bytesPerPixel)));
  const tiles: Rect[] = [];
  for (let y = r.y; y < r.y + r.h; y += rowsPerTile) {
    for (let x = r.x; x < r.x + r.w; x += tileWidth) {
      tiles.push({ x, y, w: Math.min(tileWidth, r.x + r.w - x), h: Math.min(rowsPerTile, r.y + r.h - y) });
    }
  }
  return tiles;
}
