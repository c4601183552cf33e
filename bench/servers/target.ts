import net from 'node:net';
import { PatternChecker, slice } from '../lib/pattern.ts';
import { BANNER, FRAME, frameHeader, KEY_BYTES, MODE, parseRequest, REQUEST_BYTES, RESULT_BYTES } from '../lib/wire.ts';

/**
 * The TCP server behind every proxy under test, in its own process: a source, a sink, a flood with in-band
 * key echoes, or a ticker, as the client's first 24 bytes ask (bench/lib/wire.ts). Loopback only.
 * Prints {"port"} once listening; stops on SIGTERM.
 */

const CHUNK = 256 * 1024;

function source(socket: net.Socket, count: number): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < count) {
      const n = Math.min(CHUNK, count - sent);
      const ok = socket.write(slice(sent, n));
      sent += n;
      if (!ok) return void socket.once('drain', pump);
    }
    socket.end();
  };
  pump();
}

function sink(socket: net.Socket, count: number, first: Buffer): void {
  const checker = new PatternChecker();
  const take = (chunk: Buffer): void => {
    checker.push(chunk);
    if (checker.offset < count) return;
    socket.off('data', take);
    const result = Buffer.alloc(RESULT_BYTES);
    result.writeBigUInt64BE(BigInt(checker.offset), 0);
    result[8] = checker.ok && checker.offset === count ? 1 : 0;
    socket.end(result);
  };
  socket.on('data', take);
  if (first.length) take(first);
}

function floodEcho(socket: net.Socket, frameBytes: number, first: Buffer): void {
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  const keys = (chunk: Buffer): void => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= KEY_BYTES) {
      // The echo joins the output queue behind what is already written, as a screen update answering a key would.
      socket.write(Buffer.concat([frameHeader(FRAME.key, KEY_BYTES), pending.subarray(0, KEY_BYTES)]));
      pending = pending.subarray(KEY_BYTES);
    }
  };
  socket.on('data', keys);
  if (first.length) keys(first);
  if (frameBytes === 0) return;
  const header = frameHeader(FRAME.fill, frameBytes);
  const pump = (): void => {
    while (!socket.destroyed) {
      socket.write(header);
      const ok = socket.write(slice(offset, frameBytes));
      offset += frameBytes;
      if (!ok) return void socket.once('drain', pump);
    }
  };
  pump();
}

function ticker(socket: net.Socket, count: number, bytes: number, everyMs: number): void {
  let sent = 0;
  const timer = setInterval(() => {
    socket.write(slice(sent * bytes, bytes));
    sent++;
    if (sent >= count) {
      clearInterval(timer);
      socket.end();
    }
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  // The server speaks first, as an RFB server does: a client sends nothing before it sees these 12 bytes.
  socket.write(BANNER);
  let head = Buffer.alloc(0);
  const onHead = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    if (head.length < REQUEST_BYTES) return;
    socket.off('data', onHead);
    const req = parseRequest(head);
    const rest = head.subarray(REQUEST_BYTES);
    if (!req) return void socket.destroy();
    switch (req.mode) {
      case MODE.source:
        return source(socket, req.count);
      case MODE.sink:
        return sink(socket, req.count, rest);
      case MODE.floodEcho:
        return floodEcho(socket, req.a, rest);
      case MODE.ticker:
        return ticker(socket, req.count, req.a, req.b);
      default:
        socket.destroy();
    }
  };
  socket.on('data', onHead);
});
server.maxConnections = 5000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
