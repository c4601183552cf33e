import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENC_COPY_RECT,
  ENC_DESKTOP_SIZE,
  ENC_RAW,
  FORMAT_NOVNC,
  RfbTestClient,
} from '../../apps/xapi-sim/test/rfb-client.ts';
import { snapshot } from '../../apps/xapi-sim/src/rfb/index.ts';
import { consoleOf, openViewer } from '../../apps/xapi-sim/test/console-client.ts';
import { login } from '../../apps/xapi-sim/test/sim-client.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** One viewer on a shared console: its WebSocket (notices) and an RFB client over its binary frames. */
interface Viewer {
  client: ConsoleClient;
  rfb: RfbTestClient;
  id: string;
}

let stack: Stack;
const cookies = new Map<string, string>();
const VM = 'Debian 12 web';
const uuidOf = (name: string): string => String(stack.pool.vm(name).record.uuid);

async function cookieOf(user: string): Promise<string> {
  if (!cookies.has(user)) cookies.set(user, (await stack.login(user)).cookie);
  return cookies.get(user)!;
}

async function join(user: string, vm = VM, query = ''): Promise<Viewer> {
  const client = await ConsoleClient.open(`${consoleUrl(stack.baseUrl, 'vm', uuidOf(vm))}${query}`, {
    cookie: await cookieOf(user),
    origin: stack.baseUrl,
  });
  const welcome = await client.notice((n) => n.type === 'welcome');
  const rfb = RfbTestClient.over(client.rfbStream());
  await rfb.handshake('3.8');
  rfb.setPixelFormat(FORMAT_NOVNC);
  rfb.setEncodings([ENC_COPY_RECT, ENC_RAW, ENC_DESKTOP_SIZE]);
  return { client, rfb, id: String(welcome.viewer) };
}

/** Requests updates until the viewer's picture equals the guest's screen (the screen may be animating). */
async function seesTheGuest(viewer: Viewer, vm = VM): Promise<void> {
  await viewer.rfb.update(false);
  await expect
    .poll(
      async () => {
        const screen = snapshot(stack.pool.display(vm)!);
        if (screen.width !== viewer.rfb.width || screen.height !== viewer.rfb.height) {
          await viewer.rfb.update(true);
          return false;
        }
        if (Buffer.compare(Buffer.from(screen.rgba), Buffer.from(viewer.rfb.rgba)) === 0) return true;
        await viewer.rfb.update(true);
        return false;
      },
      { timeout: 15_000, interval: 50 },
    )
    .toBe(true);
}

const keysReaching = (vm: string, from: number): number[] =>
  stack.pool
    .display(vm)!
    .input.slice(from)
    .flatMap((e) => (e.type === 'key' && e.down ? [e.keysym] : []));

/** Closes viewers and waits until the gateway has let them go, so the next test starts on an empty console. */
async function leave(...viewers: Viewer[]): Promise<void> {
  for (const viewer of viewers) viewer.client.close();
  await Promise.all(viewers.map((v) => v.client.closed));
  await expect.poll(() => stack.gateway.context.consoles.count).toBe(0);
}

const presence = (viewer: Viewer, check: (viewers: { id: string; keyboard: boolean }[]) => boolean) =>
  viewer.client.notice((n) => n.type === 'presence' && check(n.viewers as { id: string; keyboard: boolean }[]));

function setPool(field: string, value: unknown): void {
  const [pool] = stack.pool.findRefs('pool');
  stack.pool.setField('pool', pool!, field, value);
}

beforeAll(async () => {
  stack = await startStack({ env: { CONSOLE_SHARING: 'always', CONSOLES_PER_USER: '8' } });
  // With xapi's one-connection-per-VM limit on, several viewers prove the gateway holds one upstream.
  setPool('limit_console_sessions', true);
});
afterAll(() => stack?.close());

describe('one console, several viewers', () => {
  it('serves three users from one connection to the pool, each seeing the guest’s exact pixels', async () => {
    const viewers = [await join('root'), await join('vmoperator'), await join('admin')];
    for (const viewer of viewers) await seesTheGuest(viewer);
    const last = await viewers[2]!.client.notice((n) => n.type === 'presence' && (n.viewers as unknown[]).length === 3);
    expect((last.viewers as { user: string }[]).map((v) => v.user).sort()).toEqual(['admin', 'root', 'vmoperator']);
    await leave(...viewers);
  });

  it('lets only the keyboard holder reach the guest; followers’ keys stop at the gateway', async () => {
    const holder = await join('root');
    const follower = await join('vmoperator');
    await presence(follower, (vs) => vs.some((v) => v.id === holder.id && v.keyboard));
    const before = stack.pool.display(VM)!.input.length;
    follower.rfb.key(0x66, true);
    follower.rfb.key(0x66, false);
    holder.rfb.key(0x68, true);
    holder.rfb.key(0x68, false);
    await expect.poll(() => keysReaching(VM, before)).toEqual([0x68]);
    // Still nothing from the follower once the holder's key has arrived after it.
    follower.rfb.pointer(1, 5, 5);
    holder.rfb.key(0x69, true);
    await expect.poll(() => keysReaching(VM, before)).toEqual([0x68, 0x69]);
    expect(
      stack.pool
        .display(VM)!
        .input.slice(before)
        .some((e) => e.type === 'pointer'),
    ).toBe(false);
    await leave(holder, follower);
  });

  it('hands the keyboard over on request, and a pool admin can take it', async () => {
    const holder = await join('vmoperator');
    const asker = await join('vmadmin');
    const admin = await join('admin');
    asker.client.command({ type: 'request-control' });
    await holder.client.notice((n) => n.type === 'control' && (n.change as { kind: string }).kind === 'requested');
    holder.client.command({ type: 'hand-over', to: asker.id });
    await presence(holder, (vs) => vs.some((v) => v.id === asker.id && v.keyboard));
    let before = stack.pool.display(VM)!.input.length;
    holder.rfb.key(0x61, true);
    asker.rfb.key(0x62, true);
    await expect.poll(() => keysReaching(VM, before)).toEqual([0x62]);

    admin.client.command({ type: 'take-control' });
    const taken = await asker.client.notice(
      (n) => n.type === 'control' && (n.change as { how?: string }).how === 'take',
    );
    expect(taken.change).toMatchObject({ kind: 'granted', viewer: admin.id, from: asker.id });
    before = stack.pool.display(VM)!.input.length;
    asker.rfb.key(0x63, true);
    admin.rfb.key(0x64, true);
    await expect.poll(() => keysReaching(VM, before)).toEqual([0x64]);
    expect(stack.audit.json().some((l) => l.event === 'console-control' && l.how === 'take')).toBe(true);

    holder.client.command({ type: 'take-control' });
    await holder.client.notice((n) => n.type === 'refused');
    await leave(holder, asker, admin);
  });

  it('a follower can withdraw a request while it waits', async () => {
    const holder = await join('root');
    const asker = await join('vmoperator');
    asker.client.command({ type: 'request-control' });
    await holder.client.notice((n) => n.type === 'presence' && (n.requests as string[]).includes(asker.id));
    const seen = holder.client.notices.length;
    asker.client.command({ type: 'withdraw-request' });
    await expect
      .poll(() =>
        holder.client.notices.slice(seen).some((n) => n.type === 'presence' && (n.requests as string[]).length === 0),
      )
      .toBe(true);
    await leave(holder, asker);
  });

  it('a viewer who only watches never gets the keyboard, even when nobody has it', async () => {
    const watcher = await join('admin', VM, '?view=only');
    await presence(watcher, (vs) => vs.length === 1 && !vs[0]!.keyboard);
    const before = stack.pool.display(VM)!.input.length;
    watcher.rfb.key(0x71, true);
    const typist = await join('root');
    typist.rfb.key(0x72, true);
    await expect.poll(() => keysReaching(VM, before)).toEqual([0x72]);
    await leave(watcher, typist);
  });
});

describe('who may join', () => {
  it('refuses a role that may not open the console, even though the gateway already has it open', async () => {
    const holder = await join('root');
    for (const user of ['readonly']) {
      const client = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf(VM)), {
        cookie: await cookieOf(user),
        origin: stack.baseUrl,
      });
      expect((await client.closed).code).toBe(4003);
      expect(client.notices).toEqual([]);
    }
    const host = stack.pool.hosts[0]!.uuid;
    const admin = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'host', host), {
      cookie: await cookieOf('root'),
      origin: stack.baseUrl,
    });
    await admin.notice((n) => n.type === 'welcome');
    const vmadmin = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'host', host), {
      cookie: await cookieOf('vmadmin'),
      origin: stack.baseUrl,
    });
    expect((await vmadmin.closed).code).toBe(4003);
    admin.close();
    await admin.closed;
    await leave(holder);
  });
});

describe('bad input', () => {
  it('closes a viewer that sends malformed RFB, alone; the others go on', async () => {
    const good = await join('root');
    const bad = await join('vmoperator');
    bad.rfb.send([99, 0, 0, 0]);
    const closed = await bad.client.closed;
    expect(closed.code).toBe(4400);
    expect(closed.reason.length).toBeGreaterThan(10);
    await seesTheGuest(good);
    await leave(good);
  });

  it('closes a viewer whose clipboard claims 2^31 bytes, or whose encodings list is huge', async () => {
    const good = await join('root');
    const clip = await join('vmoperator');
    clip.rfb.send([6, 0, 0, 0, 0x80, 0, 0, 0]);
    expect((await clip.client.closed).code).toBe(4400);
    const encodings = await join('vmadmin');
    const huge = Buffer.alloc(4 + 4 * 65535);
    huge.writeUInt8(2, 0);
    huge.writeUInt16BE(65535, 2);
    encodings.rfb.send(huge);
    expect((await encodings.client.closed).code).toBe(4400);
    await seesTheGuest(good);
    await leave(good);
  });

  it('closes a viewer that sends an unknown text command', async () => {
    const viewer = await join('root');
    viewer.client.ws.send('{"type":"rm -rf"}');
    expect((await viewer.client.closed).code).toBe(4400);
  });
});

describe('the console moves under its viewers', () => {
  it('keeps every viewer connected through a reboot, and shows the new screen', async () => {
    const a = await join('root');
    const b = await join('vmoperator');
    await seesTheGuest(a);
    await stack.pool.reboot(VM);
    await a.client.notice((n) => n.type === 'upstream' && n.state === 'reattaching');
    await a.client.notice((n) => n.type === 'upstream' && n.state === 'live', 30_000);
    await seesTheGuest(a);
    await seesTheGuest(b);
    expect(a.client.ws.readyState).toBe(a.client.ws.OPEN);
    await leave(a, b);
  });

  it('tells viewers at once that keys no longer reach the guest, while the pool is slow to answer', async () => {
    const vm = 'Ubuntu 24.04 build agent';
    const master = stack.pool.master;
    const resident = stack.pool.hosts.find((h) => h.ref === stack.pool.vm(vm).record.resident_on)!;
    expect(resident.ref).not.toBe(master.ref);
    const viewer = await join('root', vm);
    await seesTheGuest(viewer, vm);
    await stack.pool.setHostState(master.uuid, 'hang');
    try {
      await stack.pool.setHostState(resident.uuid, 'down');
      // Well before the gateway's call to the hung master (for the pool's idle timeout) could end.
      await viewer.client.notice((n) => n.type === 'upstream' && n.state === 'reattaching', 3000);
    } finally {
      await stack.pool.setHostState(master.uuid, 'up');
      await stack.pool.setHostState(resident.uuid, 'up');
    }
    await viewer.client.notice((n) => n.type === 'upstream' && n.state === 'live', 30_000);
    await seesTheGuest(viewer, vm);
    await leave(viewer);
  });
});

describe('the pool’s own rules', () => {
  it('tells every viewer when the pool closes an idle console, instead of reconnecting', async () => {
    setPool('vm_console_idle_timeout', 2);
    try {
      const vm = 'Windows Server 2022';
      const a = await join('root', vm);
      const b = await join('vmoperator', vm);
      // The gateway knows the pool's setting from its live inventory: why the upstream ends takes no call to the pool.
      await expect.poll(() => stack.gateway.context.inventories.live()?.idleTimeout('vm', uuidOf(vm))).toBe(2);
      // Watching is not activity: only keys and pointer moves reaching the guest are.
      await seesTheGuest(a, vm);
      const closed = await a.client.closed;
      expect(closed.code).toBe(4019);
      expect((await b.client.closed).code).toBe(4019);
    } finally {
      setPool('vm_console_idle_timeout', 0);
    }
  });

  it('a console another client holds is refused with the holder’s name, not retried', async () => {
    const vm = stack.pool.vm('Ubuntu 24.04 build agent').ref;
    const other = await openViewer(stack.pool, consoleOf(stack.pool, vm, 'rfb'), await login(stack.pool, 'operator'));
    try {
      const client = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf('Ubuntu 24.04 build agent')), {
        cookie: await cookieOf('root'),
        origin: stack.baseUrl,
      });
      expect(await client.closed).toEqual({ code: 4009, reason: 'In use by operator from another client.' });
    } finally {
      other.socket.destroy();
    }
  });
});
