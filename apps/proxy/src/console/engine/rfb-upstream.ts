import type { TLSSocket } from 'node:tls';
import { RfbClient, type Framebuffer, type InputMessage, type RfbClientEvent } from '@xwc/rfb';
import { ConsoleError } from '../close-codes.ts';
import type { Upstream, UpstreamEvents } from './upstream.ts';

/** The host broke the RFB protocol before the console started; `detail` says how (for the audit log, not viewers). */
export class UpstreamFault extends ConsoleError {
  constructor(readonly detail: string) {
    super('badScreen');
  }
}

export interface RfbUpstreamOptions {
  socket: TLSSocket;
  /** Console bytes that came with the tunnel's reply. */
  initial: Buffer;
  framebuffer: Framebuffer;
  events: UpstreamEvents;
  objectName: string;
  /** How long the RFB handshake may take once the tunnel is open. */
  handshakeTimeoutMs: number;
}

/**
 * The engine's connection to one console at the pool: the tunnel's socket driven by the RFB client, decoding into the
 * console's framebuffer. Resolves once the handshake is done (the screen's size and name are known); rejects with a
 * ConsoleError when the host refuses or breaks the protocol first.
 */
export function rfbUpstream(options: RfbUpstreamOptions): Promise<Upstream> {
  const { socket, framebuffer, events } = options;
  // RFB 3.3: the only handshake xapi's idle monitor follows, so the pool's console idle timeout still applies to a
  // shared console (with 3.7/3.8, as noVNC speaks, xapi stops watching the connection).
  const client = new RfbClient({ target: framebuffer, send: (bytes) => socket.write(bytes), version: '3.3' });
  return new Promise<Upstream>((resolve, reject) => {
    let ready = false;
    let ended = false;
    const end = (how: { kind: 'closed' } | { kind: 'protocol'; reason: string }): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      socket.destroy();
      // The caller takes the upstream over once this promise's callbacks have run: an end found in the same read
      // as the handshake's last bytes (a host sending garbage right behind ServerInit) must reach it after them.
      if (ready) setImmediate(() => events.ended(how));
      else
        reject(
          how.kind === 'protocol'
            ? new UpstreamFault(how.reason)
            : new ConsoleError('badUpstream', 'The host closed the console before it started.'),
        );
    };
    const timer = setTimeout(
      () => end({ kind: 'protocol', reason: 'no RFB handshake in time' }),
      options.handshakeTimeoutMs,
    );
    let name = '';
    const upstream: Upstream = {
      get name() {
        return name;
      },
      objectName: options.objectName,
      get extendedKeys() {
        return client.extendedKeys;
      },
      send: (input: InputMessage) => !ended && client.input(input),
      close: () => {
        ended = true;
        clearTimeout(timer);
        socket.destroy();
      },
    };
    const handle = (event: RfbClientEvent): void => {
      switch (event.type) {
        case 'ready':
          ready = true;
          clearTimeout(timer);
          name = event.init.name;
          resolve(upstream);
          return;
        case 'name':
          name = event.name;
          return events.name(event.name);
        case 'bell':
          return events.bell();
        case 'cut-text':
          return events.cutText(event.text);
        case 'update':
          return events.updated();
        case 'error':
          return end({ kind: 'protocol', reason: event.error.reason });
        default:
          return;
      }
    };
    const receive = (chunk: Buffer): void => {
      for (const event of client.receive(chunk)) handle(event);
    };
    socket.on('data', receive);
    socket.on('drain', () => events.drain());
    socket.on('end', () => end({ kind: 'closed' }));
    socket.on('error', () => end({ kind: 'closed' }));
    socket.on('close', () => end({ kind: 'closed' }));
    if (options.initial.length) receive(options.initial);
    socket.resume();
  });
}
