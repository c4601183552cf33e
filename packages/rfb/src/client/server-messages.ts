import type { DecodeTarget } from '../framebuffer.ts';
import { ServerMessageType } from '../messages.ts';
import type { Rect } from '../rect.ts';
import type { ByteQueue } from './byte-queue.ts';
import { CopyRectDecoder } from './decoders/copy-rect.ts';
import { RawDecoder } from './decoders/raw.ts';
import type { RectDecoder } from './decoders/rect-decoder.ts';
import { TightDecoder } from './decoders/tight.ts';
import { ZrleDecoder } from './decoders/zrle.ts';
import { ClientEncoding } from './encodings.ts';
import { CLIENT_LIMITS } from './limits.ts';
import { RfbProtocolError } from './protocol-error.ts';
import { checkScreenSize, readName, readScreens, type Screen } from './pseudo-rects.ts';

/** What the server said, besides the pixels drawn into the target. */
export type ServerEvent =
  /** A FramebufferUpdate was read and applied, all `rects` of it. */
  | { type: 'update'; rects: number }
  /** The screen changed size (the target was resized and cleared); `screens` is the layout when the server gave one. */
  | { type: 'resize'; width: number; height: number; screens: readonly Screen[] }
  | { type: 'name'; name: string }
  | { type: 'bell' }
  | { type: 'cut-text'; text: string }
  /** The server acknowledged QEMU extended key events: the client may send physical key codes. */
  | { type: 'extended-keys' };

type Emit = (event: ServerEvent) => void;

type ReaderState =
  | { at: 'message' }
  | { at: 'rect-header'; left: number; done: number }
  | { at: 'rect-body'; rect: Rect; encoding: number; left: number; done: number }
  | { at: 'cut-text'; length: number }
  /** Bytes read and dropped as they arrive: colour-map entries, an oversized cut text. */
  | { at: 'skip'; bytes: number };

const SetColourMapEntries = 1;
const HEADER_BYTES = {
  [ServerMessageType.FramebufferUpdate]: 4,
  [SetColourMapEntries]: 6,
  [ServerMessageType.Bell]: 1,
  [ServerMessageType.ServerCutText]: 8,
} as Record<number, number>;
const RECT_HEADER_BYTES = 12;
const COLOUR_MAP_ENTRY_BYTES = 6;

const ENCODING_NAMES = new Map<number, string>(Object.entries(ClientEncoding).map(([name, e]) => [e, name]));
const encodingName = (e: number) => ENCODING_NAMES.get(e) ?? `encoding ${e}`;

/**
 * Server-to-client messages after the handshake (RFC 6143 §7.6), read incrementally: input may stop anywhere, and
 * everything complete is applied before `read` returns. Rectangles are drawn into the target as they are decoded.
 */
export class ServerMessageReader {
  private state: ReaderState = { at: 'message' };
  private readonly decoders = new Map<number, RectDecoder>();
  private acknowledgedKeys = false;
  /** Rectangles received per encoding, over the connection (what the server chose to send). */
  readonly rectCounts = new Map<number, number>();

  constructor(
    private readonly target: DecodeTarget,
    /** What SetEncodings asked for: rectangles of anything else (but Raw, which every client takes) are refused. */
    private readonly requested: ReadonlySet<number>,
  ) {
    const decoders: [number, () => RectDecoder][] = [
      [ClientEncoding.Raw, () => new RawDecoder()],
      [ClientEncoding.CopyRect, () => new CopyRectDecoder()],
      [ClientEncoding.ZRLE, () => new ZrleDecoder()],
      [ClientEncoding.Tight, () => new TightDecoder()],
    ];
    for (const [e, make] of decoders) if (e === ClientEncoding.Raw || requested.has(e)) this.decoders.set(e, make());
  }

  /** True while a FramebufferUpdate has been started and not finished. */
  get inUpdate(): boolean {
    return this.state.at === 'rect-header' || this.state.at === 'rect-body';
  }

  /** Reads every complete message (and every complete part of a rectangle) in `input`. Throws RfbProtocolError. */
  read(input: ByteQueue, emit: Emit): void {
    // Each step consumes input or moves to a state that will; it returns false once input runs short.
    while (this.step(input, emit));
  }

  private step(input: ByteQueue, emit: Emit): boolean {
    const state = this.state;
    switch (state.at) {
      case 'message':
        return this.message(input, emit);
      case 'rect-header':
        return this.rectHeader(input, emit, state.left, state.done);
      case 'rect-body':
        if (!this.rectBody(input, emit, state.rect, state.encoding)) return false;
        this.state = { at: 'rect-header', left: state.left - 1, done: state.done + 1 };
        return true;
      case 'cut-text':
        if (input.length < state.length) return false;
        emit({ type: 'cut-text', text: input.take(state.length).toString('latin1') });
        this.state = { at: 'message' };
        return true;
      case 'skip': {
        const n = Math.min(state.bytes, input.length);
        input.skip(n);
        this.state = state.bytes === n ? { at: 'message' } : { at: 'skip', bytes: state.bytes - n };
        return n > 0 || state.bytes === 0;
      }
    }
  }

  private message(input: ByteQueue, emit: Emit): boolean {
    if (input.length < 1) return false;
    const type = input.peek(1)[0]!;
    const length = HEADER_BYTES[type];
    if (length === undefined) throw new RfbProtocolError(`server sent unknown message type ${type}`);
    if (input.length < length) return false;
    const header = input.take(length);
    switch (type) {
      case ServerMessageType.FramebufferUpdate:
        this.target.beginUpdate?.();
        this.state = { at: 'rect-header', left: header.readUInt16BE(2), done: 0 };
        return true;
      case SetColourMapEntries:
        // Only meaningful for colour-map formats; a server may send it before it has read our true-colour
        // SetPixelFormat, so it is read and dropped rather than refused.
        this.state = { at: 'skip', bytes: header.readUInt16BE(4) * COLOUR_MAP_ENTRY_BYTES };
        return true;
      case ServerMessageType.Bell:
        emit({ type: 'bell' });
        return true;
      default: {
        const textLength = header.readUInt32BE(4);
        // A negative length is the Extended Clipboard form, which this client never offers.
        if (textLength >= 0x80000000) throw new RfbProtocolError('server sent extended clipboard data unasked');
        // Too long to keep: dropped as it arrives, like an oversized ClientCutText at a server.
        this.state =
          textLength > CLIENT_LIMITS.maxCutText
            ? { at: 'skip', bytes: textLength }
            : { at: 'cut-text', length: textLength };
        return true;
      }
    }
  }

  private rectHeader(input: ByteQueue, emit: Emit, left: number, done: number): boolean {
    if (left === 0) return this.endUpdate(emit, done);
    if (input.length < RECT_HEADER_BYTES) return false;
    const h = input.take(RECT_HEADER_BYTES);
    const rect = { x: h.readUInt16BE(0), y: h.readUInt16BE(2), w: h.readUInt16BE(4), h: h.readUInt16BE(6) };
    const encoding = h.readInt32BE(8);
    if (encoding !== ClientEncoding.Raw && !this.requested.has(encoding)) {
      throw new RfbProtocolError(`server sent ${encodingName(encoding)}, which the client did not ask for`);
    }
    this.rectCounts.set(encoding, (this.rectCounts.get(encoding) ?? 0) + 1);
    const next = { at: 'rect-header', left: left - 1, done: done + 1 } as const;
    switch (encoding) {
      case ClientEncoding.LastRect:
        return this.endUpdate(emit, done);
      case ClientEncoding.DesktopSize:
        this.resize(rect.w, rect.h, [], emit);
        this.state = next;
        return true;
      case ClientEncoding.QemuExtendedKeyEvent:
        if (!this.acknowledgedKeys) emit({ type: 'extended-keys' });
        this.acknowledgedKeys = true;
        this.state = next;
        return true;
      case ClientEncoding.ExtendedDesktopSize:
      case ClientEncoding.DesktopName:
        break;
      default:
        if (rect.x + rect.w > this.target.width || rect.y + rect.h > this.target.height) {
          const { width, height } = this.target;
          throw new RfbProtocolError(
            `${encodingName(encoding)} rectangle ${rect.w}×${rect.h} at ${rect.x},${rect.y} is outside the ${width}×${height} screen`,
          );
        }
    }
    this.state = { at: 'rect-body', rect, encoding, left, done };
    return true;
  }

  /** Reads the rest of a rectangle; true once it is complete. */
  private rectBody(input: ByteQueue, emit: Emit, rect: Rect, encoding: number): boolean {
    if (encoding === ClientEncoding.ExtendedDesktopSize) {
      const screens = readScreens(input);
      if (!screens) return false;
      // y is the status: non-zero answers a failed SetDesktopSize (never sent by this client) and changes nothing.
      if (rect.y === 0) this.resize(rect.w, rect.h, screens, emit);
      return true;
    }
    if (encoding === ClientEncoding.DesktopName) {
      const name = readName(input);
      if (name === null) return false;
      emit({ type: 'name', name });
      return true;
    }
    return this.decoders.get(encoding)!.decode(input, rect, this.target);
  }

  private resize(width: number, height: number, screens: readonly Screen[], emit: Emit): void {
    checkScreenSize(width, height);
    if (width === this.target.width && height === this.target.height) return;
    this.target.resize(width, height);
    emit({ type: 'resize', width, height, screens });
  }

  private endUpdate(emit: Emit, rects: number): true {
    emit({ type: 'update', rects });
    this.state = { at: 'message' };
    return true;
  }
}
