import { once } from 'node:events';
import { createServer, type Server, type TLSSocket } from 'node:tls';

export type HostState = 'up' | 'down' | 'hang';

/**
 * One host's TLS listener on its own loopback address, with the failure modes a test needs: `down` refuses
 * connections (and drops open ones), `hang` accepts and reads but never answers.
 */
export class HostListener {
  #server: Server | undefined;
  #state: HostState = 'down';
  readonly #sockets = new Set<TLSSocket>();

  constructor(
    readonly address: string,
    private credentials: { key: string; cert: string },
    private readonly onConnection: (socket: TLSSocket, answering: () => boolean) => void,
  ) {}

  get state(): HostState {
    return this.#state;
  }

  /** Listens on `port` (0: any free one); resolves to the port. */
  async listen(port: number): Promise<number> {
    const server = createServer({ key: this.credentials.key, cert: this.credentials.cert }, (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      this.onConnection(socket, () => this.#state === 'up');
    });
    server.on('tlsClientError', () => {});
    server.listen(port, this.address);
    try {
      await once(server, 'listening');
    } catch (error) {
      server.close();
      throw error;
    }
    this.#server = server;
    this.#state = 'up';
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  /** Presents `credentials` from now on (a renewed certificate); like xapi, drops the connections made with the old one. */
  renew(credentials: { key: string; cert: string }): void {
    this.credentials = credentials;
    this.#server?.setSecureContext(credentials);
    this.#dropConnections();
  }

  /** Moves to `state`; coming back up rebinds the same port. Leaving `hang` drops the stalled connections. */
  async setState(state: HostState, port: number): Promise<void> {
    if (state === this.#state) return;
    const previous = this.#state;
    if (state === 'down') await this.close();
    else if (previous === 'down') await this.listen(port);
    else if (previous === 'hang') this.#dropConnections();
    this.#state = state;
  }

  #dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Stops listening and ends every connection, console streams included. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#state = 'down';
    this.#dropConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
