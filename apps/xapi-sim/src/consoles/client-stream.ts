import { ClientMessageType } from '@xwc/rfb';

/** What one chunk of a console's client→server bytes held, as xapi's idle monitor judges it. */
export type ClientStreamScan =
  /** A KeyEvent, PointerEvent or QEMU client message was completed in this chunk. */
  | 'input'
  /** Nothing that counts as activity (handshake, update requests, encodings, cut text, partial messages). */
  | 'none'
  /** The stream is not one xapi's parser can follow; it stops watching this connection for good. */
  | 'lost';

/** ProtocolVersion and ClientInit: the only handshake xapi's parser knows is RFB 3.3 with no security reply. */
const HANDSHAKE = Buffer.from('RFB 003.003\n', 'latin1');
const HANDSHAKE_LENGTH = HANDSHAKE.length + 1;

/** Whole lengths of the fixed-size messages, and whether each counts as input (`Console_idle_monitor.is_active`). */
const FIXED: ReadonlyMap<number, { length: number; input: boolean }> = new Map([
  [ClientMessageType.SetPixelFormat, { length: 20, input: false }],
  [ClientMessageType.FramebufferUpdateRequest, { length: 10, input: false }],
  [ClientMessageType.KeyEvent, { length: 8, input: true }],
  [ClientMessageType.PointerEvent, { length: 6, input: true }],
  // Always 12 bytes whatever the submessage (xapi's parser does not look at it).
  [ClientMessageType.Qemu, { length: 12, input: true }],
]);

/** Headers of the variable-size messages: how many bytes to read, then how many body bytes follow. */
const VARIABLE: ReadonlyMap<number, { header: number; body: (header: Buffer) => number }> = new Map([
  [ClientMessageType.SetEncodings, { header: 4, body: (h: Buffer) => 4 * h.readUInt16BE(2) }],
  [ClientMessageType.ClientCutText, { header: 8, body: (h: Buffer) => h.readInt32BE(4) }],
]);

/**
 * Follows a console's client→server stream as xapi's `Rfb_client_msgtype_parser` does (xen-api HEAD
 * `ocaml/xapi/rfb_client_msgtype_parser.ml`): the RFB 3.3 handshake (`RFB 003.003\n` and a shared flag of 0 or 1),
 * then SetPixelFormat, SetEncodings, FramebufferUpdateRequest, KeyEvent, PointerEvent, ClientCutText and QEMU
 * messages. Anything else — a 3.7/3.8 handshake, XenCenter's scancode message 254, a negative cut-text length,
 * the raw text of a vt100 console once 13 bytes have come — loses the stream. Bodies are skipped, never buffered:
 * at most 13 bytes are held.
 */
export class ClientStream {
  #state: 'handshake' | 'messages' | 'lost' = 'handshake';
  /** Bytes of the handshake or of a message header gathered so far. */
  #head = Buffer.alloc(0);
  /** Body bytes of the current message still to skip. */
  #skip = 0;
  /** Whether the message being skipped counts as input once complete. */
  #input = false;

  feed(chunk: Buffer): ClientStreamScan {
    let input = false;
    let at = 0;
    while (at < chunk.length && this.#state !== 'lost') {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - at);
        this.#skip -= n;
        at += n;
        if (this.#skip === 0 && this.#input) input = true;
        continue;
      }
      at += this.#gather(chunk, at);
    }
    if (this.#state === 'lost') return 'lost';
    return input ? 'input' : 'none';
  }

  /** Takes bytes for the handshake or a message header and acts once it is whole; returns how many it took. */
  #gather(chunk: Buffer, at: number): number {
    const n = Math.min(this.#needed() - this.#head.length, chunk.length - at);
    this.#head = Buffer.concat([this.#head, chunk.subarray(at, at + n)]);
    // Re-read: once a type byte is in, a variable-size message needs its whole header.
    if (this.#head.length < this.#needed()) return n;
    const head = this.#head;
    this.#head = Buffer.alloc(0);
    if (this.#state === 'handshake') this.#handshake(head);
    else this.#message(head);
    return n;
  }

  #needed(): number {
    if (this.#state === 'handshake') return HANDSHAKE_LENGTH;
    if (this.#head.length === 0) return 1;
    return VARIABLE.get(this.#head[0]!)?.header ?? 1;
  }

  #handshake(head: Buffer): void {
    const flag = head[HANDSHAKE.length]!;
    const ok = head.subarray(0, HANDSHAKE.length).equals(HANDSHAKE) && (flag === 0 || flag === 1);
    this.#state = ok ? 'messages' : 'lost';
  }

  #message(head: Buffer): void {
    const type = head[0]!;
    const fixed = FIXED.get(type);
    if (fixed) return this.#body(fixed.length - 1, fixed.input);
    const variable = VARIABLE.get(type);
    if (!variable) return void (this.#state = 'lost');
    const length = variable.body(head);
    if (length < 0) return void (this.#state = 'lost');
    this.#body(length, false);
  }

  #body(length: number, input: boolean): void {
    this.#skip = length;
    this.#input = input;
  }
}
