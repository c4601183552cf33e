import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConsoleBackend, GuestDisplay, InputEvent } from '../consoles/backend.ts';

export interface RelayTarget {
  host: string;
  port: number;
}

/** Each connection is spliced to a fresh TCP connection to a real VNC server (Xvnc, x11vnc, QEMU). */
export class RelayBackend implements ConsoleBackend {
  readonly protocol = 'rfb';
  private readonly links = new Set<{ client: Duplex; server: Socket }>();
  private closed = false;

  constructor(private readonly target: RelayTarget) {}

  serve(client: Duplex): void {
    if (this.closed) {
      client.destroy();
      return;
    }
    // Keys are small writes: with Nagle each would wait for the server's delayed acknowledgement of the last (~40 ms).
    const server = connect({ host: this.target.host, port: this.target.port, noDelay: true });
    const link = { client, server };
    this.links.add(link);
    // Either side failing or closing ends both: a console is useless half-open. A clean end first flushes
    // what is still queued for the other side (a server's last words, e.g. a refusal reason).
    const destroy = () => {
      this.links.delete(link);
      client.destroy();
      server.destroy();
    };
    const finish = (other: Duplex) => () => {
      other.end();
      other.once('finish', destroy);
    };
    client.once('end', finish(server));
    server.once('end', finish(client));
    for (const s of [client, server]) {
      s.once('error', destroy);
      s.once('close', destroy);
    }
    forward(server, client);
    forward(client, server);
  }

  close(): void {
    this.closed = true;
    for (const { client, server } of [...this.links]) {
      client.destroy();
      server.destroy();
    }
  }
}

/** Copies bytes from `from` to `to`, pausing `from` while `to` is full. */
function forward(from: Duplex, to: Duplex): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
}

/** A display whose screen belongs to a real VNC server; nothing is recorded (the bytes are not parsed). */
export class RelayDisplay implements GuestDisplay {
  readonly rfb: RelayBackend;
  readonly vt100 = undefined;
  readonly input: readonly InputEvent[] = [];

  constructor(target: RelayTarget) {
    this.rfb = new RelayBackend(target);
  }

  onInput(): () => void {
    return () => undefined;
  }

  /** The real server owns its clipboard; there is no way to inject ServerCutText into its stream unparsed. */
  setClipboard(): void {}

  close(): void {
    this.rfb.close();
  }
}
