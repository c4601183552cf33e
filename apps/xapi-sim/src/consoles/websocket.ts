import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RequestHead } from '../http/request.ts';
import { HTTP_501_NOT_IMPLEMENTED, HTTP_503_UNAVAILABLE } from '../http/responses.ts';
import { resolveConsole, type ConsoleDeps } from './access.ts';
import { duplexPair } from './duplex-pair.ts';

/** wsproxy reads its backend in blocks of 1024 bytes and sends each as one binary frame. */
const FRAME_PAYLOAD = 1024;
/** Above this much unsent WebSocket data the console side pauses, so a slow browser cannot grow memory. */
const HIGH_WATER = 1 << 20;
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/**
 * The RFC 6455 framing comes from `ws`; the handshake is xapi's (`Ws_helpers.upgrade`): whatever the client
 * asked for, the reply names subprotocol `binary`, and only a missing or malformed key fails the upgrade.
 */
const upgrader = new WebSocketServer({
  noServer: true,
  clientTracking: false,
  perMessageDeflate: false,
  autoPong: false,
  skipUTF8Validation: true,
  maxPayload: 16 << 20,
  handleProtocols: () => 'binary',
});

/**
 * `GET /console?...` with a WebSocket upgrade (`Console.ws_proxy` and wsproxy): the access checks, then
 * 503 for every request while `pool.limit_console_sessions` is on, 501 when the upgrade cannot be made,
 * else 101 and the console's bytes as binary frames; client frames of any opcode but close are forwarded.
 */
export async function consoleWebSocket(
  deps: ConsoleDeps,
  host: string,
  req: RequestHead,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const access = await resolveConsole(deps, host, req, 'connect_console_ws');
  if (!access.ok) return void socket.end(access.reply);
  const pool = deps.db.refs('pool')[0]!;
  if (deps.db.get('pool', pool)?.limit_console_sessions === true) return void socket.end(HTTP_503_UNAVAILABLE);
  const key = req.headers.get('sec-websocket-key');
  // Hixie-76 (Sec-WebSocket-Key1) is long gone from browsers; the simulator answers it as a failed upgrade.
  if (!key || !KEY.test(key) || req.headers.has('sec-websocket-key1')) {
    return void socket.end(HTTP_501_NOT_IMPLEMENTED);
  }
  const handshake = {
    method: 'GET',
    headers: {
      upgrade: 'websocket',
      'sec-websocket-key': key,
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'binary',
    },
  } as unknown as IncomingMessage;
  upgrader.handleUpgrade(handshake, socket as Socket, head, (ws) => {
    bridge(ws, socket, access.backend.serve.bind(access.backend));
    socket.resume();
  });
}

function bridge(ws: WebSocket, socket: Duplex, serve: (stream: Duplex) => void): void {
  const [console, backend] = duplexPair();
  console.on('data', (chunk: Buffer) => {
    for (let at = 0; at < chunk.length; at += FRAME_PAYLOAD) {
      ws.send(chunk.subarray(at, at + FRAME_PAYLOAD), { binary: true });
    }
    if (socket.writableLength > HIGH_WATER) console.pause();
  });
  socket.on('drain', () => console.resume());
  const forward = (data: Buffer): void => {
    if (data.length && !console.write(data)) ws.pause();
  };
  console.on('drain', () => ws.resume());
  ws.on('message', (data: Buffer) => forward(data));
  ws.on('ping', forward);
  ws.on('pong', forward);
  ws.on('close', () => console.destroy());
  ws.on('error', () => console.destroy());
  console.on('close', () => ws.close());
  serve(backend);
}
