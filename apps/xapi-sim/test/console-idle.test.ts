import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClientStream } from '../src/consoles/client-stream.ts';
import { createDisplayFactory } from '../src/rfb/index.ts';
import { startPool, type SimulatedPool } from '../src/index.ts';
import { consoleOf, openViewer, type Viewer } from './console-client.ts';
import { listen } from './rfb-client.ts';
import { login, ok, until } from './sim-client.ts';

const bytes = (...b: number[]): Buffer => Buffer.from(b);
const HANDSHAKE_33 = Buffer.concat([Buffer.from('RFB 003.003\n', 'latin1'), bytes(1)]);
const KEY = bytes(4, 1, 0, 0, 0, 0, 0, 0x61);
const POINTER = bytes(5, 1, 0, 10, 0, 20);
const QEMU_KEY = bytes(255, 0, 0, 1, 0, 0, 0, 0x61, 0, 0, 0, 0x1e);
const UPDATE_REQUEST = bytes(3, 1, 0, 0, 0, 0, 0, 16, 0, 16);
const SET_ENCODINGS = bytes(2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xfe, 0xfe);
const SET_PIXEL_FORMAT = Buffer.concat([bytes(0, 0, 0, 0), Buffer.alloc(16)]);
const cutText = (text: string): Buffer => {
  const b = Buffer.alloc(8 + text.length);
  b[0] = 6;
  b.writeInt32BE(text.length, 4);
  b.write(text, 8, 'latin1');
  return b;
};

/** A stream past xapi's RFB 3.3 handshake. */
const following = (): ClientStream => {
  const stream = new ClientStream();
  expect(stream.feed(HANDSHAKE_33)).toBe('none');
  return stream;
};

describe("following the client's stream as xapi does", () => {
  it('counts KeyEvent, PointerEvent and QEMU messages as input, nothing else', () => {
    const stream = following();
    for (const quiet of [UPDATE_REQUEST, SET_ENCODINGS, SET_PIXEL_FORMAT, cutText('hello')]) {
      expect(stream.feed(quiet)).toBe('none');
    }
    for (const input of [KEY, POINTER, QEMU_KEY]) expect(stream.feed(input)).toBe('input');
    expect(stream.feed(Buffer.concat([UPDATE_REQUEST, POINTER, cutText('x')]))).toBe('input');
  });

  it('counts input when its last byte arrives, however the stream is cut', () => {
    const stream = following();
    const whole = Buffer.concat([SET_ENCODINGS, cutText('clipboard'), UPDATE_REQUEST]);
    for (let i = 0; i < whole.length; i++) expect(stream.feed(whole.subarray(i, i + 1))).toBe('none');
    expect(stream.feed(KEY.subarray(0, 7))).toBe('none');
    expect(stream.feed(KEY.subarray(7))).toBe('input');
  });

  it('skips a long cut text without holding it', () => {
    const stream = following();
    const header = cutText('');
    header.writeInt32BE(50_000_000, 4);
    expect(stream.feed(header)).toBe('none');
    for (let i = 0; i < 50; i++) expect(stream.feed(Buffer.alloc(1_000_000, 0x41))).toBe('none');
    expect(stream.feed(POINTER)).toBe('input');
  });

  it('loses streams xapi cannot parse: RFB 3.8, XenCenter scancodes, a negative cut text, vt100 text', () => {
    const lost = (...chunks: Buffer[]): string => {
      const stream = new ClientStream();
      return chunks.map((c) => stream.feed(c)).at(-1)!;
    };
    expect(lost(Buffer.from('RFB 003.008\n', 'latin1'), bytes(1))).toBe('lost');
    expect(lost(Buffer.from('RFB 003.003\n', 'latin1'), bytes(2))).toBe('lost');
    expect(lost(HANDSHAKE_33, bytes(254, 1, 0, 0, 0, 0, 0, 0x1e))).toBe('lost');
    expect(lost(HANDSHAKE_33, bytes(6, 0, 0, 0, 0xff, 0xff, 0xff, 0xff))).toBe('lost');
    // A text console's typing is not RFB: lost once thirteen bytes have come, waiting until then.
    expect(lost(Buffer.from('root\n', 'latin1'))).toBe('none');
    expect(lost(Buffer.from('root\n', 'latin1'), Buffer.from('password\n', 'latin1'))).toBe('lost');
    // Nothing after a loss brings it back.
    expect(lost(Buffer.from('RFB 003.008\n', 'latin1'), bytes(1), HANDSHAKE_33, POINTER)).toBe('lost');
  });
});

let pool: SimulatedPool;
let poolRef: string;
const s: Record<string, string> = {};
const viewers: Viewer[] = [];
const cleanups: (() => unknown)[] = [];
const relayTarget = createDisplayFactory().desktop({ title: 'a real VNC server', rfbVersion: '3.8' });

beforeAll(async () => {
  const vnc = await listen(relayTarget.rfb);
  cleanups.push(vnc.stop, () => relayTarget.close());
  pool = await startPool({
    operationMs: 10,
    authFailureDelayMs: 10,
    vnc: { 'Ubuntu 24.04 build agent': { host: '127.0.0.1', port: vnc.port } },
  });
  poolRef = pool.findRefs('pool')[0]!;
  for (const user of ['root', 'admin', 'vmoperator']) s[user] = await login(pool, user);
});
afterEach(async () => {
  for (const v of viewers.splice(0)) v.socket.destroy();
  await ok(pool, 'pool.set_vm_console_idle_timeout', [s.root!, poolRef, 0]);
  await ok(pool, 'pool.set_console_idle_timeout', [s.root!, poolRef, 0]);
});
afterAll(async () => {
  await pool.close();
  for (const c of cleanups.reverse()) await c();
});

const view = async (vm: string, protocol: 'rfb' | 'vt100', session = s.vmoperator!): Promise<Viewer> => {
  const viewer = await openViewer(pool, consoleOf(pool, vm, protocol), session);
  viewers.push(viewer);
  return viewer;
};
const vmTimeout = (seconds: number) => ok(pool, 'pool.set_vm_console_idle_timeout', [s.root!, poolRef, seconds]);

/**
 * Sends `message` every `everyMs` until the viewer is closed or `forMs` has passed (bounded either way), discarding
 * what the server sends; says whether the viewer was closed.
 */
async function sendWhileOpen(viewer: Viewer, message: () => Buffer, everyMs: number, forMs: number): Promise<boolean> {
  const deadline = Date.now() + forMs;
  for (let i = 0; i < forMs / everyMs && Date.now() < deadline && !viewer.closed(); i++) {
    viewer.rfb.send(message());
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    await viewer.rfb.read(viewer.rfb.buffered).catch(() => undefined);
  }
  return viewer.closed();
}

describe('pool.vm_console_idle_timeout', () => {
  it('closes a viewer that only asks for updates and sends cut text, though the server got every message', async () => {
    await vmTimeout(1);
    const vm = pool.vm('Windows Server 2022').ref;
    const viewer = await view(vm, 'rfb');
    await viewer.rfb.handshake('3.3');
    let n = 0;
    const quiet = () => (n++ % 2 ? UPDATE_REQUEST : cutText(`clip ${n}`));
    expect(await sendWhileOpen(viewer, quiet, 100, 10_000)).toBe(true);
    expect(pool.display(vm)!.input.some((e) => e.type === 'cut-text' && e.text === 'clip 1')).toBe(true);
  });

  it('keeps a viewer that moves the pointer, and closes it once the pointer stops', async () => {
    await vmTimeout(2);
    const viewer = await view(pool.vm('Windows Server 2022').ref, 'rfb');
    await viewer.rfb.handshake('3.3');
    expect(await sendWhileOpen(viewer, () => POINTER, 200, 5000)).toBe(false);
    await until(viewer.closed, 'the idle viewer to be closed', 10_000);
  });

  it('reads the timeout when a connection starts', async () => {
    const vm = pool.vm('Windows Server 2022').ref;
    const before = await view(vm, 'rfb');
    await before.rfb.handshake('3.3');
    await vmTimeout(1);
    const after = await view(vm, 'rfb');
    await after.rfb.handshake('3.3');
    await until(after.closed, 'the viewer that came after the setting to be closed', 10_000);
    expect(await sendWhileOpen(before, () => UPDATE_REQUEST, 100, 1500)).toBe(false);
  });

  it('never closes a viewer that speaks RFB 3.8, which xapi cannot follow', async () => {
    await vmTimeout(1);
    const viewer = await view(pool.vm('Windows Server 2022').ref, 'rfb');
    await viewer.rfb.handshake('3.8');
    expect(await sendWhileOpen(viewer, () => UPDATE_REQUEST, 100, 2500)).toBe(false);
  });

  it('follows the stream to a relayed VNC server too', async () => {
    await vmTimeout(1);
    const viewer = await view(pool.vm('Ubuntu 24.04 build agent').ref, 'rfb');
    const init = await viewer.rfb.handshake('3.3');
    expect(init.name).toBe('a real VNC server');
    expect(await sendWhileOpen(viewer, () => UPDATE_REQUEST, 100, 10_000)).toBe(true);
  });
});

describe('host.console_idle_timeout', () => {
  it("closes an idle host console, graphical or text, and leaves guests' consoles to the pool setting", async () => {
    const host = pool.hosts[1]!;
    await ok(pool, 'host.set_console_idle_timeout', [s.admin!, host.ref, 1]);
    const dom0 = pool.record('host', host.ref).control_domain as string;
    const rfb = await view(dom0, 'rfb', s.admin!);
    await rfb.rfb.handshake('3.3');
    // A text console whose viewer has typed nothing has not yet lost xapi's parser.
    const text = await view(dom0, 'vt100', s.admin!);
    const guest = await view(pool.vm('Debian 12 web').ref, 'rfb');
    await guest.rfb.handshake('3.3');
    await until(() => rfb.closed() && text.closed(), 'the host consoles to be closed', 10_000);
    expect(guest.closed()).toBe(false);
  });
});
