import net from 'node:net';
import tls from 'node:tls';
import { hostCertificate, processAuthority } from '../../apps/xapi-sim/src/tls/certificates.ts';
import { issueServerCertificate } from '../../apps/xapi-sim/src/tls/x509.ts';

export type Reply = (socket: net.Socket, request: string) => void;

/**
 * A hostile or broken "pool host": a listener on a given loopback address and port that records
 * every connection and every byte, and answers a console request however the test wants.
 */
export interface FakeHost {
  readonly connections: number;
  readonly received: string;
  close(): Promise<void>;
}

export async function startFakeHost(options: {
  address: string;
  port: number;
  /**
   * `same`: TLS with the certificate the simulated host itself presents; `fresh`: a new one for the
   * address, signed by the same CA (a different key, so pins no longer match); none: plain TCP.
   */
  tls?: 'same' | 'fresh';
  reply?: Reply;
}): Promise<FakeHost> {
  let connections = 0;
  let received = '';
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket): void => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let head = '';
    let answered = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      head += chunk.toString('latin1');
      if (options.reply && !answered && head.includes('\r\n\r\n')) {
        answered = true;
        options.reply(socket, head);
      }
    });
  };
  let server: net.Server;
  if (options.tls) {
    const ca = await processAuthority();
    const cert =
      options.tls === 'same'
        ? hostCertificate(ca, options.address)
        : issueServerCertificate(ca.certPem, ca.keyPem, options.address);
    server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, onSocket);
  } else {
    server = net.createServer(onSocket);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.address, () => resolve());
  });
  return {
    get connections() {
      return connections;
    },
    get received() {
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
