import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readThumbnailFrame } from '@xwc/contracts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * The console wall's WebSocket against the simulated pool: a PNG thumbnail of a running console made from the one
 * connection a viewer then shares, the reason for every console it does not show, and bad input.
 */

let stack: Stack;
const uuidOf = (name: string): string => String(stack.pool.vm(name).record.uuid);
const wallUrl = (): string => `${stack.baseUrl.replace(/^http/, 'ws')}/api/wall`;

async function openWall(user: string, origin = stack.baseUrl): Promise<ConsoleClient> {
  return ConsoleClient.open(wallUrl(), { cookie: (await stack.login(user)).cookie, origin });
}

const watch = (wall: ConsoleClient, ...names: string[]): void =>
  wall.command({ type: 'watch', consoles: names.map((n) => `vm/${uuidOf(n)}`) });

const stateOf = (wall: ConsoleClient, name: string, state: string) =>
  wall.notice((n) => n.type === 'state' && n.console === `vm/${uuidOf(name)}` && n.state === state);

beforeAll(async () => {
  stack = await startStack({ env: { WALL_VIEWS_PER_SESSION: '2', WALL_CONSOLES: '4' } });
  // One connection per VM at the pool: a viewer beside the wall proves the thumbnail opened no connection of its own.
  stack.pool.setField('pool', stack.pool.findRefs('pool')[0]!, 'limit_console_sessions', true);
});
afterAll(() => stack?.close());

describe('the console wall', () => {
  it('sends a PNG of a running console, from the connection a viewer then shares', async () => {
    const wall = await openWall('vmoperator');
    expect(await wall.notice((n) => n.type === 'hello')).toMatchObject({ width: 320, height: 240, maxConsoles: 4 });
    watch(wall, 'Debian 12 web');
    await stateOf(wall, 'Debian 12 web', 'live');
    const frame = readThumbnailFrame(new Uint8Array(await wall.read(1 + 39 + 24)));
    expect(frame?.console).toBe(`vm/${uuidOf('Debian 12 web')}`);
    const png = Buffer.from(frame!.png);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([320, 200]);

    const viewer = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf('Debian 12 web')), {
      cookie: (await stack.login('root')).cookie,
      origin: stack.baseUrl,
    });
    expect((await viewer.handshake()).name).toBe('Debian 12 web');
    viewer.close();
    wall.close();
    await wall.closed;
  });

  it('says why it shows no screen: a role that may not open consoles, a VM that is not running', async () => {
    // The console is open already (a viewer), so no new connection would let the pool check the role: the gateway does.
    const viewer = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf('Debian 12 web')), {
      cookie: (await stack.login('root')).cookie,
      origin: stack.baseUrl,
    });
    await viewer.handshake();
    const readOnly = await openWall('readonly');
    watch(readOnly, 'Debian 12 web');
    expect(await stateOf(readOnly, 'Debian 12 web', 'stopped')).toMatchObject({ code: 4003 });
    expect(readOnly.notices.some((n) => n.type === 'state' && n.state !== 'stopped')).toBe(false);
    readOnly.close();
    viewer.close();
    const operator = await openWall('vmoperator');
    watch(operator, 'Windows 10 desktop');
    expect(await stateOf(operator, 'Windows 10 desktop', 'stopped')).toMatchObject({ code: 4005 });
    operator.close();
  });

  it('refuses bad input: no login, a foreign page, too many consoles or pages, an unknown command', async () => {
    expect((await ConsoleClient.open(wallUrl(), { origin: stack.baseUrl })).refused?.status).toBe(401);
    expect((await openWall('vmoperator', 'https://evil.example')).refused?.status).toBe(403);

    const wall = await openWall('vmoperator');
    watch(
      wall,
      'Debian 12 web',
      'Windows Server 2022',
      'Ubuntu 24.04 build agent',
      'Windows 10 desktop',
      'CentOS 7 legacy',
    );
    expect(await wall.notice((n) => n.type === 'refused')).toMatchObject({
      reason: expect.stringContaining('at most 4'),
    });

    const cookie = (await stack.login('operator')).cookie;
    const pages: ConsoleClient[] = [];
    for (let n = 0; n < 3; n++) pages.push(await ConsoleClient.open(wallUrl(), { cookie, origin: stack.baseUrl }));
    expect((await pages[2]!.closed).code).toBe(4029);
    for (const open of pages.slice(0, 2)) open.close();

    wall.command({ type: 'watch', consoles: ['vm/not-a-uuid'] });
    expect((await wall.closed).code).toBe(4400);
  });
});
