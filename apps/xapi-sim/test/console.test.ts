import type { TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimHost, type SimulatedPool } from '../src/index.ts';
import { login, ok, openTls, rawRequest, until } from './sim-client.ts';

const OK_200 = 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nCache-Control: no-cache, no-store\r\n\r\n';
const BODY_401 = '<html><body><h1>HTTP 401 unauthorised</h1>Please check your credentials and retry.</body></html>';
const BODY_403 = '<html><body><h1>HTTP 403 forbidden</h1>Access to the requested resource is forbidden.</body></html>';
const page = (status: string, body: string, extra = ''): string =>
  `HTTP/1.0 ${status}\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncontent-type: text/html\r\n` +
  `connection: close\r\ncache-control: no-cache, no-store\r\n${extra}\r\n${body}`;
const PAGE_401 = page('401 Unauthorised', BODY_401, 'WWW-Authenticate: Basic realm="connect_console"\r\n');
const PAGE_403 = page('403 Forbidden', BODY_403);

let pool: SimulatedPool;
const sessions: Record<string, string> = {};
const sockets: TLSSocket[] = [];

beforeAll(async () => {
  pool = await startPool({ operationMs: 20, authFailureDelayMs: 20 });
  for (const user of ['root', 'admin', 'vmadmin', 'vmoperator', 'readonly']) sessions[user] = await login(pool, user);
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});
afterAll(() => pool.close());

interface Tunnel {
  readonly socket: TLSSocket;
  /** Everything received so far. */
  readonly received: () => Buffer;
  readonly closed: () => boolean;
}

/** Sends a CONNECT and collects what comes back, keeping the socket open. */
async function tunnel(host: SimHost, target: string, cookie?: string, extra = ''): Promise<Tunnel> {
  const socket = await openTls(pool, host);
  sockets.push(socket);
  let data = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (chunk: Buffer) => (data = Buffer.concat([data, chunk])));
  socket.on('close', () => (closed = true));
  socket.write(
    `CONNECT ${target} HTTP/1.0\r\nHost: ${host.address}\r\n${cookie ? `Cookie: session_id=${cookie}\r\n` : ''}${extra}\r\n`,
  );
  return { socket, received: () => data, closed: () => closed };
}

/** The whole reply of a refused CONNECT (the simulator closes after it). */
async function refused(host: SimHost, target: string, cookie?: string): Promise<string> {
  const t = await tunnel(host, target, cookie);
  await until(t.closed, 'the connection to close');
  return t.received().toString('latin1');
}

/** Waits for the 200 block and the RFB banner after it. */
async function banner(t: Tunnel): Promise<string> {
  await until(() => t.received().length >= OK_200.length + 12 || t.closed(), 'the RFB banner');
  return t.received().toString('latin1');
}

const rfbConsole = async (vm: string): Promise<{ ref: string; location: string; uuid: string }> => {
  const consoles = (await ok(pool, 'VM.get_consoles', [sessions.root!, vm])) as string[];
  for (const ref of consoles) {
    const record = (await ok(pool, 'console.get_record', [sessions.root!, ref])) as Record<string, string>;
    if (record.protocol === 'rfb') return { ref, location: record.location!, uuid: record.uuid! };
  }
  throw new Error('no rfb console');
};

const hostOf = (url: string): SimHost => pool.hosts.find((h) => url.startsWith(`${h.url}/`))!;
const pathOf = (url: string): string => url.slice(new URL(url).origin.length);
const residentHost = (vm: string): SimHost => pool.hosts.find((h) => h.ref === pool.vm(vm).record.resident_on)!;

describe('CONNECT /console', () => {
  it('answers the exact 200 block, then the console server speaks RFB', async () => {
    const vm = pool.vm('Debian 12 web').ref;
    const { location, uuid } = await rfbConsole(vm);
    expect(location).toBe(`${residentHost(vm).url}/console?uuid=${uuid}`);
    const t = await tunnel(hostOf(location), pathOf(location), sessions.vmoperator);
    expect(await banner(t)).toBe(`${OK_200}RFB 003.008\n`);
    // The tunnel is a raw byte pipe: the RFB handshake continues through it.
    t.socket.write('RFB 003.008\n');
    await until(() => t.received().length >= OK_200.length + 14, 'the security types');
    expect([...t.received().subarray(OK_200.length + 12)]).toEqual([1, 1]);
  });

  it('accepts a VM ref or uuid for its rfb console, and the session in the query', async () => {
    const vm = pool.vm('Windows Server 2022');
    const host = residentHost(vm.ref);
    for (const target of [`/console?ref=${vm.ref}`, `/console?uuid=${vm.record.uuid as string}`]) {
      expect(await banner(await tunnel(host, target, sessions.vmoperator))).toBe(`${OK_200}RFB 003.008\n`);
    }
    const t = await tunnel(host, `/console?ref=${vm.ref}&session_id=${sessions.vmoperator}`);
    expect(await banner(t)).toBe(`${OK_200}RFB 003.008\n`);
  });

  it('gives PV guests rfb and vt100 consoles, HVM guests rfb only', async () => {
    const protocols = async (name: string): Promise<string[]> => {
      const refs = (await ok(pool, 'VM.get_consoles', [sessions.root!, pool.vm(name).ref])) as string[];
      return Promise.all(
        refs.map(async (c) => (await ok(pool, 'console.get_protocol', [sessions.root!, c])) as string),
      ).then((p) => p.sort());
    };
    expect(await protocols('Debian 12 web')).toEqual(['rfb', 'vt100']);
    expect(await protocols('Windows Server 2022')).toEqual(['rfb']);
    expect(await protocols('Windows 10 desktop')).toEqual([]);
  });

  it('401 without a session or with an unknown one', async () => {
    const { location } = await rfbConsole(pool.vm('Debian 12 web').ref);
    expect(await refused(hostOf(location), pathOf(location))).toBe(PAGE_401);
    expect(await refused(hostOf(location), pathOf(location), 'OpaqueRef:00000000-0000-0000-0000-000000000000')).toBe(
      PAGE_401,
    );
  });

  it('403 for read-only, before anything about the target is looked at', async () => {
    const { location } = await rfbConsole(pool.vm('Debian 12 web').ref);
    expect(await refused(hostOf(location), pathOf(location), sessions.readonly)).toBe(PAGE_403);
    expect(await refused(pool.master, '/console', sessions.readonly)).toBe(PAGE_403);
  });

  it('host consoles need pool-admin', async () => {
    const host = pool.hosts[1]!;
    const dom0 = pool.record('host', host.ref).control_domain as string;
    const { location } = await rfbConsole(dom0);
    expect(location).toMatch(new RegExp(`^${host.url.replace(/\./g, '\\.')}/console\\?ref=OpaqueRef:`));
    expect(await refused(host, pathOf(location), sessions.vmadmin)).toBe(PAGE_403);
    expect(await refused(host, pathOf(location), sessions.vmoperator)).toBe(PAGE_403);
    expect(await banner(await tunnel(host, pathOf(location), sessions.admin))).toBe(`${OK_200}RFB 003.008\n`);
    expect(await banner(await tunnel(host, pathOf(location), sessions.root))).toBe(`${OK_200}RFB 003.008\n`);
  });

  it('500 for a halted VM, a missing target, an unknown uuid, and a VM running elsewhere', async () => {
    const internal = expect.stringMatching(
      /^HTTP\/1\.0 500 Internal Error\r\ncontent-length: \d+\r\ncontent-type: text\/html\r\nconnection: close\r\ncache-control: no-cache, no-store\r\n\r\n<html><body><h1>HTTP 500 internal server error<\/h1>/,
    );
    const halted = pool.vm('Windows 10 desktop').ref;
    expect(await refused(pool.master, `/console?ref=${halted}`, sessions.vmoperator)).toEqual(internal);
    expect(await refused(pool.master, '/console', sessions.vmoperator)).toEqual(internal);
    expect(
      await refused(pool.master, '/console?uuid=6a1f3e1c-0000-4000-8000-000000000000', sessions.vmoperator),
    ).toEqual(internal);
    const { location } = await rfbConsole(pool.vm('Debian 12 web').ref);
    const elsewhere = pool.hosts.find((h) => h !== hostOf(location))!;
    expect(await refused(elsewhere, pathOf(location), sessions.vmoperator)).toEqual(internal);
  });

  it('404 when the console server is gone', async () => {
    const vm = pool.vm('Ubuntu 24.04 build agent').ref;
    const { location } = await rfbConsole(vm);
    pool.killDisplay(vm);
    expect(await refused(hostOf(location), pathOf(location), sessions.vmoperator)).toBe(
      'HTTP/1.1 404 Not Found\r\nConnection: close\r\nCache-Control: no-cache, no-store\r\n\r\n',
    );
    await pool.reboot(vm);
    const fresh = await rfbConsole(vm);
    expect(await banner(await tunnel(hostOf(fresh.location), pathOf(fresh.location), sessions.vmoperator))).toBe(
      `${OK_200}RFB 003.008\n`,
    );
  });

  it('503 while limit_console_sessions is on and the VM has a connection', async () => {
    const vm = pool.vm('Windows Server 2022').ref;
    const { location } = await rfbConsole(vm);
    const first = await tunnel(hostOf(location), pathOf(location), sessions.vmadmin);
    await banner(first);
    await ok(pool, 'pool.set_limit_console_sessions', [sessions.root!, pool.findRefs('pool')[0]!, true]);
    try {
      const reply = await refused(hostOf(location), pathOf(location), sessions.vmoperator);
      expect(reply).toMatch(/^HTTP\/1\.0 503 Connection Limit Exceeded\r\n/);
      expect(reply).toContain(`<p>User 'vmadmin' is currently connected to this console (VM ${vm}).`);
      first.socket.destroy();
      await until(async () => {
        const again = await tunnel(hostOf(location), pathOf(location), sessions.vmoperator);
        const got = await banner(again);
        again.socket.destroy();
        return got.startsWith(OK_200);
      }, 'the slot to free up');
    } finally {
      await ok(pool, 'pool.set_limit_console_sessions', [sessions.root!, pool.findRefs('pool')[0]!, false]);
    }
  });

  it('a reboot replaces the consoles: new refs and uuids, the old location stops working', async () => {
    const vm = pool.vm('Debian 12 web').ref;
    const before = await rfbConsole(vm);
    const domid = pool.vm(vm).record.domid;
    const live = await tunnel(hostOf(before.location), pathOf(before.location), sessions.vmoperator);
    await banner(live);
    await ok(pool, 'VM.clean_reboot', [sessions.vmoperator!, vm]);
    const after = await rfbConsole(vm);
    expect(after.ref).not.toBe(before.ref);
    expect(after.uuid).not.toBe(before.uuid);
    expect(pool.vm(vm).record.domid).not.toBe(domid);
    await until(live.closed, 'the old console connection to end');
    expect((await refused(hostOf(before.location), pathOf(before.location), sessions.vmoperator)).slice(0, 12)).toBe(
      'HTTP/1.0 500',
    );
    expect(await banner(await tunnel(hostOf(after.location), pathOf(after.location), sessions.vmoperator))).toBe(
      `${OK_200}RFB 003.008\n`,
    );
  });

  it('a migration moves the console to the new host', async () => {
    const vm = pool.vm('Windows Server 2022').ref;
    const from = residentHost(vm);
    const to = pool.hosts.find((h) => h !== from)!;
    const before = await rfbConsole(vm);
    await ok(pool, 'VM.pool_migrate', [sessions.root!, vm, to.ref, { live: 'true' }]);
    const after = await rfbConsole(vm);
    expect(after.location).toBe(`${to.url}/console?uuid=${after.uuid}`);
    expect(after.uuid).not.toBe(before.uuid);
    expect(await refused(from, pathOf(after.location), sessions.vmoperator)).toMatch(/^HTTP\/1\.0 500 /);
    expect(await banner(await tunnel(to, pathOf(after.location), sessions.vmoperator))).toBe(`${OK_200}RFB 003.008\n`);
  });

  it('answers other methods on /console as xapi does', async () => {
    const del = await rawRequest(pool, 'DELETE /console HTTP/1.0\r\n\r\n');
    expect(del.status).toBe(501);
    const put = await rawRequest(pool, 'PUT /console HTTP/1.0\r\nContent-Length: 0\r\n\r\n');
    expect(put.status).toBe(403);
  });
});

/** An RFB 3.8 handshake (security type None) through a WebSocket, up to ServerInit. */
async function rfbHandshake(ws: WebSocket, received: () => Buffer): Promise<void> {
  await until(() => received().length >= 12, 'the banner');
  ws.send(Buffer.from('RFB 003.008\n'));
  await until(() => received().length >= 14, 'the security types');
  expect([...received().subarray(12, 14)]).toEqual([1, 1]);
  ws.send(Buffer.from([1]));
  await until(() => received().length >= 18, 'the security result');
  ws.send(Buffer.from([1]));
  await until(() => received().length >= 42, 'ServerInit');
}

describe('WebSocket on GET /console', () => {
  const wsUrl = (location: string): string => location.replace(/^https:/, 'wss:');
  const open = (url: string, protocols: string[], cookie?: string): Promise<{ ws: WebSocket; protocol: string }> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocols, {
        ca: pool.caPem,
        headers: cookie ? { Cookie: `session_id=${cookie}` } : {},
      });
      ws.once('open', () => resolve({ ws, protocol: ws.protocol }));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });

  it('upgrades with subprotocol binary and carries RFB in binary frames of at most 1024 bytes', async () => {
    const vm = pool.vm('Windows Server 2022').ref;
    const { location } = await rfbConsole(vm);
    const { ws, protocol } = await open(wsUrl(location), ['binary'], sessions.vmoperator);
    expect(protocol).toBe('binary');
    const frames: Buffer[] = [];
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      expect(isBinary).toBe(true);
      frames.push(data);
    });
    await rfbHandshake(ws, () => Buffer.concat(frames));
    expect(frames[0]!.toString('latin1')).toBe('RFB 003.008\n');
    // A full framebuffer update is far larger than one frame.
    ws.send(Buffer.from([3, 0, 0, 0, 0, 0, 0x04, 0x00, 0x03, 0x00]));
    await until(() => Buffer.concat(frames).length > 100_000, 'a framebuffer update');
    expect(Math.max(...frames.map((f) => f.length))).toBeLessThanOrEqual(1024);
    ws.close();
  });

  it('answers subprotocol binary whatever the client asked for', async () => {
    const vm = pool.vm('Windows Server 2022').ref;
    const { location } = await rfbConsole(vm);
    const socket = await openTls(pool, hostOf(location));
    sockets.push(socket);
    socket.write(
      `GET ${pathOf(location)} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: base64\r\nCookie: session_id=${sessions.vmoperator}\r\n\r\n`,
    );
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    await until(() => data.includes('\r\n\r\n'), 'the 101');
    expect(data.slice(0, data.indexOf('\r\n\r\n') + 4)).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: binary\r\n\r\n',
    );
  });

  it('401 with realm connect_console_ws, 501 without a key, 503 for every request while the limit is on', async () => {
    const vm = pool.vm('Windows Server 2022').ref;
    const { location } = await rfbConsole(vm);
    const host = hostOf(location);
    const unauthorised = await rawRequest(pool, `GET ${pathOf(location)} HTTP/1.1\r\nUpgrade: websocket\r\n\r\n`, host);
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('www-authenticate')).toBe('Basic realm="connect_console_ws"');
    const noKey = await rawRequest(
      pool,
      `GET ${pathOf(location)} HTTP/1.1\r\nCookie: session_id=${sessions.vmoperator}\r\n\r\n`,
      host,
    );
    expect(noKey.raw.toString('latin1')).toBe(
      'HTTP/1.0 501 Method Not Implemented\r\nConnection: close\r\nCache-Control: no-cache, no-store\r\n\r\n',
    );
    await ok(pool, 'pool.set_limit_console_sessions', [sessions.root!, pool.findRefs('pool')[0]!, true]);
    try {
      await expect(open(wsUrl(location), ['binary'], sessions.vmoperator)).rejects.toThrow('HTTP 503');
      const raw = await rawRequest(
        pool,
        `GET ${pathOf(location)} HTTP/1.1\r\nCookie: session_id=${sessions.vmoperator}\r\n\r\n`,
        host,
      );
      expect(raw.raw.toString('latin1')).toBe(
        'HTTP/1.0 503 Service Unavailable\r\nConnection: close\r\nCache-Control: no-cache, no-store\r\n\r\n',
      );
    } finally {
      await ok(pool, 'pool.set_limit_console_sessions', [sessions.root!, pool.findRefs('pool')[0]!, false]);
    }
  });

  it('forwards keys typed through the WebSocket to the display', async () => {
    const vm = pool.vm('Debian 12 web').ref;
    const { location } = await rfbConsole(vm);
    const { ws } = await open(wsUrl(location), ['binary'], sessions.vmoperator);
    let received = Buffer.alloc(0);
    ws.on('message', (data: Buffer) => (received = Buffer.concat([received, data])));
    await rfbHandshake(ws, () => received);
    // KeyEvent: down, keysym 'x'.
    ws.send(Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x78]));
    await until(
      () => pool.display(vm)!.input.some((e) => e.type === 'key' && e.keysym === 0x78 && e.down),
      'the key press',
    );
    ws.close();
  });
});
