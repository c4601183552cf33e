import net from 'node:net';

export interface ByteServer {
  port: number;
  /** Connections accepted so far, and how many are still open. */
  readonly accepted: number;
  readonly open: number;
  close(): Promise<void>;
}

async function serve(onSocket: (socket: net.Socket) => void): Promise<ByteServer> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Streams bytes as fast as the reader takes them (honouring backpressure itself), like a busy screen. `sent` counts
 * what its sockets accepted: how much the reader let it send.
 */
export async function floodServer(chunkBytes = 64 * 1024): Promise<ByteServer & { readonly sent: number }> {
  const chunk = Buffer.alloc(chunkBytes, 0x5a);
  let sent = 0;
  const server = await serve((socket) => {
    const pump = (): void => {
      while (!socket.destroyed) {
        sent += chunk.length;
        if (!socket.write(chunk)) break;
      }
    };
    socket.on('drain', pump);
    pump();
  });
  return Object.defineProperty(server, 'sent', { get: () => sent }) as ByteServer & { readonly sent: number };
}

/** Accepts and never reads: a host whose console server hung. */
export function stuckServer(): Promise<ByteServer> {
  return serve((socket) => socket.pause());
}

/** Records everything it receives. */
export async function recordingServer(): Promise<ByteServer & { readonly received: Buffer }> {
  const chunks: Buffer[] = [];
  const server = await serve((socket) => {
    socket.on('data', (chunk) => chunks.push(chunk));
  });
  return {
    port: server.port,
    get accepted() {
      return server.accepted;
    },
    get open() {
      return server.open;
    },
    get received() {
      return Buffer.concat(chunks);
    },
    close: () => server.close(),
  };
}
