import type net from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { openConsoleTls, type ConsoleTunnel } from '../lib/tls-console.ts';

/**
 * The minimal TLS→WebSocket console pipe, as Xen Orchestra's console proxy is built: per WebSocket, `tls.connect`
 * to the host, `CONNECT` with the session, then each TLS `data` chunk sent as one WebSocket message and each message
 * written to the socket. Nothing else (no login, no lookup, no limits); the one addition is backpressure toward the
 * host (paused while more than 1 MiB is unsent), without which a 1 GiB transfer would sit in this process's memory.
 * `--tunnel` is a JSON ConsoleTunnel. Prints {"url"} once listening.
 */
const { values } = parseArgs({ options: { tunnel: { type: 'string' } } });
const tunnel = JSON.parse(values.tunnel!) as ConsoleTunnel;
const HIGH = 1024 * 1024;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false });
wss.on('connection', (ws) => {
  openConsoleTls(tunnel).then(
    ({ socket, initial }) => {
      if (initial.length) ws.send(initial);
      const sent = (): void => {
        if (socket.isPaused() && ws.bufferedAmount < HIGH) socket.resume();
      };
      socket.on('data', (chunk: Buffer) => {
        ws.send(chunk, sent);
        if (ws.bufferedAmount >= HIGH) socket.pause();
      });
      socket.resume();
      ws.on('message', (data: Buffer) => socket.write(data));
      socket.once('close', () => ws.close());
      socket.once('error', () => ws.terminate());
      ws.once('close', () => socket.destroy());
    },
    () => ws.close(1011),
  );
});
wss.on('listening', () => {
  const { port } = wss.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `ws://127.0.0.1:${port}/` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
