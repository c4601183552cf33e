import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startFakeHost, type FakeHost } from '../support/fake-host.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Cases 3 and 4: the gateway connects only to the pool's own hosts, on the pool's port, with a
 * console path it has checked character by character; a host's reply is read within a bound.
 */
const VM = 'Ubuntu 24.04 build agent';
let stack: Stack;
let cookie: string;
let fakes: FakeHost[] = [];
let originalLocation: string;

const rfbConsoleRef = (): string =>
  (stack.pool.vm(VM).record.consoles as string[]).find((ref) => stack.pool.record('console', ref).protocol === 'rfb')!;
const setLocation = (location: string): void => stack.pool.setField('console', rfbConsoleRef(), 'location', location);
const member = () => stack.pool.hosts.find((h) => h.ref === stack.pool.vm(VM).record.resident_on)!;
const poolPort = (): number => Number(new URL(stack.pool.master.url).port);
const connect = async () =>
  (
    await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', String(stack.pool.vm(VM).record.uuid)), {
      cookie,
      origin: stack.baseUrl,
    })
  ).closed;

beforeAll(async () => {
  stack = await startStack({ env: { CONSOLE_CONNECT_TIMEOUT: '2' } });
  cookie = (await stack.login('root')).cookie;
  originalLocation = String(stack.pool.record('console', rfbConsoleRef()).location);
});
afterEach(async () => {
  for (const fake of fakes) await fake.close();
  fakes = [];
  setLocation(originalLocation);
  await stack.pool.setHostState(member().uuid, 'up');
});
afterAll(() => stack?.close());

async function fake(options: Parameters<typeof startFakeHost>[0]): Promise<FakeHost> {
  const host = await startFakeHost(options);
  fakes.push(host);
  return host;
}

describe('3. only the pool hosts, on the pool port', () => {
  it('refuses another loopback address with a listener on it, without connecting', async () => {
    const [a, b, c] = member().address.split('.');
    const stranger = `${a}.${b}.${c}.250`;
    const listener = await fake({ address: stranger, port: poolPort() });
    setLocation(`https://${stranger}:${poolPort()}/console?uuid=${stack.pool.record('console', rfbConsoleRef()).uuid}`);
    const closed = await connect();
    expect(closed.code).toBe(4502);
    expect(closed.reason).toContain('outside this pool');
    expect(listener.connections).toBe(0);
  });

  it.each(['localhost', 'evil.example', 'pool-host.internal'])('refuses the host name %s', async (name) => {
    setLocation(`https://${name}:${poolPort()}/console?uuid=${stack.pool.record('console', rfbConsoleRef()).uuid}`);
    expect((await connect()).code).toBe(4502);
  });

  it('refuses a pool host on a different port, without connecting', async () => {
    const listener = await fake({ address: member().address, port: poolPort() + 1 });
    setLocation(
      `https://${member().address}:${poolPort() + 1}/console?uuid=${stack.pool.record('console', rfbConsoleRef()).uuid}`,
    );
    const closed = await connect();
    expect(closed.code).toBe(4502);
    expect(closed.reason).toContain('another port');
    expect(listener.connections).toBe(0);
  });

  it('still connects to the real location (the guards are not simply refusing everything)', async () => {
    const client = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', String(stack.pool.vm(VM).record.uuid)), {
      cookie,
      origin: stack.baseUrl,
    });
    expect((await client.read(12)).toString('latin1')).toMatch(/^RFB/);
    client.close();
  });
});

describe('4. console paths are checked before anything is written upstream', () => {
  const uuid = '8013b937-0000-4000-8000-000000000001';
  it.each([
    ['CR LF', `uuid=${uuid}\r\nX-Injected: 1`],
    ['LF', `uuid=${uuid}\nX: 1`],
    ['encoded CR LF', `uuid=${uuid}%0d%0aX-Injected:%201`],
    ['a space', `uuid=${uuid} HTTP/1.1`],
    ['non-ASCII', `uuid=${uuid.slice(0, -1)}č`],
    ['excessive length', `uuid=${uuid}${'0'.repeat(600)}`],
    ['a ref with CR LF', `ref=OpaqueRef:${uuid}\r\n\r\nGET / HTTP/1.1`],
  ])('refuses a location with %s and never connects', async (_what, query) => {
    await stack.pool.setHostState(member().uuid, 'down');
    const listener = await fake({ address: member().address, port: poolPort(), tls: 'same' });
    setLocation(`https://${member().address}:${poolPort()}/console?${query}`);
    const closed = await connect();
    expect(closed.code).toBe(4502);
    expect(listener.connections).toBe(0);
    expect(listener.received).toBe('');
  });

  it('refuses a browser-supplied uuid with encoded CR LF before the upgrade', async () => {
    const client = await ConsoleClient.open(`${consoleUrl(stack.baseUrl, 'vm', 'x')}%0d%0aHost:%20evil`, {
      cookie,
      origin: stack.baseUrl,
    });
    expect(client.refused?.status).toBe(400);
  });
});

describe('4. replies from the host are bounded', () => {
  async function takeOver(reply: (socket: Socket) => void): Promise<FakeHost> {
    await stack.pool.setHostState(member().uuid, 'down');
    return fake({ address: member().address, port: poolPort(), tls: 'same', reply });
  }

  it('sends exactly one well-formed CONNECT with the cookie, and closes on a non-200 reply', async () => {
    const host = await takeOver((socket) =>
      socket.end('HTTP/1.1 302 Found\r\nLocation: https://evil.example/\r\n\r\n'),
    );
    const closed = await connect();
    expect(closed.code).toBe(4502);
    expect(host.received).toMatch(
      /^CONNECT \/console\?uuid=[0-9a-f-]{36} HTTP\/1\.0\r\nHost: [0-9.]+:\d+\r\nCookie: session_id=OpaqueRef:[0-9a-f-]{36}\r\n\r\n$/,
    );
  });

  it('closes on oversized reply headers, without waiting for them to end', async () => {
    // Never ended: without the header cap this would wait for the connect timeout (4012) instead.
    await takeOver((socket) => socket.write(`HTTP/1.1 200 OK\r\nX-Filler: ${'a'.repeat(64 * 1024)}`));
    expect((await connect()).code).toBe(4502);
  });

  it('closes at the connect timeout (4012) when the reply never ends its headers', async () => {
    await takeOver((socket) => socket.write('HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n'));
    expect((await connect()).code).toBe(4012);
  });

  it('maps 401, 403, 404 and 503 from the host', async () => {
    for (const [status, code] of [
      [401, 4001],
      [403, 4003],
      [404, 4006],
      [503, 4009],
    ] as const) {
      await takeOver((socket) => socket.end(`HTTP/1.1 ${status} X\r\nConnection: close\r\n\r\n`));
      expect((await connect()).code).toBe(code);
      for (const f of fakes) await f.close();
      fakes = [];
    }
  });
});
