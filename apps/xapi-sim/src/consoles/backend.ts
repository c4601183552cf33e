import type { Duplex } from 'node:stream';

export type ConsoleProtocol = 'rfb' | 'vt100';

export type InputEvent =
  | { type: 'key'; down: boolean; keysym: number; at: number }
  | { type: 'scancode'; down: boolean; scancode: number; keysym?: number; at: number } // XenServer 254 or QEMU 255/0
  | { type: 'pointer'; mask: number; x: number; y: number; at: number }
  | { type: 'cut-text'; text: string; at: number };

/** Serves one console connection: the raw byte stream after CONNECT's 200, or unwrapped WebSocket payloads. */
export interface ConsoleBackend {
  readonly protocol: ConsoleProtocol;
  serve(stream: Duplex): void;
}

/** One running domain's screen. Survives between connections; replaced on every boot. */
export interface GuestDisplay {
  readonly rfb: ConsoleBackend;
  readonly vt100?: ConsoleBackend; // text consoles only
  readonly input: readonly InputEvent[]; // everything received, for tests
  onInput(listener: (event: InputEvent) => void): () => void;
  setClipboard(text: string): void; // server cut text to connected clients
  close(): void; // end all connections (halt, reboot, migrate away)
  showDisc?(disc: string): void; // desktops only: what the DVD drive now holds
}

export interface DisplayFactory {
  textConsole(opts: {
    kind: 'guest' | 'host';
    title: string;
    hostname: string;
    rfbVersion: '3.3' | '3.8';
  }): GuestDisplay;
  desktop(opts: {
    title: string;
    width?: number;
    height?: number;
    rfbVersion: '3.3' | '3.8';
    animate?: boolean;
    keymap?: string; // platform:keymap
    disc?: string; // the DVD drive's content: an ISO's name, `empty` or `none`
  }): GuestDisplay;
  relay(target: { host: string; port: number }): GuestDisplay; // a real VNC server (Xvnc, x11vnc, QEMU) behind the console
}
