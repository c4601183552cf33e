/**
 * The console engine with real parts: TigerVNC's Xvnc and QEMU (SeaBIOS) behind the simulated pool, a guest screen
 * that never stops changing, and a hostile VNC server. Pictures are checked against a direct Raw connection to the
 * same server, which owes nothing to the engine; what reaches a server is read by a tap in front of it.
 */
import type net from 'node:net';
import { CONSOLE_CLOSE } from '@xwc/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleOf, statusLine } from '../../apps/xapi-sim/test/console-client.ts';
import {
  ENC_COPY_RECT,
  ENC_DESKTOP_SIZE,
  ENC_QEMU_EXT_KEY,
  ENC_RAW,
  FORMAT_BGR233,
  FORMAT_NOVNC,
  FORMAT_SERVER,
  RfbTestClient,
  until,
  type UpdateRect,
  type WireFormat,
} from '../../apps/xapi-sim/test/rfb-client.ts';
import { readScreen } from '../../apps/xapi-sim/test/rfb-ocr.ts';
import { login } from '../../apps/xapi-sim/test/sim-client.ts';
import {
  differingPixels,
  ENCODING,
  NOVNC_ENCODINGS,
  NOVNC_FORMAT,
  TestViewer,
} from '../../packages/rfb/test/novnc-viewer.ts';
import { BusyDisplay, ECHO_PROMPT, withBusyDisplay } from '../support/busy-display.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { HOSTILE_SCREEN, startHostileVnc, type HostileVnc } from '../support/hostile-vnc.ts';
import { startRfbTap, type RfbTap } from '../support/rfb-tap.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { startQemu, startXvnc, xtermColourPattern, type VncServer, type XvncServer } from '../support/vnc-servers.ts';

const XVNC_VM = 'Debian 12 web';
const QEMU_VM = 'Ubuntu 24.04 build agent';
const HOSTILE_VM = '<img src=x onerror=alert(1)>';
/** An HVM guest: the simulator makes its screen with the display factory's `desktop`. */
const BUSY_VM = 'Windows Server 2022';

let xvnc: XvncServer;
let qemu: VncServer;
let hostile: HostileVnc;
/** Taps in front of Xvnc and QEMU, as the shared gateway's pool reaches them, and of Xvnc for the on-demand one. */
let taps: Record<'xvnc' | 'qemu' | 'onDemand', RfbTap>;
/** Every engine console shared from the first viewer. */
let shared: Stack;
/** The default: a lone viewer direct, shared from the second. */
let onDemand: Stack;
/** Direct Raw connections to the real servers: the pictures every viewer must show. */
let references: Record<'xvnc' | 'qemu', Followed>;

beforeAll(async () => {
  [xvnc, qemu, hostile] = await Promise.all([
    startXvnc({ geometry: '800x600' }),
    startQemu({ lifetimeSeconds: 180 }),
    startHostileVnc(),
  ]);
  xvnc.showInXterm(xtermColourPattern());
  const loopback = (port: number) => ({ host: '127.0.0.1', port });
  const [xvncTap, qemuTap, onDemandTap] = await Promise.all([
    startRfbTap(loopback(xvnc.port)),
    startRfbTap(loopback(qemu.port)),
    startRfbTap(loopback(xvnc.port)),
  ]);
  taps = { xvnc: xvncTap, qemu: qemuTap, onDemand: onDemandTap };
  [shared, onDemand] = await Promise.all([
    startStack({
      pool: {
        vnc: {
          [XVNC_VM]: loopback(taps.xvnc.port),
          [QEMU_VM]: loopback(taps.qemu.port),
          [HOSTILE_VM]: loopback(hostile.port),
        },
        displays: withBusyDisplay(BUSY_VM),
      },
      env: { CONSOLE_SHARING: 'always' },
    }),
    startStack({ pool: { vnc: { [XVNC_VM]: loopback(taps.onDemand.port) } } }),
  ]);
  // xapi's one connection per VM: every viewer beyond the first works only if the gateway holds one upstream.
  for (const stack of [shared, onDemand]) {
    stack.pool.setField('pool', stack.pool.findRefs('pool')[0]!, 'limit_console_sessions', true);
  }
  references = { xvnc: await direct(xvnc.port), qemu: await direct(qemu.port) };
}, 60_000);

afterAll(async () => {
  for (const reference of Object.values(references ?? {})) reference.close();
  await Promise.all([shared?.close(), onDemand?.close()]);
  const tapsClosed = Object.values(taps ?? {}).map((tap) => tap.close());
  await Promise.all([...tapsClosed, hostile?.close(), xvnc?.stop(), qemu?.stop()]);
});

/** A picture as decoded by a client: RGBA, alpha ignored. */
interface Picture {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** A client kept up to date as noVNC keeps itself: one update request outstanding, the next sent once one is read. */
interface Followed {
  picture(): Picture;
  /** Updates read so far. */
  updates(): number;
  /** Every rectangle encoding received. */
  readonly encodings: ReadonlySet<number>;
  close(): void;
}

/** Reads updates until the connection ends; a quiet screen (no update for a while) is waited out. */
function follow(
  read: () => Promise<readonly { encoding: number }[]>,
  request: (incremental: boolean) => void,
  picture: () => Picture,
  close: () => void,
): Followed {
  let updates = 0;
  const encodings = new Set<number>();
  request(false);
  void (async () => {
    for (let i = 0; i < 100_000; i++) {
      try {
        for (const rect of await read()) encodings.add(rect.encoding);
      } catch (error) {
        // Timed out between messages (nothing changed on the screen): keep waiting; anything else ends the client.
        if (/timed out waiting for 1 bytes/.test(String(error))) continue;
        return;
      }
      updates++;
      request(true);
    }
  })();
  return { picture, updates: () => updates, encodings, close };
}

function followRfb(rfb: RfbTestClient): Followed {
  return follow(
    () => rfb.readUpdate(),
    (incremental) => rfb.requestUpdate(incremental),
    () => rfb,
    () => rfb.close(),
  );
}

/** The reference: a direct connection to the server asking for Raw only (and told of mode changes). */
async function direct(port: number): Promise<Followed> {
  const rfb = await RfbTestClient.connect(port);
  await rfb.handshake('3.8');
  rfb.setPixelFormat(FORMAT_NOVNC);
  rfb.setEncodings([ENC_RAW, ENC_DESKTOP_SIZE]);
  return followRfb(rfb);
}

const differing = (a: Picture, b: Picture): number =>
  a.width !== b.width || a.height !== b.height ? Infinity : differingPixels(a.rgba, b.rgba);

const colours = (p: Picture): number => {
  const seen = new Set<number>();
  const words = new Uint32Array(p.rgba.buffer, p.rgba.byteOffset, p.rgba.byteLength / 4);
  for (const word of words) seen.add(word & 0xffffff);
  return seen.size;
};

/** Waits until every viewer shows exactly the reference's picture at the same moment. */
async function allShow(reference: Followed, viewers: readonly { seen: Followed }[]): Promise<void> {
  await expect
    .poll(() => viewers.map((v) => differing(v.seen.picture(), reference.picture())), {
      timeout: 30_000,
      interval: 100,
    })
    .toEqual(viewers.map(() => 0));
}

const cookies = new Map<string, string>();
async function cookieOf(stack: Stack, user: string): Promise<string> {
  const key = `${stack.baseUrl} ${user}`;
  if (!cookies.has(key)) cookies.set(key, (await stack.login(user)).cookie);
  return cookies.get(key)!;
}

const uuidOf = (stack: Stack, vm: string): string => String(stack.pool.vm(vm).record.uuid);

/** A console WebSocket, once the gateway has welcomed it. */
async function open(stack: Stack, user: string, vm: string): Promise<{ client: ConsoleClient; id: string }> {
  const client = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf(stack, vm)), {
    cookie: await cookieOf(stack, user),
    origin: stack.baseUrl,
  });
  const welcome = await client.notice((n) => n.type === 'welcome');
  return { client, id: String(welcome.viewer) };
}

interface RfbViewer {
  client: ConsoleClient;
  id: string;
  rfb: RfbTestClient;
  seen: Followed;
}

const RAW_AND_COPYRECT = [ENC_COPY_RECT, ENC_RAW, ENC_DESKTOP_SIZE];

/** A viewer decoding with the test client (Raw and CopyRect unless told otherwise). */
async function rfbViewer(
  stack: Stack,
  user: string,
  vm: string,
  wants: { format?: WireFormat; encodings?: number[] } = {},
): Promise<RfbViewer> {
  const { client, id } = await open(stack, user, vm);
  const rfb = RfbTestClient.over(client.rfbStream());
  await rfb.handshake('3.8');
  rfb.setPixelFormat(wants.format ?? FORMAT_NOVNC);
  rfb.setEncodings(wants.encodings ?? RAW_AND_COPYRECT);
  return { client, id, rfb, seen: followRfb(rfb) };
}

/** A viewer asking what noVNC asks (Tight first), decoding with noVNC's own decoders. */
async function novncViewer(stack: Stack, user: string, vm: string) {
  const { client, id } = await open(stack, user, vm);
  const viewer = new TestViewer(client.rfbStream());
  await viewer.handshake();
  viewer.setPixelFormat(NOVNC_FORMAT);
  viewer.setEncodings(NOVNC_ENCODINGS);
  const seen = follow(
    async () => (await viewer.readUpdate()).rects,
    (incremental) => viewer.request(incremental),
    () => viewer.display,
    () => client.close(),
  );
  return { client, id, seen };
}

/** Closes viewers and waits until the gateway has let them go. */
async function leave(stack: Stack, ...viewers: { client: ConsoleClient }[]): Promise<void> {
  for (const viewer of viewers) viewer.client.close();
  await Promise.all(viewers.map((v) => v.client.closed));
  await until(() => stack.gateway.context.consoles.count === 0, 'the gateway to let the viewers go');
}

const keyboardAt = (viewer: { client: ConsoleClient }, id: string) =>
  viewer.client.notice(
    (n) =>
      n.type === 'presence' &&
      (n.viewers as { id: string; keyboard: boolean }[]).some((v) => v.id === id && v.keyboard),
  );

/** The status line an outside client's CONNECT to `vm`'s console gets from the pool. */
async function poolAnswers(stack: Stack, vm: string): Promise<string> {
  return statusLine(
    stack.pool,
    consoleOf(stack.pool, stack.pool.vm(vm).ref, 'rfb'),
    await login(stack.pool, 'operator'),
  );
}

describe('Xvnc behind the pool, through the engine', () => {
  it('two, then three viewers (Raw, Raw in another format, noVNC’s Tight) show Xvnc’s exact pixels, over one connection', async () => {
    // The xterm's 24-bit colour cells are on the screen (a direct connection sees them).
    await expect.poll(() => colours(references.xvnc.picture()), { timeout: 20_000 }).toBeGreaterThan(500);
    const accepted = taps.xvnc.accepted;
    const a = await rfbViewer(shared, 'root', XVNC_VM);
    const b = await rfbViewer(shared, 'vmoperator', XVNC_VM, { format: FORMAT_SERVER });
    await allShow(references.xvnc, [a, b]);
    const c = await novncViewer(shared, 'admin', XVNC_VM);
    await allShow(references.xvnc, [a, b, c]);
    expect(c.seen.encodings.has(ENCODING.tight)).toBe(true);
    // One connection reached Xvnc, and the pool counts it: an outside client is refused the VM's only slot.
    expect(taps.xvnc.accepted - accepted).toBe(1);
    expect(await poolAnswers(shared, XVNC_VM)).toMatch(/^HTTP\/1\.[01] 503/);
    await leave(shared, a, b, c);
  });
});

describe('QEMU behind the pool, through the engine', () => {
  it('shows the SeaBIOS screen exactly; the holder’s QEMU key events reach QEMU as such, a follower’s never', async () => {
    // SeaBIOS has written its text on the 720×400 text-mode screen.
    await expect
      .poll(() => references.qemu.picture().width === 720 && colours(references.qemu.picture()) > 1, {
        timeout: 40_000,
      })
      .toBe(true);
    const encodings = [...RAW_AND_COPYRECT, ENC_QEMU_EXT_KEY];
    const holder = await rfbViewer(shared, 'root', QEMU_VM, { encodings });
    const follower = await rfbViewer(shared, 'vmoperator', QEMU_VM, { encodings });
    await keyboardAt(follower, holder.id);
    await allShow(references.qemu, [holder, follower]);
    // Each viewer that asked is told that QEMU key events are taken.
    expect(holder.seen.encodings.has(ENC_QEMU_EXT_KEY)).toBe(true);
    expect(follower.seen.encodings.has(ENC_QEMU_EXT_KEY)).toBe(true);

    const connection = taps.qemu.accepted;
    const keysAtQemu = () =>
      taps.qemu.messages.filter((m) => m.connection === connection && (m.type === 'key' || m.type === 'qemu-key'));
    follower.rfb.qemuKey(0x62, 0x30, true);
    follower.rfb.qemuKey(0x62, 0x30, false);
    follower.rfb.key(0x63, true);
    follower.rfb.key(0x63, false);
    holder.rfb.qemuKey(0x61, 0x1e, true);
    holder.rfb.qemuKey(0x61, 0x1e, false);
    // QEMU extended key events reach QEMU unchanged, so the engine's upstream had QEMU's acknowledgement.
    await expect.poll(keysAtQemu, { timeout: 10_000 }).toEqual([
      { connection, type: 'qemu-key', down: true, keysym: 0x61, keycode: 0x1e },
      { connection, type: 'qemu-key', down: false, keysym: 0x61, keycode: 0x1e },
    ]);
    // The key was taken without the console closing: both viewers still follow the screen.
    await allShow(references.qemu, [holder, follower]);
    expect([holder.client.ws.readyState, follower.client.ws.readyState]).toEqual([1, 1]);
    expect(keysAtQemu()).toHaveLength(2);
    await leave(shared, holder, follower);
  }, 60_000);
});

describe('a fast viewer beside a slow one, on a screen that never stops changing', () => {
  it('echoes the fast viewer’s typing; the slow viewer is sent only what it asks for, at most a screen at a time', async () => {
    const typist = await rfbViewer(shared, 'root', BUSY_VM);
    const busy = shared.pool.display(BUSY_VM);
    if (!(busy instanceof BusyDisplay)) throw new Error('the busy display is not behind the console');
    const { width, height } = typist.rfb;

    // The slow viewer reads about 100 KB/s, in 8-bit Raw (about one update a second on this screen).
    const slow = await open(shared, 'vmoperator', BUSY_VM);
    let received = slow.client.bytes.length;
    slow.client.ws.on('message', (data: Buffer, isBinary: boolean) => void (isBinary && (received += data.length)));
    const rfb = RfbTestClient.over(slow.client.rfbStream());
    await rfb.handshake('3.8');
    rfb.setPixelFormat(FORMAT_BGR233);
    rfb.setEncodings([ENC_RAW]);
    const unthrottle = throttle(browserSocket(slow.client), 10_000, 100);
    let asking = true;
    /** Pixels covered by each update the slow viewer got. */
    const covered: number[] = [];
    const slowReads = (async () => {
      rfb.requestUpdate(false);
      for (let i = 0; i < 1000 && asking; i++) {
        covered.push(area(await rfb.readUpdate()));
        if (asking) rfb.requestUpdate(true);
      }
    })();
    try {
      await keyboardAt(typist, typist.id);
      typist.rfb.type('hello');
      await expect
        .poll(() => readScreen(typist.rfb.rgba, width)[0], { timeout: 20_000, interval: 100 })
        .toBe(`${ECHO_PROMPT}hello`);
      expect(busy.typed).toBe('hello');

      // The slow viewer goes on at its pace, then stops asking: from then on it must be sent nothing, however
      // much the screen changes.
      await expect.poll(() => covered.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      asking = false;
      await slowReads;
      const asked = received;
      unthrottle();
      const fast = typist.seen.updates();
      await expect.poll(() => typist.seen.updates(), { timeout: 20_000 }).toBeGreaterThanOrEqual(fast + 5);
      expect(received).toBe(asked);
    } finally {
      unthrottle();
    }
    expect(slow.client.ws.readyState).toBe(1);
    // Each update is the screen at most once (the newest pixels of what changed), never a backlog of frames.
    expect(covered[0]).toBe(width * height);
    expect(Math.max(...covered)).toBeLessThanOrEqual(width * height);
    await leave(shared, typist, slow);
    // Everything the gateway took on for the slow viewer reached it: nothing was left queued at the gateway.
    const closed = shared.audit.json().find((line) => line.event === 'console-close' && line.consoleId === slow.id);
    expect(closed?.bytesToBrowser).toBe(received);
  }, 60_000);
});

const browserSocket = (client: ConsoleClient): net.Socket => (client.ws as unknown as { _socket: net.Socket })._socket;

/** Reads at most `bytes` every `everyMs` from the socket (a browser on a slow link); the returned function ends it. */
function throttle(socket: net.Socket, bytes: number, everyMs: number): () => void {
  socket.pause();
  const timer = setInterval(() => {
    const n = Math.min(bytes, socket.readableLength);
    if (n > 0) socket.read(n);
  }, everyMs);
  return () => {
    clearInterval(timer);
    socket.resume();
  };
}

const area = (rects: readonly UpdateRect[]): number => rects.reduce((sum, r) => sum + r.w * r.h, 0);

/** FramebufferUpdate with one rectangle header (and what follows it). */
const update = (x: number, y: number, w: number, h: number, encoding: number, body: number[] = []): Buffer => {
  const b = Buffer.alloc(16 + body.length);
  b.writeUInt16BE(1, 2);
  b.writeUInt16BE(x, 4);
  b.writeUInt16BE(y, 6);
  b.writeUInt16BE(w, 8);
  b.writeUInt16BE(h, 10);
  b.writeInt32BE(encoding, 12);
  Buffer.from(body).copy(b, 16);
  return b;
};

/** What a hostile host's console sends once the gateway has asked for its first update, and the fault it causes. */
const MALFORMED: [string, Buffer, RegExp][] = [
  ['an unknown message type', Buffer.from([99]), /unknown message type 99/],
  [
    'a rectangle outside the screen',
    update(HOSTILE_SCREEN.width - 40, 0, 100, 10, ENC_RAW),
    /Raw rectangle 100×10 at 600,0 is outside the 640×480 screen/,
  ],
  [
    'a ZRLE rectangle of 2^31 bytes',
    update(0, 0, 16, 16, 16, [0x80, 0, 0, 0]),
    /ZRLE rectangle 16×16 claims 2147483648/,
  ],
  ['a desktop size of 60000×60000', update(0, 0, 60000, 60000, ENC_DESKTOP_SIZE), /screen size 60000×60000/],
  ['a cut text of 2^31 bytes', Buffer.from([3, 0, 0, 0, 0x80, 0, 0, 0]), /clipboard/],
];

describe('a hostile host console', () => {
  const faults = () => shared.audit.json().filter((line) => line.event === 'console-fault');
  let bystander: RfbViewer;
  beforeAll(async () => {
    bystander = await rfbViewer(shared, 'vmadmin', XVNC_VM);
    await until(() => differing(bystander.seen.picture(), references.xvnc.picture()) === 0, 'Xvnc’s picture', 30_000);
  });
  afterAll(() => leave(shared, bystander));

  /** The other console on the gateway still answers, with Xvnc's exact picture. */
  async function bystanderServed(): Promise<void> {
    const before = bystander.seen.updates();
    bystander.rfb.requestUpdate(false);
    await expect.poll(() => bystander.seen.updates(), { timeout: 10_000 }).toBeGreaterThan(before);
    await allShow(references.xvnc, [bystander]);
  }

  it.each(MALFORMED)(
    'closes every viewer with 4503 on %s, audits it, and the other consoles go on',
    async (_what, bytes, why) => {
      const before = faults().length;
      const upstream = hostile.nextClient();
      const a = await rfbViewer(shared, 'root', HOSTILE_VM);
      const b = await rfbViewer(shared, 'vmoperator', HOSTILE_VM);
      const host = await upstream;
      await host.requested;
      host.send(bytes);
      const closes = await Promise.all([a, b].map((v) => closedWithin(v.client, 10_000)));
      const badScreen = { code: CONSOLE_CLOSE.badScreen.code, reason: CONSOLE_CLOSE.badScreen.reason };
      expect(closes).toEqual([badScreen, badScreen]);
      expect(faults().slice(before)).toEqual([
        expect.objectContaining({ object: `vm/${uuidOf(shared, HOSTILE_VM)}`, reason: expect.stringMatching(why) }),
      ]);
      // The gateway let go of the host's connection rather than waiting for the bytes it claimed.
      await host.closed;
      await bystanderServed();
      await expect.poll(() => shared.gateway.context.consoles.count).toBe(1);
    },
  );

  it('closes the viewers when the malformed data comes in the same packet as the screen’s size', async () => {
    const before = faults().length;
    const upstream = hostile.nextClient(true);
    // Both viewers wait on the console while the host holds back its ServerInit.
    const a = await open(shared, 'root', HOSTILE_VM);
    const b = await open(shared, 'vmoperator', HOSTILE_VM);
    const host = await upstream;
    host.init(Buffer.from([99]));
    const closes = await Promise.all([a, b].map((v) => closedWithin(v.client, 10_000)));
    expect(closes.map((c) => c.code)).toEqual([4503, 4503]);
    await host.closed;
    expect(faults().slice(before)).toEqual([expect.objectContaining({ reason: expect.stringMatching(/type 99/) })]);
    await bystanderServed();
  });
  it('closes and audits a host that breaks the protocol in its handshake (a 60000×60000 screen)', async () => {
    const before = faults().length;
    const upstream = hostile.nextClient(true);
    const a = await open(shared, 'root', HOSTILE_VM);
    const host = await upstream;
    const init = Buffer.alloc(24);
    init.writeUInt16BE(60000, 0);
    init.writeUInt16BE(60000, 2);
    Buffer.from([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0]).copy(init, 4);
    host.send(init);
    expect((await closedWithin(a.client, 10_000)).code).toBe(4503);
    expect(faults().slice(before)).toEqual([expect.objectContaining({ object: `vm/${uuidOf(shared, HOSTILE_VM)}` })]);
    await bystanderServed();
  });
});

/** The close a console client gets, or a failure naming the wait. */
async function closedWithin(client: ConsoleClient, ms: number): Promise<{ code: number; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the viewer was not closed within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([client.closed, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('on demand, under the pool’s one-connection limit', () => {
  it('moves a lone viewer of Xvnc onto the engine when a second arrives; both then show Xvnc’s exact pixels', async () => {
    const accepted = taps.onDemand.accepted;
    const lone = await rfbViewer(onDemand, 'root', XVNC_VM);
    await allShow(references.xvnc, [lone]);
    const second = await rfbViewer(onDemand, 'vmoperator', XVNC_VM);
    expect(await closedWithin(lone.client, 10_000)).toEqual({
      code: CONSOLE_CLOSE.rejoin.code,
      reason: CONSOLE_CLOSE.rejoin.reason,
    });
    const rejoined = await rfbViewer(onDemand, 'root', XVNC_VM);
    await allShow(references.xvnc, [second, rejoined]);
    // The direct connection, then the shared one: never both, and the pool holds its one slot for the engine.
    expect(taps.onDemand.accepted - accepted).toBe(2);
    expect(await poolAnswers(onDemand, XVNC_VM)).toMatch(/^HTTP\/1\.[01] 503/);
    await leave(onDemand, second, rejoined);
  }, 60_000);
});
