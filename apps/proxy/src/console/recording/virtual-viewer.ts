import { Duplex } from 'node:stream';
import {
  Encoding,
  RfbSession,
  SERVER_PIXEL_FORMAT,
  setEncodings,
  setPixelFormat,
  updateRequest,
  type Framebuffer,
  type PixelFormat,
} from '@xwc/rfb';

/** noVNC's pixel format (32bpp, red in the lowest byte): the recorded stream is what noVNC itself would be sent. */
export const PLAYER_PIXEL_FORMAT: PixelFormat = { ...SERVER_PIXEL_FORMAT, redShift: 0, blueShift: 16 };

/**
 * What the recorder asks for: CopyRect and Tight at noVNC's compression level (2, zlib 6), so a recording costs one
 * more reader of the encodings live noVNC viewers already share (the framebuffer's encode cache).
 */
const ENCODINGS = [
  Encoding.CopyRect,
  Encoding.Tight,
  Encoding.Raw,
  Encoding.CompressLevel0 + 2,
  Encoding.DesktopSize,
  Encoding.DesktopName,
];

export interface VirtualViewerOptions {
  /** At most one update this often (ms). */
  readonly frameMs: number;
  /** A whole-screen update at least this often while the screen changes (ms), so playback can seek. */
  readonly keyframeMs: number;
  /**
   * …and once this many bytes were recorded since the last one: a seek replays at most about this much, however busy
   * the screen (on a screen redrawn whole, a keyframe costs no more than the update it replaces).
   */
  readonly keyframeBytes: number;
  /** One complete server message group: a FramebufferUpdate; `keyframe` when it is a whole, non-incremental one. */
  readonly onUpdate: (bytes: Buffer, keyframe: boolean) => void;
  /** The writer has a backlog: no update is asked for until `resume()`. */
  readonly busy: () => boolean;
  readonly onError: (reason: string) => void;
}

type Phase = 'version' | 'security' | 'result' | 'init' | 'normal' | 'closed';

/**
 * An RFB viewer with no socket: an `RfbSession` on the console's framebuffer over an in-memory stream, pulling
 * FramebufferUpdates as noVNC would and handing each complete update to the recorder. It relies on `RfbSession`
 * writing every update header and every rectangle as one write (session.ts): that is how it knows where updates end
 * without decoding them.
 */
export class VirtualViewer {
  private readonly stream: Duplex;
  private readonly session: RfbSession;
  private phase: Phase = 'version';
  private handshake = Buffer.alloc(0);
  /** Rectangles still to come in the update being read, and its parts so far. */
  private remaining = -1;
  private parts: Buffer[] = [];
  /** A request is out and its update has not ended; `keyframe` when it was a non-incremental one. */
  private outstanding: { keyframe: boolean } | undefined;
  private lastRequestAt = 0;
  private lastKeyframeAt = 0;
  private changedSinceKeyframe = false;
  private bytesSinceKeyframe = 0;
  private keyframeDue = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly framebuffer: Framebuffer,
    name: string,
    private readonly options: VirtualViewerOptions,
  ) {
    this.stream = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => {
        try {
          this.receive(chunk);
        } catch (error) {
          this.fail(error instanceof Error ? error.message : 'unexpected data');
        }
        callback();
      },
    });
    this.session = new RfbSession(this.stream, {
      framebuffer,
      name,
      version: '3.8',
      // A recording keeps every change it asks for: pieces paced for a viewer's link would only add frames.
      updates: 'whole',
      onReady: () => undefined,
      onInput: () => undefined,
      onClosed: () => this.fail('the recorder’s session ended'),
      onProtocolError: (reason) => this.fail(reason),
    });
  }

  /** Asks for a whole-screen update next (a re-attach: the screen may be new). */
  keyframe(): void {
    this.keyframeDue = true;
    this.changedSinceKeyframe = true;
    if (!this.outstanding || !this.outstanding.keyframe) this.schedule(0);
  }

  /** The writer caught up: ask for the next update if one is waiting. */
  resume(): void {
    if (!this.outstanding) this.schedule(0);
  }

  close(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearTimeout(this.timer);
    this.session.close();
  }

  private fail(reason: string): void {
    if (this.phase === 'closed') return;
    this.close();
    this.options.onError(reason);
  }

  /** Later, not now: the session may be writing to us from inside its own read loop, which must not be re-entered. */
  private send(bytes: Buffer): void {
    process.nextTick(() => this.phase !== 'closed' && this.stream.push(bytes));
  }

  private receive(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    if (this.phase !== 'normal') return this.handshakeStep(chunk);
    if (this.remaining < 0) {
      // A message starts: only FramebufferUpdate is ever sent to this session (no bells, no clipboard, no resize asks).
      if (chunk[0] !== 0 || chunk.length !== 4) throw new Error(`unexpected server message type ${chunk[0]}`);
      this.parts = [chunk];
      this.remaining = chunk.readUInt16BE(2);
    } else {
      this.parts.push(chunk);
      this.remaining--;
    }
    if (this.remaining === 0) this.updateDone();
  }

  private updateDone(): void {
    const keyframe = this.outstanding?.keyframe ?? false;
    const bytes = Buffer.concat(this.parts);
    this.parts = [];
    this.remaining = -1;
    this.outstanding = undefined;
    if (keyframe) {
      this.lastKeyframeAt = Date.now();
      this.changedSinceKeyframe = false;
      this.bytesSinceKeyframe = 0;
    } else if (bytes.length > 4) {
      this.changedSinceKeyframe = true;
      this.bytesSinceKeyframe += bytes.length;
    }
    this.options.onUpdate(bytes, keyframe);
    this.schedule(Math.max(0, this.lastRequestAt + this.options.frameMs - Date.now()));
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.request(), delay);
    this.timer.unref();
  }

  /** Sends the next request: whole-screen when a keyframe is due and the screen changed since the last one. */
  private request(): void {
    if (this.phase !== 'normal' || this.remaining >= 0) return;
    const now = Date.now();
    const { keyframeMs, keyframeBytes } = this.options;
    if (
      this.changedSinceKeyframe &&
      (now - this.lastKeyframeAt >= keyframeMs || this.bytesSinceKeyframe >= keyframeBytes)
    ) {
      this.keyframeDue = true;
    }
    if (this.outstanding && !this.keyframeDue) return;
    if (this.options.busy()) return;
    // An incremental request still waiting for a change is replaced by this one (the session keeps the latest).
    const keyframe = this.keyframeDue;
    this.keyframeDue = false;
    this.outstanding = { keyframe };
    this.lastRequestAt = now;
    this.send(updateRequest(!keyframe, this.framebuffer.bounds));
    // A still screen leaves the incremental request waiting; a keyframe may come due meanwhile.
    if (!keyframe) this.schedule(this.options.keyframeMs);
  }

  private handshakeStep(chunk: Buffer): void {
    this.handshake = Buffer.concat([this.handshake, chunk]);
    const take = (n: number): Buffer | undefined => {
      if (this.handshake.length < n) return undefined;
      const head = this.handshake.subarray(0, n);
      this.handshake = this.handshake.subarray(n);
      return head;
    };
    for (;;) {
      switch (this.phase) {
        case 'version':
          if (!take(12)) return;
          this.phase = 'security';
          this.send(Buffer.from('RFB 003.008\n'));
          continue;
        case 'security': {
          const count = this.handshake[0];
          if (count === undefined || !take(1 + count)) return;
          this.phase = 'result';
          this.send(Buffer.from([1]));
          continue;
        }
        case 'result': {
          const result = take(4);
          if (!result) return;
          if (result.readUInt32BE(0) !== 0) throw new Error('the recorder’s session was refused');
          this.phase = 'init';
          this.send(Buffer.from([1]));
          continue;
        }
        case 'init': {
          if (this.handshake.length < 24) return;
          if (!take(24 + this.handshake.readUInt32BE(20))) return;
          this.phase = 'normal';
          this.send(setPixelFormat(PLAYER_PIXEL_FORMAT));
          this.send(setEncodings(ENCODINGS));
          this.schedule(0);
          return;
        }
        default:
          return;
      }
    }
  }
}
