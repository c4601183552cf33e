import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleBackend, DisplayFactory, GuestDisplay } from '@xwc/xapi-sim';
import { consoleOf, openViewer } from '../../apps/xapi-sim/test/console-client.ts';
import { login } from '../../apps/xapi-sim/test/sim-client.ts';
import { createDisplayFactory, type TextConsole } from '../../apps/xapi-sim/src/rfb/index.ts';
import { OTHER_VIEW_HOLDS } from '../../apps/proxy/src/console/text/text-consoles.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * The text console route (`/api/consoles/{vm,host}/:uuid/text`) end to end: the simulated pool's vncterm-like text
 * consoles behind the gateway, and one PV guest whose vt100 port is a hostile server the test drives.
 */

const VM = 'Debian 12 web';
const HOSTILE = 'Ubuntu 24.04 build agent';

/** A vt100 port that sends whatever the test writes: random bytes, as fast as the gateway takes them. */
class HostileVt100 implements ConsoleBackend {
  readonly protocol = 'vt100';
  readonly streams = new Set<Duplex>();

  serve(stream: Duplex): void {
    this.streams.add(stream);
    stream.on('error', () => undefined);
    stream.on('close', () => this.streams.delete(stream));
  }

  /** Writes `total` random bytes to the connected console, at the pace its socket takes them. */
  async flood(total: number): Promise<Buffer> {
    const bytes = randomBytes(total);
    for (let at = 0; at < total; at += 64 * 1024) await this.write(bytes.subarray(at, at + 64 * 1024));
    return bytes;
  }

  async write(bytes: Buffer): Promise<void> {
    const [stream] = this.streams;
    if (!stream) throw new Error('nobody is connected to the hostile console');
    if (!stream.write(bytes)) await new Promise((resolve) => stream.once('drain', resolve));
  }
}

const hostile = new HostileVt100();

/** The simulator's own displays, except the hostile guest's text port. */
function displays(): DisplayFactory {
  const real = createDisplayFactory();
  return {
    ...real,
    textConsole: (options) => {
      const display = real.textConsole(options);
      if (options.title !== HOSTILE) return display;
      const wrapped: GuestDisplay = {
        rfb: display.rfb,
        vt100: hostile,
        input: display.input,
        onInput: (listener) => display.onInput(listener),
        setClipboard: (text) => display.setClipboard(text),
        close: () => {
          for (const stream of hostile.streams) stream.destroy();
          display.close();
        },
      };
      return wrapped;
    },
  };
}

let stack: Stack;
const cookies = new Map<string, string>();
const uuidOf = (name: string): string => String(stack.pool.vm(name).record.uuid);
const textUrl = (owner: 'vm' | 'host', uuid: string): string => `${consoleUrl(stack.baseUrl, owner, uuid)}/text`;

async function cookieOf(user: string): Promise<string> {
  if (!cookies.has(user)) cookies.set(user, (await stack.login(user)).cookie);
  return cookies.get(user)!;
}

async function openText(user: string, vm = VM, query = '', owner: 'vm' | 'host' = 'vm'): Promise<ConsoleClient> {
  const client = await ConsoleClient.open(`${textUrl(owner, owner === 'vm' ? uuidOf(vm) : vm)}${query}`, {
    cookie: await cookieOf(user),
    origin: stack.baseUrl,
  });
  return client;
}

/** A text viewer once the gateway said who it is and its console is live (its first binary frame, maybe empty). */
async function joinText(user: string, vm = VM, query = ''): Promise<{ client: ConsoleClient; id: string }> {
  const client = await openText(user, vm, query);
  const welcome = await client.notice((n) => n.type === 'welcome');
  await expect.poll(() => client.binaryFrames, { timeout: 15_000 }).toBeGreaterThan(0);
  return { client, id: String(welcome.viewer) };
}

/** Waits until the viewer's output contains `text`. */
async function shows(client: ConsoleClient, text: string): Promise<void> {
  await expect.poll(() => client.bytes.toString('utf8').includes(text), { timeout: 15_000 }).toBe(true);
}

/** Types a line at the login prompt: a first Return ends a password prompt (or repeats the login one). */
const typeLine = (client: ConsoleClient, text: string): void => client.send(Buffer.from(`\r${text}\r`, 'utf8'));

const textOf = (vm: string): string => (stack.pool.display(vm) as TextConsole).screenLines().join('\n');

async function leave(...clients: ConsoleClient[]): Promise<void> {
  for (const client of clients) client.close();
  await Promise.all(clients.map((c) => c.closed));
  await expect.poll(() => stack.gateway.context.consoles.count).toBe(0);
}

function setPool(field: string, value: unknown): void {
  const [pool] = stack.pool.findRefs('pool');
  stack.pool.setField('pool', pool!, field, value);
}

const auditOf = (event: string) => stack.audit.json().filter((line) => line.event === event);

beforeAll(async () => {
  stack = await startStack({ pool: { displays: displays() }, env: { CONSOLES_PER_USER: '4' } });
});
afterAll(() => stack?.close());

describe('a text console', () => {
  it('shows the guest’s boot text, takes typed text, and is audited as a text view', async () => {
    const { client, id } = await joinText('root');
    await shows(client, 'Debian GNU/Linux 12 debian-12-web hvc0');
    await shows(client, 'debian-12-web login: ');
    client.send(Buffer.from('root\r', 'utf8'));
    await shows(client, 'Password: ');
    expect(textOf(VM)).toContain('debian-12-web login: root');
    await leave(client);
    const object = `vm/${uuidOf(VM)}/text`;
    expect(auditOf('console-open')).toContainEqual(
      expect.objectContaining({ user: 'root', object, consoleId: id, mode: 'text' }),
    );
    const close = auditOf('console-close').find((l) => l.consoleId === id)!;
    expect(close).toMatchObject({ object, objectName: VM, outcome: 'peer-gone', inputEvents: 1 });
    expect(close.bytesToBrowser).toBeGreaterThan(200);
  });

  it('opens a server’s text console for a pool admin', async () => {
    const client = await openText('root', stack.pool.hosts[0]!.uuid, '', 'host');
    await shows(client, 'XCP-ng release 8.3.0');
    await shows(client, 'login: ');
    await leave(client);
  });

  it('serves several viewers from one connection, and only the keyboard holder’s keys reach the guest', async () => {
    setPool('limit_console_sessions', true);
    try {
      const holder = await joinText('root');
      const follower = await joinText('vmoperator');
      await follower.client.notice(
        (n) =>
          n.type === 'presence' &&
          (n.viewers as { id: string; keyboard: boolean }[]).some((v) => v.id === holder.id && v.keyboard),
      );
      const before = stack.pool.display(VM)!.input.length;
      follower.client.send(Buffer.from('x'));
      holder.client.send(Buffer.from('y'));
      await expect
        .poll(() =>
          stack.pool
            .display(VM)!
            .input.slice(before)
            .flatMap((e) => (e.type === 'key' && e.down ? [String.fromCharCode(e.keysym)] : [])),
        )
        .toEqual(['y']);
      // Both see what the guest prints, from the one connection the pool allows.
      typeLine(holder.client, 'shared-echo');
      await shows(follower.client, 'login: shared-echo');
      await shows(holder.client, 'login: shared-echo');

      const admin = await joinText('admin');
      admin.client.command({ type: 'take-control' });
      await holder.client.notice((n) => n.type === 'control' && (n.change as { how?: string }).how === 'take');
      expect(auditOf('console-control')).toContainEqual(
        expect.objectContaining({ user: 'admin', how: 'take', from: 'root', object: `vm/${uuidOf(VM)}/text` }),
      );
      await leave(holder.client, follower.client, admin.client);
    } finally {
      setPool('limit_console_sessions', false);
    }
  });

  it('a viewer who joins late is sent the recent output first', async () => {
    const first = await joinText('root');
    typeLine(first.client, 'late-joiner-check');
    await shows(first.client, 'late-joiner-check');
    const late = await joinText('vmoperator');
    await shows(late.client, 'late-joiner-check');
    await leave(first.client, late.client);
  });

  it('keeps its viewers through a reboot and shows the new boot', async () => {
    const { client } = await joinText('root');
    await shows(client, 'login: ');
    client.discard();
    await stack.pool.reboot(VM);
    await client.notice((n) => n.type === 'upstream' && n.state === 'reattaching');
    await client.notice((n) => n.type === 'upstream' && n.state === 'live', 30_000);
    await shows(client, 'login: ');
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    await leave(client);
  });
});

describe('refusals: the same rules as graphical consoles', () => {
  it('refuses a foreign Origin, no session and a malformed uuid before the upgrade', async () => {
    const url = textUrl('vm', uuidOf(VM));
    const foreign = await ConsoleClient.open(url, { cookie: await cookieOf('root'), origin: 'https://evil.example' });
    expect(foreign.refused?.status).toBe(403);
    expect(foreign.refused?.body).toContain('ORIGIN_REFUSED');
    const anonymous = await ConsoleClient.open(url, { origin: stack.baseUrl });
    expect(anonymous.refused?.status).toBe(401);
    const malformed = await ConsoleClient.open(textUrl('vm', 'not-a-uuid'), {
      cookie: await cookieOf('root'),
      origin: stack.baseUrl,
    });
    expect(malformed.refused?.status).toBe(400);
  });

  it('closes with 4003 for a role that may not open it, and audits the refusal', async () => {
    const readonly = await openText('readonly');
    expect((await readonly.closed).code).toBe(4003);
    const vmadmin = await openText('vmadmin', stack.pool.hosts[0]!.uuid, '', 'host');
    expect((await vmadmin.closed).code).toBe(4003);
    expect(auditOf('console-refused')).toContainEqual(
      expect.objectContaining({ user: 'readonly', object: `vm/${uuidOf(VM)}/text`, outcome: 'forbidden' }),
    );
  });

  it('says why a VM has no text console, or is not running', async () => {
    const hvm = await openText('root', 'Windows Server 2022');
    expect(await hvm.closed).toEqual({
      code: 4006,
      reason: 'This VM has no text console: only PV guests and servers have one.',
    });
    const halted = await openText('root', 'Fedora 40 workstation');
    expect((await halted.closed).code).toBe(4005);
    await expect.poll(() => stack.gateway.context.consoles.count).toBe(0);
  });

  it('counts text and graphical views together against the per-user cap', async () => {
    const views = [
      await joinText('vmadmin'),
      await joinText('vmadmin', VM),
      await joinText('vmadmin', VM, '?view=only'),
    ].map((v) => v.client);
    const graphical = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf('Windows Server 2022')), {
      cookie: await cookieOf('vmadmin'),
      origin: stack.baseUrl,
    });
    await graphical.read(12);
    const fifth = await openText('vmadmin');
    expect((await fifth.closed).code).toBe(4029);
    expect(auditOf('console-refused')).toContainEqual(
      expect.objectContaining({ user: 'vmadmin', object: `vm/${uuidOf(VM)}/text`, outcome: 'too-many' }),
    );
    await leave(...views, graphical);
  });

  it('closes a viewer that sends an unknown command, alone', async () => {
    const good = await joinText('root');
    const bad = await joinText('vmoperator');
    bad.client.ws.send('{"type":"paste-everywhere"}');
    expect((await bad.client.closed).code).toBe(4400);
    typeLine(good.client, 'still-here');
    await shows(good.client, 'still-here');
    await leave(good.client);
  });
});

describe('one connection per VM under limit_console_sessions', () => {
  beforeAll(() => setPool('limit_console_sessions', true));
  afterAll(() => setPool('limit_console_sessions', false));

  it('refuses the text view while the graphical view holds the VM’s slot, saying why; then switches', async () => {
    const graphical = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf(VM)), {
      cookie: await cookieOf('root'),
      origin: stack.baseUrl,
    });
    await graphical.read(12);
    const text = await openText('vmoperator');
    expect(await text.closed).toEqual({ code: 4009, reason: OTHER_VIEW_HOLDS.graphical });
    // Switching views: the graphical view closes, the text view opens on the slot it let go of.
    await leave(graphical);
    const switched = await joinText('root');
    await shows(switched.client, 'login: ');
    await leave(switched.client);
  });

  it('refuses the graphical view while the text view holds the VM’s slot, saying why', async () => {
    const text = await joinText('root');
    const graphical = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf(VM)), {
      cookie: await cookieOf('vmoperator'),
      origin: stack.baseUrl,
    });
    expect(await graphical.closed).toEqual({ code: 4009, reason: OTHER_VIEW_HOLDS.text });
    await leave(text.client);
  });

  it('a text console another client holds is refused with the holder’s name', async () => {
    const vm = stack.pool.vm(VM).ref;
    const other = await openViewer(stack.pool, consoleOf(stack.pool, vm, 'vt100'), await login(stack.pool, 'operator'));
    try {
      const text = await openText('root');
      expect(await text.closed).toEqual({ code: 4009, reason: 'In use by operator from another client.' });
    } finally {
      other.socket.destroy();
    }
    await expect.poll(() => stack.gateway.context.consoles.count).toBe(0);
  });
});

describe('the pool’s idle timeout', () => {
  it('tells the text viewers when the pool closed their idle console', async () => {
    setPool('vm_console_idle_timeout', 2);
    try {
      const a = await joinText('root');
      const b = await joinText('vmoperator');
      expect((await a.client.closed).code).toBe(4019);
      expect((await b.client.closed).code).toBe(4019);
    } finally {
      setPool('vm_console_idle_timeout', 0);
    }
  });
});

describe('a hostile text console', () => {
  /** Follows a viewer's output without keeping it: how much came, its digest, and whether `tail` was seen. */
  function follow(client: ConsoleClient) {
    const seen = { bytes: 0, hash: createHash('sha256'), text: '' };
    client.discard();
    client.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      seen.bytes += data.length;
      seen.hash.update(data);
      // Only the notes the gateway inserts are looked for: keep the printable tail of each frame.
      seen.text = (seen.text + data.toString('latin1')).slice(-4096);
      client.discard();
    });
    return seen;
  }

  it('passes random bytes through untouched, and skips output for a browser that stopped reading', async () => {
    const fast = await joinText('root', HOSTILE);
    const slow = await joinText('vmoperator', HOSTILE);
    const fastSeen = follow(fast.client);
    const slowSeen = follow(slow.client);
    // The slow browser stops reading: its socket fills, and the gateway must not queue the flood for it.
    const slowSocket = (slow.client.ws as unknown as { _socket: Socket })._socket;
    slowSocket.pause();
    const flood = await hostile.flood(24 * 1024 * 1024);
    await expect.poll(() => fastSeen.bytes, { timeout: 60_000 }).toBe(flood.length);
    expect(fastSeen.hash.copy().digest('hex')).toBe(createHash('sha256').update(flood).digest('hex'));
    slowSocket.resume();
    // Once it reads again it is told that output was skipped, and gets what follows.
    const marker = Buffer.from('\r\n-- after the flood --\r\n');
    await expect
      .poll(
        async () => {
          await hostile.write(marker);
          return slowSeen.text.includes(marker.toString('latin1'));
        },
        { timeout: 15_000, interval: 500 },
      )
      .toBe(true);
    expect(slowSeen.text).toMatch(/\[\d+ KiB of console output skipped: this browser fell behind\]/);
    expect(slowSeen.bytes).toBeLessThan(flood.length);
    expect(fast.client.ws.readyState).toBe(fast.client.ws.OPEN);
    await leave(fast.client, slow.client);
  }, 120_000);
});
