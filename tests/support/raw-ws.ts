import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * A WebSocket client that writes frames by hand, so tests can send what no well-behaved library
 * would: unmasked frames, reserved bits, lying lengths, fragment and ping floods.
 */
export class RawWebSocket {
  private buffered = Buffer.alloc(0);
  readonly closed: Promise<void>;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiters.splice(0).forEach((wake) => wake());
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    this.closed.then(() => this.waiters.splice(0).forEach((wake) => wake()));
  }

  /** Connects and completes the upgrade; rejects if the server does not answer 101. */
  static async open(baseUrl: string, path: string, headers: Record<string, string>): Promise<RawWebSocket> {
    const url = new URL(baseUrl);
    const socket = net.connect({ host: url.hostname, port: Number(url.port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const ws = new RawWebSocket(socket);
    const lines = [
      `GET ${path} HTTP/1.1`,
      `Host: ${url.host}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    const head = await ws.readUntil('\r\n\r\n');
    if (!head.startsWith('HTTP/1.1 101')) throw new Error(`upgrade refused: ${head.split('\r\n')[0]}`);
    return ws;
  }

  /** One frame: FIN, RSV bits, opcode, masked or not; `declaredLength` may lie about the payload. */
  frame(options: {
    opcode: number;
    payload?: Buffer;
    fin?: boolean;
    rsv?: number;
    mask?: boolean;
    declaredLength?: number;
  }): void {
    const payload = options.payload ?? Buffer.alloc(0);
    const length = options.declaredLength ?? payload.length;
    const first = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | options.opcode;
    const mask = options.mask ?? true;
    let header: Buffer;
    if (length < 126) header = Buffer.from([first, (mask ? 0x80 : 0) | length]);
    else if (length < 65536) {
      header = Buffer.alloc(4);
      header[0] = first;
      header[1] = (mask ? 0x80 : 0) | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = first;
      header[1] = (mask ? 0x80 : 0) | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    if (!mask) {
      this.socket.write(Buffer.concat([header, payload]));
      return;
    }
    const key = randomBytes(4);
    const masked = Buffer.from(payload);
    for (let i = 0; i < masked.length; i++) masked[i]! ^= key[i % 4]!;
    this.socket.write(Buffer.concat([header, key, masked]));
  }

  /** The close code of the server's close frame, if it sent one before the connection ended. */
  async closeCode(timeoutMs = 5000): Promise<number | undefined> {
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs));
    await Promise.race([this.closed, timer]);
    let at = 0;
    while (at + 2 <= this.buffered.length) {
      const opcode = this.buffered[at]! & 0x0f;
      let length = this.buffered[at + 1]! & 0x7f;
      let offset = at + 2;
      if (length === 126) {
        length = this.buffered.readUInt16BE(offset);
        offset += 2;
      } else if (length === 127) {
        length = Number(this.buffered.readBigUInt64BE(offset));
        offset += 8;
      }
      if (opcode === 8) return length >= 2 ? this.buffered.readUInt16BE(offset) : undefined;
      at = offset + length;
    }
    return undefined;
  }

  get bytes(): Buffer {
    return this.buffered;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private async readUntil(marker: string): Promise<string> {
    for (;;) {
      const end = this.buffered.indexOf(marker);
      if (end !== -1) {
        const head = this.buffered.subarray(0, end).toString('latin1');
        this.buffered = this.buffered.subarray(end + marker.length);
        return head;
      }
      if (this.socket.destroyed) throw new Error('closed during the upgrade');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
