import type { Framebuffer, InputMessage } from '@xwc/rfb';
import type { UserSession } from '../../auth/sessions.ts';

/** What the pool's console tells the engine, besides drawing into the framebuffer. */
export interface UpstreamEvents {
  bell(): void;
  cutText(text: string): void;
  /** A screen update was applied to the framebuffer. */
  updated(): void;
  name(name: string): void;
  /** The socket can take input again after `send` returned false. */
  drain(): void;
  /** The console is gone: closed by the host, or it broke the protocol (`reason` says how, for the audit log). */
  ended(end: { kind: 'closed' } | { kind: 'protocol'; reason: string }): void;
}

/** One live connection to a console at the pool, decoding into the console's framebuffer. */
export interface Upstream {
  /** The desktop name from ServerInit. */
  readonly name: string;
  /** The VM's or host's name in the pool, for audit lines. */
  readonly objectName: string;
  /** The server acknowledged QEMU extended key events (physical key codes reach the guest). */
  readonly extendedKeys: boolean;
  /** Sends a viewer's input; false when the socket is congested (wait for `drain`). */
  send(input: InputMessage): boolean;
  close(): void;
}

export interface ConnectRequest {
  /** Whose XAPI session opens the connection (the pool counts it as theirs). */
  readonly session: UserSession;
  readonly framebuffer: Framebuffer;
  readonly events: UpstreamEvents;
  readonly signal: AbortSignal;
}

/** Resolves the console afresh, opens the tunnel and completes the RFB handshake; rejects with a ConsoleError. */
export type ConnectUpstream = (request: ConnectRequest) => Promise<Upstream>;
