import { Duplex } from 'node:stream';
import WebSocket from 'ws';

export interface ConsoleClose {
  code: number;
  reason: string;
}

/**
 * A browser-like console WebSocket for tests: RFB bytes (binary frames) in order, exact reads, the gateway's
 * presence and control notices (text frames) apart, the close code and reason.
 */
export class ConsoleClient {
  private buffered = Buffer.alloc(0);
  /** Every text frame received, parsed. */
  readonly notices: Record<string, unknown>[] = [];
  /** Binary frames received, empty ones included. */
  binaryFrames = 0;
  private waiters: (() => void)[] = [];
  readonly closed: Promise<ConsoleClose>;
  /** Set when the upgrade itself was refused. */
  refused?: { status: number; body: string };

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.binaryFrames++;
        this.buffered = Buffer.concat([this.buffered, data]);
      } else this.notices.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      this.notify();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.notify();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => this.notify());
  }

  static open(
    url: string,
    /** `ca`: the CA (PEM) that signed a `wss:` gateway's certificate. */
    options: { cookie?: string; origin?: string | null; protocols?: string[]; ca?: string } = {},
  ): Promise<ConsoleClient> {
    const headers: Record<string, string> = {};
    if (options.cookie) headers.cookie = options.cookie;
    if (options.origin) headers.origin = options.origin;
    const ws = new WebSocket(url, options.protocols ?? [], { headers, ...(options.ca ? { ca: options.ca } : {}) });
    const client = new ConsoleClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          client.refused = { status: res.statusCode ?? 0, body };
          resolve(client);
        });
      });
      ws.once('error', (error) => {
        if (!client.refused) reject(error);
      });
    });
  }

  get bytes(): Buffer {
    return this.buffered;
  }

  /** Exactly n bytes, waiting up to `timeoutMs`. */
  async read(n: number, timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffered.length < n) {
      if (this.ws.readyState === WebSocket.CLOSED) throw new Error(`closed with ${this.buffered.length}/${n} bytes`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${n} bytes (have ${this.buffered.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** Drops what has been received so far. */
  discard(): void {
    this.buffered = Buffer.alloc(0);
  }

  /** The first notice (received so far or within `timeoutMs`) that `match` accepts. */
  async notice(
    match: (notice: Record<string, unknown>) => boolean,
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; ;) {
      for (; seen < this.notices.length; seen++) if (match(this.notices[seen]!)) return this.notices[seen]!;
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) throw new Error('no matching console notice');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a presence/control command (a text frame). */
  command(command: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(command));
  }

  send(data: Buffer | number[]): void {
    this.ws.send(Buffer.isBuffer(data) ? data : Buffer.from(data), { binary: true });
  }

  /** Answers the RFB handshake (3.8, security None, shared) and returns the ServerInit's size and name. */
  async handshake(): Promise<{ banner: string; width: number; height: number; name: string; raw: Buffer }> {
    const bannerBytes = await this.read(12);
    const banner = bannerBytes.toString('latin1');
    const minor = banner === 'RFB 003.003\n' ? 3 : 8;
    this.send(Buffer.from(minor === 3 ? 'RFB 003.003\n' : 'RFB 003.008\n', 'latin1'));
    const parts = [bannerBytes];
    if (minor === 3) parts.push(await this.read(4));
    else {
      const count = await this.read(1);
      const types = await this.read(count[0]!);
      if (!types.includes(1)) throw new Error(`no None security type in [${[...types]}]`);
      this.send([1]);
      parts.push(count, types, await this.read(4));
    }
    this.send([1]);
    const init = await this.read(24);
    const name = await this.read(init.readUInt32BE(20));
    parts.push(init, name);
    return {
      banner,
      width: init.readUInt16BE(0),
      height: init.readUInt16BE(2),
      name: name.toString('utf8'),
      raw: Buffer.concat(parts),
    };
  }

  close(): void {
    this.ws.close(1000);
  }

  /**
   * The console's RFB bytes as a stream (binary frames only), for an RFB client; bytes already received come first.
   * Use either this or `read`, not both.
   */
  rfbStream(): Duplex {
    const stream = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _encoding, callback) => this.ws.send(chunk, { binary: true }, () => callback()),
      destroy: (_error, callback) => {
        this.ws.terminate();
        callback(null);
      },
    });
    if (this.buffered.length) stream.push(this.buffered);
    this.buffered = Buffer.alloc(0);
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) stream.push(data);
      this.buffered = Buffer.alloc(0);
    });
    this.ws.on('close', () => {
      stream.push(null);
      stream.emit('close');
    });
    return stream;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export const consoleUrl = (baseUrl: string, owner: 'vm' | 'host', uuid: string): string =>
  `${baseUrl.replace(/^http/, 'ws')}/api/consoles/${owner}/${uuid}`;
