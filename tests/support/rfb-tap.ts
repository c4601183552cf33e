import net from 'node:net';

/** A client-to-server RFB message as a tap or a test server read it (the setup messages only by type). */
export type TappedMessage =
  | { type: 'key'; down: boolean; keysym: number }
  | { type: 'qemu-key'; down: boolean; keysym: number; keycode: number }
  | { type: 'pointer'; mask: number; x: number; y: number }
  | { type: 'cut-text'; length: number }
  | { type: 'update-request' | 'set-pixel-format' | 'set-encodings' | 'xen-scancode' }
  /** Not a message this reader knows: it reads nothing more of that connection. */
  | { type: 'unknown'; first: number };

/**
 * Reads what an RFB client sends, independently of the gateway's own parser: the handshake (3.3, or 3.7/3.8 with one
 * security type byte), ClientInit, then each message.
 */
export class ClientMessageReader {
  private buffered = Buffer.alloc(0);
  private stage: 'version' | 'security' | 'init' | 'messages' | 'lost' = 'version';

  /** Feeds bytes; returns the messages completed by them. */
  push(chunk: Buffer): TappedMessage[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const out: TappedMessage[] = [];
    for (let i = 0; i < 100_000; i++) {
      const length = this.nextLength();
      if (length === undefined || this.buffered.length < length) return out;
      const bytes = this.buffered.subarray(0, length);
      this.buffered = this.buffered.subarray(length);
      const message = this.consume(bytes);
      if (message) out.push(message);
    }
    return out;
  }

  private nextLength(): number | undefined {
    const b = this.buffered;
    switch (this.stage) {
      case 'version':
        return 12;
      case 'security':
      case 'init':
        return 1;
      case 'lost':
        return undefined;
      case 'messages':
        if (b.length < 1) return undefined;
        switch (b[0]) {
          case 0:
            return 20;
          case 2:
            return b.length < 4 ? undefined : 4 + 4 * b.readUInt16BE(2);
          case 3:
            return 10;
          case 4:
          case 254:
            return 8;
          case 5:
            return 6;
          case 6:
            return b.length < 8 ? undefined : 8 + b.readUInt32BE(4);
          case 255:
            return b.length < 2 ? undefined : b[1] === 0 ? 12 : 1;
          default:
            return 1;
        }
    }
  }

  private consume(b: Buffer): TappedMessage | undefined {
    switch (this.stage) {
      case 'version':
        this.stage = b.toString('latin1') === 'RFB 003.003\n' ? 'init' : 'security';
        return undefined;
      case 'security':
        this.stage = 'init';
        return undefined;
      case 'init':
        this.stage = 'messages';
        return undefined;
      default:
        break;
    }
    switch (b[0]) {
      case 0:
        return { type: 'set-pixel-format' };
      case 2:
        return { type: 'set-encodings' };
      case 3:
        return { type: 'update-request' };
      case 4:
        return { type: 'key', down: b[1] !== 0, keysym: b.readUInt32BE(4) };
      case 5:
        return { type: 'pointer', mask: b[1]!, x: b.readUInt16BE(2), y: b.readUInt16BE(4) };
      case 6:
        return { type: 'cut-text', length: b.length - 8 };
      case 254:
        return { type: 'xen-scancode' };
      case 255:
        if (b.length === 12) {
          return {
            type: 'qemu-key',
            down: b.readUInt16BE(2) !== 0,
            keysym: b.readUInt32BE(4),
            keycode: b.readUInt32BE(8),
          };
        }
    }
    this.stage = 'lost';
    return { type: 'unknown', first: b[0]! };
  }
}

export interface RfbTap {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Every message clients sent through the tap, with the number (from 1) of the connection it came on. */
  readonly messages: readonly (TappedMessage & { connection: number })[];
  close(): Promise<void>;
}

/**
 * A loopback relay in front of a VNC server that counts connections and reads what clients send: how a test sees,
 * from outside the gateway, how many connections reached the server and which input got through.
 */
export async function startRfbTap(target: { host: string; port: number }): Promise<RfbTap> {
  let accepted = 0;
  const messages: (TappedMessage & { connection: number })[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const connection = ++accepted;
    const upstream = net.connect(target);
    const reader = new ClientMessageReader();
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      for (const message of reader.push(chunk)) messages.push({ ...message, connection });
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
