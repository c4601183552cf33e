import fs from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { socketConn, type Conn, type Endpoint } from './conn.ts';

/**
 * A VM's console as XAPI hands it out (the location of its RFB console and a session to open it with), and the raw
 * TLS reader of it: the TLS peers of the whole gateway read the same stream through the same simulated pool relay.
 */

export interface ConsoleTunnel {
  readonly host: string;
  readonly port: number;
  /** `/console?uuid=…` */
  readonly pathAndQuery: string;
  readonly session: string;
}

async function rpc<T>(master: URL, ca: Buffer, method: string, params: unknown[]): Promise<T> {
  const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 });
  const text = await new Promise<string>((resolve, reject) => {
    const req = https.request(
      { host: master.hostname, port: master.port, path: '/jsonrpc', method: 'POST', ca },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      },
    );
    req.setHeader('content-type', 'application/json');
    req.on('error', reject);
    req.end(body);
  });
  const reply = JSON.parse(text) as { result?: T; error?: unknown };
  if (reply.error !== undefined) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
  return reply.result as T;
}

/** Logs in to the pool as root and finds the RFB console of the VM named `vm`. */
export async function consoleTunnel(masterUrl: string, caFile: string, vm: string): Promise<ConsoleTunnel> {
  const master = new URL(masterUrl);
  const ca = fs.readFileSync(caFile);
  const session = await rpc<string>(master, ca, 'session.login_with_password', ['root', 'xenroot', '1.0', 'bench']);
  const [ref] = await rpc<string[]>(master, ca, 'VM.get_by_name_label', [session, vm]);
  if (!ref) throw new Error(`no VM named ${vm}`);
  const consoles = await rpc<string[]>(master, ca, 'VM.get_consoles', [session, ref]);
  for (const c of consoles) {
    const record = await rpc<{ protocol: string; location: string }>(master, ca, 'console.get_record', [session, c]);
    if (record.protocol !== 'rfb') continue;
    const url = new URL(record.location);
    return { host: url.hostname, port: Number(url.port || 443), pathAndQuery: url.pathname + url.search, session };
  }
  throw new Error(`${vm} has no RFB console`);
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * TLS to the host, `CONNECT` with the session cookie, the HTTP reply skipped: what follows is the console stream.
 * Resolves with the socket and the stream's bytes that came with the reply. No certificate check: a peer as minimal
 * as Xen Orchestra's console proxy (the gateway does check, which costs nothing per byte).
 */
export function openConsoleTls(t: ConsoleTunnel): Promise<{ socket: tls.TLSSocket; initial: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: t.host, port: t.port, rejectUnauthorized: false }, () => {
      socket.setNoDelay(true);
      socket.write(`CONNECT ${t.pathAndQuery} HTTP/1.0\r\nHost: ${t.host}\r\nCookie: session_id=${t.session}\r\n\r\n`);
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEADER_END);
      if (end < 0) {
        if (head.length > 8192) reject(new Error('console reply header too long'));
        return;
      }
      socket.off('data', onData);
      socket.pause();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1', 0, 16))?.[1];
      if (status !== '200') {
        socket.destroy();
        reject(new Error(`CONNECT answered ${status ?? 'garbage'}`));
        return;
      }
      resolve({ socket, initial: head.subarray(end + HEADER_END.length) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** The raw TLS limit: the measuring client reads the console stream itself, no WebSocket and no proxy process. */
export function tlsEndpoint(tunnel: ConsoleTunnel): Endpoint {
  return {
    name: 'raw TLS',
    connect: async () => {
      const { socket, initial } = await openConsoleTls(tunnel);
      return new Promise<Conn>((resolve, reject) => socketConn(socket, initial, resolve, reject));
    },
  };
}
