import net from 'node:net';
import { ClientMessageReader } from './rfb-tap.ts';

/** One client of the hostile server, handed to the test once it has sent ClientInit. */
export interface HostileClient {
  /** Sends ServerInit with `extra` in the same write (for a held client; the others got ServerInit at once). */
  init(extra?: Buffer): void;
  /** Resolves when the client has asked for its first update. */
  readonly requested: Promise<void>;
  /** Writes raw bytes to the client (the malformed message). */
  send(bytes: Buffer): void;
  /** Resolves when the connection is closed. */
  readonly closed: Promise<void>;
}

export interface HostileVnc {
  port: number;
  /**
   * The next client to connect after this call, once it has sent ClientInit. With `hold`, its ServerInit waits for
   * `init`. Clients nobody waits for are served ServerInit and left alone.
   */
  nextClient(hold?: boolean): Promise<HostileClient>;
  close(): Promise<void>;
}

export const HOSTILE_SCREEN = { width: 640, height: 480 };

/** ServerInit: the screen's size, 32bpp depth 24 little-endian true colour, the name "hostile". */
function serverInit(): Buffer {
  const name = Buffer.from('hostile');
  const b = Buffer.alloc(24 + name.length);
  b.writeUInt16BE(HOSTILE_SCREEN.width, 0);
  b.writeUInt16BE(HOSTILE_SCREEN.height, 2);
  Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0]).copy(b, 4);
  b.writeUInt32BE(name.length, 20);
  name.copy(b, 24);
  return b;
}

/**
 * A VNC server on loopback that completes the handshake as a real one would (RFB 3.8 offered, 3.3 accepted,
 * security None) and then does whatever the test says: the console of a hostile or broken host.
 */
export async function startHostileVnc(): Promise<HostileVnc> {
  const sockets = new Set<net.Socket>();
  const waiting: { hold: boolean; resolve: (client: HostileClient) => void }[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    void closed.then(() => sockets.delete(socket));
    let requested!: () => void;
    const client: HostileClient = {
      init: (extra) => socket.write(extra ? Buffer.concat([serverInit(), extra]) : serverInit()),
      requested: new Promise<void>((resolve) => (requested = resolve)),
      send: (bytes) => socket.write(bytes),
      closed,
    };
    const reader = new ClientMessageReader();
    let stage: 'version' | 'security' | 'init' | 'running' = 'version';
    let pending = Buffer.alloc(0);
    socket.write('RFB 003.008\n');
    socket.on('data', (chunk: Buffer) => {
      // The reader follows the whole conversation; the handshake's replies are decided from the same bytes.
      if (reader.push(chunk).some((m) => m.type === 'update-request')) requested();
      if (stage === 'running') return;
      pending = Buffer.concat([pending, chunk]);
      if (stage === 'version' && pending.length >= 12) {
        const v33 = pending.subarray(0, 12).toString('latin1') === 'RFB 003.003\n';
        pending = pending.subarray(12);
        socket.write(Buffer.from(v33 ? [0, 0, 0, 1] : [1, 1]));
        stage = v33 ? 'init' : 'security';
      }
      if (stage === 'security' && pending.length >= 1) {
        pending = pending.subarray(1);
        socket.write(Buffer.from([0, 0, 0, 0]));
        stage = 'init';
      }
      if (stage === 'init' && pending.length >= 1) {
        stage = 'running';
        const waiter = waiting.shift();
        if (!waiter?.hold) client.init();
        waiter?.resolve(client);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    nextClient: (hold = false) => new Promise((resolve) => waiting.push({ hold, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
