import net from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { loadConfig } from '@xwc/proxy';
import { bridge } from '../../apps/proxy/src/console/bridge.ts';

/**
 * The product's bridge() alone, in its own process: a `ws` server (configured as the gateway's console service
 * configures its own) that joins each WebSocket to a plain TCP connection to the target, with the gateway's
 * default limits. This is the like-for-like peer of websockify: no login, no TLS, no XAPI.
 * Prints {"url"} once listening.
 */
const { values } = parseArgs({ options: { target: { type: 'string' } } });
const target = Number(values.target);
const { consoles } = loadConfig({});
const limits = { ...consoles, lowWaterMark: Math.floor(consoles.highWaterMark / 4) };

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  maxPayload: 1024 * 1024,
  perMessageDeflate: false,
  clientTracking: false,
  handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
});
wss.on('connection', (ws) => {
  const upstream = net.connect({ host: '127.0.0.1', port: target });
  upstream.setNoDelay(true);
  upstream.once('error', () => ws.close(1011));
  upstream.once('connect', () => {
    upstream.removeAllListeners('error');
    upstream.pause();
    bridge(ws, upstream, { limits });
  });
});
wss.on('listening', () => {
  const { port } = wss.address() as net.AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `ws://127.0.0.1:${port}/` })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
