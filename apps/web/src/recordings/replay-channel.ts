import type { IndexedKeyframe } from './api.ts';

/**
 * A WebSocket as noVNC sees one (`send`, `close`, `onmessage`…), playing a recording instead of a server: it answers
 * noVNC's handshake as an RFB 3.8 server with no security would, announcing the keyframe's screen, then delivers the
 * recorded server messages it is given. Everything noVNC sends after the handshake (pixel format, encodings, update
 * requests) is ignored: the recording was made in noVNC's own format.
 */
export class ReplayChannel {
  binaryType = 'arraybuffer';
  readonly protocol = '';
  readyState = 0;
  onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  private opened: (() => void) | null = null;
  private step = 0;
  /** Resolves once noVNC has the screen (ServerInit delivered). */
  readonly ready: Promise<void>;
  private resolveReady!: () => void;

  constructor(private readonly keyframe: IndexedKeyframe) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  get onopen(): (() => void) | null {
    return this.opened;
  }

  /** noVNC listens once it has attached to the channel: only then does the "server" speak. */
  set onopen(listener: (() => void) | null) {
    this.opened = listener;
    if (!listener || this.readyState !== 0) return;
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.opened?.();
      this.deliver(new TextEncoder().encode('RFB 003.008\n'));
    });
  }

  /** Answers noVNC's handshake; later, never from inside noVNC's own send (its reader must not be re-entered). */
  send(): void {
    const step = this.step++;
    setTimeout(() => {
      switch (step) {
        case 0: // ProtocolVersion: offer security type None
          return this.deliver(Uint8Array.of(1, 1));
        case 1: // the security type: SecurityResult OK
          return this.deliver(new Uint8Array(4));
        case 2: // ClientInit: ServerInit for the keyframe's screen
          this.deliver(serverInit(this.keyframe));
          return this.resolveReady();
        default:
          return;
      }
    });
  }

  close(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code: 1000, reason: '', wasClean: true });
  }

  /** Hands noVNC server bytes (a copy: noVNC keeps the buffer it is given). */
  deliver(bytes: Uint8Array): void {
    if (this.readyState !== 1) return;
    this.onmessage?.({ data: bytes.slice().buffer });
  }
}

function serverInit({ width, height, name }: IndexedKeyframe): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const out = new Uint8Array(24 + nameBytes.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, width);
  view.setUint16(2, height);
  // 32 bpp, depth 24, little-endian, true colour, 255/255/255, shifts 16/8/0 (noVNC sends its own format anyway).
  out.set([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0], 4);
  view.setUint32(20, nameBytes.length);
  out.set(nameBytes, 24);
  return out;
}
