import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDisplayFactory } from '../src/rfb/index.ts';
import { ENC_RAW, listen, RfbTestClient, until } from './rfb-client.ts';

const factory = createDisplayFactory();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Starts Xvnc on the first free display from a pid-derived offset (bounded tries); returns its RFB port. */
async function startXvnc(): Promise<{ child: ChildProcess; port: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const display = 20 + ((process.pid + attempt * 7) % 70);
    const port = 5900 + display;
    if (existsSync(`/tmp/.X${display}-lock`) || existsSync(`/tmp/.X11-unix/X${display}`)) continue;
    if (!(await portIsFree(port))) continue;
    const args = [
      `:${display}`,
      '-geometry',
      '800x600',
      '-SecurityTypes',
      'None',
      '-localhost',
      '-rfbport',
      String(port),
    ];
    const child = spawn('/usr/bin/Xvnc', [...args, '-nolisten', 'tcp'], { stdio: 'ignore' });
    let exited = false;
    child.once('exit', () => (exited = true));
    for (let i = 0; i < 200 && !exited; i++) {
      if (await canConnect(port)) return { child, port };
      await new Promise((r) => setTimeout(r, 25));
    }
    if (!exited) child.kill('SIGKILL');
  }
  throw new Error('could not start Xvnc');
}

/** Reads the server's side of a None handshake as raw bytes: banner, security list, SecurityResult, ServerInit. */
async function handshakeBytes(c: RfbTestClient): Promise<{ banner: string; serverInit: Buffer }> {
  const banner = (await c.read(12)).toString('latin1');
  c.send(Buffer.from('RFB 003.008\n'));
  const count = (await c.read(1))[0]!;
  expect([...(await c.read(count))]).toContain(1);
  c.send([1]);
  expect((await c.read(4)).readUInt32BE(0)).toBe(0);
  c.send([1]);
  const head = await c.read(24);
  return { banner, serverInit: Buffer.concat([head, await c.read(head.readUInt32BE(20))]) };
}

describe('relay to a real Xvnc', () => {
  let xvnc: { child: ChildProcess; port: number };
  beforeAll(async () => {
    xvnc = await startXvnc();
  });
  afterAll(async () => {
    if (!xvnc || xvnc.child.exitCode !== null) return;
    const exited = new Promise((resolve) => xvnc.child.once('exit', resolve));
    process.kill(xvnc.child.pid!, 'SIGTERM');
    await exited;
  });

  async function viaRelay() {
    const display = factory.relay({ host: '127.0.0.1', port: xvnc.port });
    const l = await listen(display.rfb);
    cleanups.push(() => display.close(), l.stop);
    const c = await RfbTestClient.connect(l.port);
    cleanups.push(() => c.close());
    return { display, client: c, listener: l };
  }

  it('passes the banner and ServerInit through byte for byte', async () => {
    const direct = await RfbTestClient.connect(xvnc.port);
    cleanups.push(() => direct.close());
    const expected = await handshakeBytes(direct);
    const { client } = await viaRelay();
    const relayed = await handshakeBytes(client);
    expect(relayed.banner).toBe('RFB 003.008\n');
    expect(relayed).toEqual(expected);
    expect([relayed.serverInit.readUInt16BE(0), relayed.serverInit.readUInt16BE(2)]).toEqual([800, 600]);
  });

  it('carries a whole session: handshake, SetEncodings, a full Raw update, input', async () => {
    const { client, display } = await viaRelay();
    const init = await client.handshake('3.8');
    expect([init.width, init.height]).toEqual([800, 600]);
    client.setEncodings([ENC_RAW]);
    const rects = await client.update(false);
    expect(rects.reduce((n, r) => n + r.w * r.h, 0)).toBeGreaterThanOrEqual(800 * 600);
    client.key(0x61, true);
    client.key(0x61, false);
    client.pointer(1, 10, 10);
    client.pointer(0, 10, 10);
    // The server still answers after the input, so the input arrived as well-formed RFB.
    client.requestUpdate(false, { x: 0, y: 0, w: 16, h: 16 });
    expect((await client.readUpdate()).length).toBeGreaterThan(0);
    expect(display.input).toEqual([]);
  });

  it('close() ends the relayed connections', async () => {
    const { client, display } = await viaRelay();
    await client.handshake('3.8');
    display.close();
    await client.closed;
    expect(await canConnect(xvnc.port)).toBe(true);
  });
});

/** A loopback TCP server with a per-connection behaviour. */
async function target(onSocket: (s: Socket) => void): Promise<{ port: number; sockets: Socket[]; server: Server }> {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as { port: number }).port, sockets, server };
}

async function relayTo(port: number) {
  const display = factory.relay({ host: '127.0.0.1', port });
  const l = await listen(display.rfb);
  cleanups.push(() => display.close(), l.stop);
  const client = connect({ host: '127.0.0.1', port: l.port });
  client.on('error', () => undefined);
  await new Promise((r) => client.once('connect', r));
  cleanups.push(() => {
    client.destroy();
  });
  const closed = new Promise<void>((r) => client.once('close', () => r()));
  return { display, client, closed, listener: l };
}

describe('relay byte handling', () => {
  it('passes arbitrary bytes unchanged in both directions', async () => {
    const echo = await target((s) => s.pipe(s));
    const { client, display } = await relayTo(echo.port);
    const payload = randomBytes(4 * 1024 * 1024);
    const received: Buffer[] = [];
    let length = 0;
    client.on('data', (b: Buffer) => {
      received.push(b);
      length += b.length;
    });
    client.write(payload);
    await until(() => length >= payload.length, 'the echo');
    expect(Buffer.concat(received).equals(payload)).toBe(true);
    expect(display.input).toEqual([]);
  });

  it('does not buffer without bound for a client that stops reading', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x5a);
    let blocked = false;
    const firehose = await target((s) => {
      const pump = () => {
        while (s.writable && s.write(chunk));
        blocked = true;
      };
      s.on('drain', pump);
      pump();
    });
    const { client, listener } = await relayTo(firehose.port);
    client.pause();
    await until(() => listener.accepted.length === 1, 'the relayed connection');
    const relaySide = listener.accepted[0]!;
    let maxQueued = 0;
    for (let i = 0; i < 200; i++) {
      await new Promise((r) => setTimeout(r, 5));
      maxQueued = Math.max(maxQueued, relaySide.writableLength);
    }
    expect(blocked).toBe(true);
    expect(maxQueued).toBeLessThanOrEqual(16 * 1024 + 2 * chunk.length);
    expect(relaySide.bytesWritten).toBeLessThan(64 * 1024 * 1024);
  });

  it('ends the client when the server closes, and the server when the client closes', async () => {
    const lastWords = Buffer.alloc(256 * 1024, 0x42);
    const closer = await target((s) => s.end(lastWords));
    const a = await relayTo(closer.port);
    let got = 0;
    a.client.on('data', (b: Buffer) => (got += b.length));
    await a.closed;
    expect(got).toBe(lastWords.length);

    let upstreamClosed = false;
    const quiet = await target((s) => s.on('close', () => (upstreamClosed = true)));
    const b = await relayTo(quiet.port);
    await until(() => quiet.sockets.length === 1, 'the upstream connection');
    b.client.end();
    await until(() => upstreamClosed, 'the upstream close');
  });

  it('closes the client when the target refuses the connection', async () => {
    const refused = await target(() => undefined);
    const port = refused.port;
    await new Promise<void>((r) => refused.server.close(() => r()));
    const { client, closed } = await relayTo(port);
    client.resume();
    await closed;
  });
});
