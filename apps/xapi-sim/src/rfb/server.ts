import type { Duplex } from 'node:stream';
import type { ConsoleBackend, InputEvent } from '../consoles/backend.ts';
import { type Framebuffer, type RfbVersion, RfbSession, type InputMessage } from '@xwc/rfb';

export interface RfbServerOptions {
  framebuffer: Framebuffer;
  /** Desktop name in ServerInit (UTF-8). */
  name: string;
  version: RfbVersion;
  /** Acknowledge QEMU extended key events (default true, as QEMU; vncterm does not, so its clients send keysyms). */
  extendedKeyEvents?: boolean;
  onInput(event: InputEvent): void;
}

/** The RFB console of one display: every connection shares its framebuffer; input goes to `onInput`. */
export class RfbServer implements ConsoleBackend {
  readonly protocol = 'rfb';
  private readonly sessions = new Set<RfbSession>();
  private closed = false;

  constructor(private readonly options: RfbServerOptions) {}

  /** Connections past the handshake or still in it. */
  get connectionCount(): number {
    return this.sessions.size;
  }

  serve(stream: Duplex): void {
    if (this.closed) {
      stream.destroy();
      return;
    }
    const { framebuffer, name, version, extendedKeyEvents, onInput } = this.options;
    const sessions = this.sessions;
    const session = new RfbSession(stream, {
      framebuffer,
      name,
      version,
      extendedKeyEvents,
      // Real VNC servers skip an oversized clipboard text rather than drop the client.
      oversizedCutText: 'skip',
      // and answer each request with all that changed: pacing viewers is the gateway's job, not the console's.
      updates: 'whole',
      onReady(ready, shared) {
        // ClientInit shared=0 asks for exclusive access (RFC 6143 §7.3.1).
        if (!shared) for (const other of [...sessions]) if (other !== ready) other.close();
      },
      onInput: (message) => onInput(toInputEvent(message)),
      onClosed: (s) => sessions.delete(s),
    });
    if (!session.closed) sessions.add(session);
  }

  bell(): void {
    for (const s of this.sessions) s.ringBell();
  }

  setClipboard(text: string): void {
    for (const s of this.sessions) s.sendCutText(text);
  }

  close(): void {
    this.closed = true;
    for (const s of [...this.sessions]) s.close();
  }
}

function toInputEvent(m: InputMessage): InputEvent {
  const at = Date.now();
  switch (m.type) {
    case 'key':
      return { type: 'key', down: m.down, keysym: m.keysym, at };
    case 'pointer':
      return { type: 'pointer', mask: m.mask, x: m.x, y: m.y, at };
    case 'cut-text':
      return { type: 'cut-text', text: m.text, at };
    case 'xen-scancode':
      return { type: 'scancode', down: m.down, scancode: m.scancode, at };
    case 'qemu-key':
      return { type: 'scancode', down: m.down, scancode: m.keycode, keysym: m.keysym, at };
  }
}
