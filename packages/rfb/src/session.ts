import type { Duplex } from 'node:stream';
import { DrainMeter } from './drain-meter.ts';
import type { Variant } from './encoders/variant.ts';
import type { Framebuffer } from './framebuffer.ts';
import { Handshake, type RfbVersion } from './handshake.ts';
import {
  bell,
  desktopName,
  Encoding,
  MAX_CLIENT_MESSAGE,
  MAX_CUT_TEXT,
  parseClientMessage,
  rectHeader,
  serverCutText,
  serverInit,
  updateHeader,
  type ClientMessage,
} from './messages.ts';
import { SERVER_PIXEL_FORMAT, type PixelFormat } from './pixel-format.ts';
import { intersect, type Rect } from './rect.ts';
import { TILE_SIZE } from './tile-grid.ts';
import { pixelVariant, RAW_ONLY, viewerEncodings, type ViewerEncodings } from './viewer-encodings.ts';
import { ViewerTiles } from './viewer-tiles.ts';

/**
 * Largest payload of one rectangle, so that no single write is huge and backpressure is noticed promptly: a
 * rectangle never exceeds one tile, and a tile's payload (Raw at 32bpp, or Tight) stays within this.
 */
export const MAX_RECT_BYTES = TILE_SIZE * TILE_SIZE * 4;

/** Output written in one turn of the event loop before a session yields to the rest of the process. */
const PUMP_BYTES = 256 * 1024;

/** After a graceful end, how long a peer that never reads gets before the socket is destroyed. */
const END_GRACE_MS = 1000;

/** A promised rectangle that can no longer be sent (the screen was resized meanwhile) goes out as an empty one. */
const EMPTY_RECT = rectHeader({ x: 0, y: 0, w: 0, h: 0 }, Encoding.Raw);

/** Input messages handed to the display; everything else is protocol the session handles itself. */
export type InputMessage = Extract<
  ClientMessage,
  { type: 'key' | 'pointer' | 'cut-text' | 'xen-scancode' | 'qemu-key' }
>;

export interface SessionHost {
  readonly framebuffer: Framebuffer;
  /** The desktop name ServerInit announces (setDesktopName changes it later). */
  readonly name: string;
  readonly version: RfbVersion;
  /**
   * A ClientCutText longer than MAX_CUT_TEXT: skip its text and keep going (what VNC servers do), or end the session
   * as a protocol error (the default; nothing is read or kept either way).
   */
  readonly oversizedCutText?: 'skip' | 'close';
  /** Offer QEMU extended key events to viewers that list them (default true; vncterm, for one, does not). */
  readonly extendedKeyEvents?: boolean;
  /** Milliseconds, for measuring each viewer's pace (DrainMeter); `performance.now` unless given. */
  readonly clock?: () => number;
  /**
   * `paced` (default): an update carries what this viewer takes in about UPDATE_TARGET_MS, the gateway's choice for
   * its viewers. `whole`: every update carries all that changed, as a VNC server answers (the simulated pool's).
   */
  readonly updates?: 'paced' | 'whole';
  onReady(session: RfbSession, shared: boolean): void;
  onInput(message: InputMessage): void;
  /**
   * The client broke the protocol (or its handshake): `reason` is short, names what was wrong and holds nothing
   * secret. The session is closed right after; onClosed follows.
   */
  onProtocolError?(reason: string): void;
  onClosed(session: RfbSession): void;
}

/** One rectangle of a FramebufferUpdate: fixed bytes (pseudo-rectangles), a CopyRect, or a tile encoded when sent. */
type UpdatePart = { kind: 'fixed'; bytes: Buffer } | { kind: 'copy'; bytes: Buffer } | { kind: 'tile'; tile: number };

/** What an update in flight was started with: later SetPixelFormat, SetEncodings or resizes apply to the next one. */
interface UpdateContext {
  readonly generation: number;
  readonly area: Rect;
  readonly visible: Rect;
  readonly variant: Variant;
}

/**
 * One RFB connection: handshake, then client messages in and updates out. Updates are pulled: each
 * FramebufferUpdateRequest is answered with what this viewer lacks (ViewerTiles), most urgent first and as much as
 * the viewer takes in about UPDATE_TARGET_MS at its measured pace (DrainMeter; the rest goes in the next updates),
 * encoded once per screen and shared with every viewer that lacks the same (the framebuffer's EncodedCache). Output is produced only while the stream
 * accepts it (`write` returned true, or after 'drain'), one rectangle (at most one tile) per write, each encoded from
 * the screen as it is when written: a slow viewer gets fewer, newer pictures, and nothing waits in memory for it.
 */
export class RfbSession {
  private readonly handshake: Handshake;
  private phase: 'handshake' | 'normal' | 'closed' = 'handshake';
  private input: Buffer = Buffer.alloc(0);
  private skipBytes = 0;
  private name: string;

  private format: PixelFormat = SERVER_PIXEL_FORMAT;
  private encodings: ViewerEncodings = RAW_ONLY;
  private view: ViewerTiles | null = null;
  private unwatch: (() => void) | null = null;
  private clientSize = { w: 0, h: 0 };

  private request: { rect: Rect; mustReply: boolean } | null = null;
  private extKeyAckDue = false;
  private nameDue = false;
  private bellDue = false;
  private cutTextDue: string | null = null;
  private update: UpdatePart[] = [];
  private updateAt = 0;
  /** This viewer's pace, how much one update may carry: measured only when updates are paced. */
  private readonly meter: DrainMeter | undefined;
  private readonly now: () => number;
  private context: UpdateContext | null = null;

  private finished = false;
  private blocked = false;
  /** Bytes written in the current turn of the pump. */
  private written = 0;
  private scheduled: NodeJS.Immediate | null = null;
  private endTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly stream: Duplex,
    private readonly host: SessionHost,
  ) {
    this.handshake = new Handshake(host.version);
    this.now = host.clock ?? (() => performance.now());
    this.meter = host.updates === 'whole' ? undefined : new DrainMeter();
    this.name = host.name;
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

  /** Renames the desktop: in ServerInit if that is still to come, else in the next update (DesktopName viewers). */
  setDesktopName(name: string): void {
    this.name = name;
    if (this.phase !== 'normal') return;
    this.nameDue = true;
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
    this.unwatch?.();
    this.unwatch = null;
    this.view = null;
    this.update = [];
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    this.host.onClosed(this);
    return true;
  }

  /** The client broke the protocol: the host hears why, then the connection ends (after `last`, if given). */
  private fail(reason: string, last?: Buffer): void {
    if (this.finished) return;
    this.host.onProtocolError?.(reason);
    if (last) this.closeAfter(last);
    else this.close();
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
    // The parser waits for at most one bounded message; more than that unparsed would be a bug, not a client's right.
    if (this.input.length > MAX_CLIENT_MESSAGE) this.fail('message too long');
  }

  /** Returns the number of bytes consumed; 0 means wait for more input (or the session closed). */
  private handshakeStep(): number {
    const step = this.handshake.step(this.input);
    switch (step.kind) {
      case 'incomplete':
        return 0;
      case 'fail':
        this.fail(step.reason, step.reply);
        return 0;
      case 'progress':
        if (step.reply) this.write(step.reply);
        return step.consumed;
      case 'done': {
        const fb = this.host.framebuffer;
        this.phase = 'normal';
        this.clientSize = { w: fb.width, h: fb.height };
        this.view = new ViewerTiles(fb);
        this.unwatch = fb.watch(() => {
          if (this.request) this.schedule();
        });
        this.write(serverInit(fb.width, fb.height, SERVER_PIXEL_FORMAT, this.name));
        this.host.onReady(this, step.shared);
        return step.consumed;
      }
    }
  }

  private messageStep(): number {
    const parsed = parseClientMessage(this.input);
    if (parsed.kind === 'incomplete') return 0;
    if (parsed.kind === 'error') {
      this.fail(parsed.reason);
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
        this.encodings = viewerEncodings(m.encodings);
        if (this.encodings.extendedKeyEvent && this.host.extendedKeyEvents !== false) this.extKeyAckDue = true;
        this.schedule();
        return;
      case 'update-request': {
        this.meter?.answered(this.now());
        // The latest request wins, but a pending non-incremental one still has to be answered.
        const mustReply = !m.incremental || (this.request?.mustReply ?? false);
        if (!m.incremental) this.view?.forget(m.rect);
        this.request = { rect: m.rect, mustReply };
        this.schedule();
        return;
      }
      case 'cut-text-skipped':
        if (this.host.oversizedCutText !== 'skip') {
          return this.fail(`clipboard text of ${m.skip} bytes is over the limit of ${MAX_CUT_TEXT}`);
        }
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
    this.written += b.length;
    this.meter?.add(b.length);
    if (!this.stream.write(b)) this.blocked = true;
  }

  /**
   * Produces output until the stream pushes back or there is nothing left to say; after PUMP_BYTES it lets the event
   * loop run (the upstream, other viewers) and carries on in a later turn.
   */
  private pump(): void {
    this.written = 0;
    while (this.phase === 'normal' && !this.blocked) {
      if (this.written >= PUMP_BYTES) return this.schedule();
      if (this.updateAt < this.update.length) {
        this.writePart(this.update[this.updateAt++]!);
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

  /** Begins a FramebufferUpdate if a request is pending and there is something to send (or it must be answered). */
  private startUpdate(): boolean {
    const view = this.view;
    const request = this.request;
    if (!view || !request) return false;
    const fb = this.host.framebuffer;
    const enc = this.encodings;
    const parts: UpdatePart[] = [];
    let requested = request.rect;
    if (view.catchUp() && enc.desktopSize) {
      this.clientSize = { w: fb.width, h: fb.height };
      parts.push({ kind: 'fixed', bytes: rectHeader({ x: 0, y: 0, ...this.clientSize }, Encoding.DesktopSize) });
      // The request was for the old screen: the new one is sent whole.
      requested = fb.bounds;
    }
    if (this.extKeyAckDue) {
      this.extKeyAckDue = false;
      parts.push({ kind: 'fixed', bytes: rectHeader({ x: 0, y: 0, w: 0, h: 0 }, Encoding.QemuExtendedKeyEvent) });
    }
    if (this.nameDue) {
      this.nameDue = false;
      if (enc.desktopName) parts.push({ kind: 'fixed', bytes: desktopName(this.name) });
    }
    // A viewer that cannot be told of a resize keeps its size: nothing outside it is sent.
    const visible = intersect(fb.bounds, { x: 0, y: 0, ...this.clientSize });
    const area = visible && intersect(requested, visible);
    for (const op of view.copies(area, visible, enc.copyRect)) parts.push({ kind: 'copy', bytes: op.bytes });
    if (area) {
      const tiles = this.meter ? view.pick(area, this.meter.budget()) : view.staleTiles(area);
      for (const tile of tiles) parts.push({ kind: 'tile', tile });
    }
    if (parts.length === 0 && !request.mustReply) return false;
    this.request = null;
    this.meter?.begin(this.now());
    // rectCount is a u16; tiles left out stay stale for the next request.
    this.update = parts.slice(0, 0xffff);
    this.updateAt = 0;
    const variant = pixelVariant(this.encodings, this.format);
    this.context = visible && area ? { generation: fb.generation, area, visible, variant } : null;
    this.write(updateHeader(this.update.length));
    return true;
  }

  private writePart(part: UpdatePart): void {
    if (part.kind === 'fixed') return this.write(part.bytes);
    const ctx = this.context;
    const view = this.view;
    // Rectangles promised before a resize cannot be drawn on the new screen; the count still has to add up.
    if (!ctx || !view || ctx.generation !== this.host.framebuffer.generation) return this.write(EMPTY_RECT);
    if (part.kind === 'copy') return this.write(part.bytes);
    this.write(view.send(part.tile, ctx.area, ctx.visible, ctx.variant));
  }
}
