import type { ConsoleKind } from '../navigation/routes.ts';
import { EarlyChannel } from './channel.ts';

/**
 * A console window opens its WebSocket as the page starts, before React, the session check and the console's code:
 * the gateway's console lookup and the host's CONNECT then overlap all of that. The console view takes the socket
 * over when it mounts (the early channel keeps whatever arrived meanwhile). Small on purpose: it is in the main chunk.
 */

/** The console WebSocket: same origin, path from the object kind and uuid only (never from the query string). */
export function consoleUrl(kind: ConsoleKind, uuid: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api/consoles/${kind}/${encodeURIComponent(uuid)}`;
}

export interface Preconnected {
  readonly socket: WebSocket;
  readonly channel: EarlyChannel;
}

const MAX_AGE_MS = 15_000;
let pending: (Preconnected & { url: string; at: number }) | undefined;

export function preconnect(kind: ConsoleKind, uuid: string): void {
  const url = consoleUrl(kind, uuid);
  performance.mark('xwc:console-socket');
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  pending = { url, socket, channel: new EarlyChannel(socket), at: performance.now() };
  // Not taken in time (the user was sent to log in first): let it go.
  setTimeout(() => {
    if (pending?.socket === socket) {
      pending = undefined;
      socket.close(1000);
    }
  }, MAX_AGE_MS);
}

/** The socket opened early for this URL, if it is still usable; each socket is handed out once. */
export function takePreconnected(url: string): Preconnected | undefined {
  const taken = pending;
  pending = undefined;
  if (!taken || taken.url !== url || taken.socket.readyState > WebSocket.OPEN) {
    if (taken && taken.socket.readyState <= WebSocket.OPEN) taken.socket.close(1000);
    return undefined;
  }
  return taken;
}
