import type { DecodeTarget } from '../framebuffer.ts';
import type { NegotiatedVersion } from '../handshake.ts';
import type { InputMessage } from '../session.ts';
import { ByteQueue } from './byte-queue.ts';
import { encodeInput, setEncodings, setPixelFormat, updateRequest } from './client-messages.ts';
import { CLIENT_PIXEL_FORMAT, checkEncodings, DEFAULT_ENCODINGS } from './encodings.ts';
import { ClientHandshake, type ServerInit } from './handshake.ts';
import { RfbProtocolError } from './protocol-error.ts';
import { ServerMessageReader, type ServerEvent } from './server-messages.ts';

export type RfbClientEvent =
  /** Handshake done; SetPixelFormat, SetEncodings and the first (full) update request have been sent. */
  | { type: 'ready'; version: NegotiatedVersion; init: ServerInit }
  | ServerEvent
  /** The server refused us or broke the protocol; the client reads nothing more. Close the connection. */
  | { type: 'error'; error: RfbProtocolError };

const NO_RECTS: ReadonlyMap<number, number> = new Map();

export type RfbClientState = 'handshake' | 'running' | 'failed';

export interface RfbClientOptions {
  /** Where the screen is decoded to (resized to the server's screen at ServerInit and on every desktop-size change). */
  readonly target: DecodeTarget;
  /** Writes bytes toward the server, in order; false when the transport is congested (as `socket.write`). */
  readonly send: (bytes: Buffer) => boolean;
  /** Encodings to ask for, in preference order (DEFAULT_ENCODINGS unless given; `[ClientEncoding.Raw]` for Raw only). */
  readonly encodings?: readonly number[];
  /** The newest protocol version to speak (3.8 unless given). */
  readonly version?: NegotiatedVersion;
}

/**
 * The RFB client toward a console's server: feed it what the socket reads (`receive`), write what it sends. It
 * completes the handshake, asks for CLIENT_PIXEL_FORMAT and the chosen encodings, decodes every update into the
 * target, and keeps one FramebufferUpdateRequest outstanding: the next one goes out as soon as an update has been
 * applied (incremental; a whole-screen one after a resize), so the server can never send faster than the client
 * decodes. `refresh` asks for the whole screen at once.
 */
export class RfbClient {
  private readonly pending = new ByteQueue();
  private readonly handshake: ClientHandshake;
  private readonly encodings: readonly number[];
  private reader: ServerMessageReader | null = null;
  private current: RfbClientState = 'handshake';
  private acknowledgedKeys = false;
  private fullNext = true;

  constructor(private readonly options: RfbClientOptions) {
    this.encodings = checkEncodings(options.encodings ?? DEFAULT_ENCODINGS);
    this.handshake = new ClientHandshake(options.version);
  }

  get state(): RfbClientState {
    return this.current;
  }

  /** The server acknowledged QEMU extended key events. */
  get extendedKeys(): boolean {
    return this.acknowledgedKeys;
  }

  /** Rectangles received per encoding since the connection opened: which encodings the server actually uses. */
  get rectCounts(): ReadonlyMap<number, number> {
    return this.reader?.rectCounts ?? NO_RECTS;
  }

  /** Bytes received and not yet parsed: at most one unfinished protocol unit, bounded by CLIENT_LIMITS. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Parses what arrived and returns what happened, in order. After an 'error' event further input is ignored. */
  receive(chunk: Buffer): RfbClientEvent[] {
    const events: RfbClientEvent[] = [];
    if (this.current === 'failed') return events;
    this.pending.push(chunk);
    try {
      if (this.current === 'handshake') this.shake(events);
      if (this.current === 'running') this.run(events);
    } catch (error) {
      if (!(error instanceof RfbProtocolError)) throw error;
      this.current = 'failed';
      this.pending.skip(this.pending.length);
      events.push({ type: 'error', error });
    }
    return events;
  }

  /**
   * Sends a viewer's input (see encodeInput); returns what `send` returned. Only after 'ready'; input after a
   * failure is dropped.
   */
  input(message: InputMessage): boolean {
    if (this.current === 'handshake') throw new Error('RFB input before the handshake completed');
    if (this.current === 'failed') return true;
    const bytes = encodeInput(message, this.acknowledgedKeys);
    return bytes ? this.options.send(bytes) : true;
  }

  /**
   * Asks for the whole screen now. Servers keep one pending region per client rather than a queue of requests, so
   * this joins the outstanding request instead of doubling the updates.
   */
  refresh(): void {
    if (this.current === 'running') this.options.send(updateRequest(false, this.screen()));
  }

  private shake(events: RfbClientEvent[]): void {
    // Each step consumes one handshake message or returns: at most six passes.
    for (;;) {
      const step = this.handshake.step(this.pending);
      if (step.kind === 'incomplete') return;
      if (step.kind === 'done') return this.start(step.init, events);
      if (step.reply) this.options.send(step.reply);
    }
  }

  private start(init: ServerInit, events: RfbClientEvent[]): void {
    const { target } = this.options;
    if (target.width !== init.width || target.height !== init.height) target.resize(init.width, init.height);
    this.reader = new ServerMessageReader(target, new Set(this.encodings));
    this.current = 'running';
    this.options.send(
      Buffer.concat([setPixelFormat(CLIENT_PIXEL_FORMAT), setEncodings(this.encodings), this.nextRequest()]),
    );
    events.push({ type: 'ready', version: this.handshake.version, init });
  }

  private run(events: RfbClientEvent[]): void {
    this.reader!.read(this.pending, (event) => {
      events.push(event);
      if (event.type === 'resize') this.fullNext = true;
      else if (event.type === 'extended-keys') this.acknowledgedKeys = true;
      // Each applied update answered one request: ask again at once, so one stays outstanding however input is cut.
      else if (event.type === 'update') this.options.send(this.nextRequest());
    });
  }

  private nextRequest(): Buffer {
    const incremental = !this.fullNext;
    this.fullNext = false;
    return updateRequest(incremental, this.screen());
  }

  private screen() {
    return { x: 0, y: 0, w: this.options.target.width, h: this.options.target.height };
  }
}
