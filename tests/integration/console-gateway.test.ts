import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleOf, openViewer } from '../../apps/xapi-sim/test/console-client.ts';
import { login } from '../../apps/xapi-sim/test/sim-client.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let root: string;
const uuidOf = (name: string): string => String(stack.pool.vm(name).record.uuid);
const open = (owner: 'vm' | 'host', uuid: string, cookie = root, origin: string | null = stack.baseUrl) =>
  ConsoleClient.open(consoleUrl(stack.baseUrl, owner, uuid), { cookie, origin });

beforeAll(async () => {
  stack = await startStack({ env: { CONSOLES_PER_USER: '6' } });
  root = (await stack.login('root')).cookie;
});
afterAll(() => stack?.close());

describe('opening a console', () => {
  it('relays the RFB banner of a running HVM guest', async () => {
    // How fast is measured by `npm run bench` (time to first frame), not asserted here.
    const client = await open('vm', uuidOf('Windows Server 2022'));
    const banner = (await client.read(12)).toString('latin1');
    expect(banner).toMatch(/^RFB 003\.00[38]\n$/);
    client.close();
  });

  it('completes a full RFB handshake through the tunnel and reaches the guest with typed keys', async () => {
    const vm = 'Debian 12 web';
    const client = await open('vm', uuidOf(vm));
    const init = await client.handshake();
    expect(init.width).toBeGreaterThan(0);
    expect(init.name).toBe(vm);
    const before = stack.pool.display(vm)!.input.length;
    for (const keysym of [0x68, 0x69]) {
      client.send([4, 1, 0, 0, 0, 0, 0, keysym]);
      client.send([4, 0, 0, 0, 0, 0, 0, keysym]);
    }
    await expect
      .poll(
        () =>
          stack.pool
            .display(vm)!
            .input.slice(before)
            .filter((e) => e.type === 'key' && e.down).length,
      )
      .toBe(2);
    const keys = stack.pool
      .display(vm)!
      .input.slice(before)
      .filter((e) => e.type === 'key' && e.down);
    expect(keys.map((e) => (e.type === 'key' ? e.keysym : 0))).toEqual([0x68, 0x69]);
    client.close();
  });

  it('opens a host console for a pool admin', async () => {
    const host = stack.pool.hosts[1]!;
    const client = await open('host', host.uuid);
    expect((await client.read(12)).toString('latin1')).toMatch(/^RFB 003\.00[38]\n$/);
    client.close();
  });
});

describe('refusals before the upgrade', () => {
  it.each([
    ['a foreign Origin', 'https://evil.example', 403, 'ORIGIN_REFUSED'],
    ['a null Origin', 'null', 403, 'ORIGIN_REFUSED'],
    ['no Origin', null, 403, 'ORIGIN_REFUSED'],
  ])('refuses %s with 403', async (_what, origin, status, code) => {
    const client = await open('vm', uuidOf('Windows Server 2022'), root, origin);
    expect(client.refused?.status).toBe(status);
    expect(JSON.parse(client.refused!.body).error).toBe(code);
  });

  it('refuses a missing cookie with 401 and a bad uuid with 400', async () => {
    const anonymous = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf('Windows Server 2022')), {
      origin: stack.baseUrl,
    });
    expect(anonymous.refused?.status).toBe(401);
    const bad = await open('vm', 'not-a-uuid');
    expect(bad.refused?.status).toBe(400);
  });
});

describe('failures after the upgrade map to close codes', () => {
  it('4005 for a halted or suspended VM, with the state in the reason', async () => {
    const halted = await (await open('vm', uuidOf('Windows 10 desktop'))).closed;
    expect(halted).toEqual({ code: 4005, reason: 'The VM is shut down.' });
    const suspended = await (await open('vm', uuidOf('Windows 11 test'))).closed;
    expect(suspended).toEqual({ code: 4005, reason: 'The VM is suspended.' });
  });

  it('4004 for an unknown VM', async () => {
    const closed = await (await open('vm', '00000000-0000-4000-8000-000000000000')).closed;
    expect(closed.code).toBe(4004);
  });

  it('4006 for a PV guest started with disable_pv_vnc', async () => {
    await stack.pool.start('CentOS 7 legacy');
    const closed = await (await open('vm', uuidOf('CentOS 7 legacy'))).closed;
    expect(closed.code).toBe(4006);
    expect(closed.reason).toContain('disable_pv_vnc');
    await stack.pool.halt('CentOS 7 legacy');
  });

  it('4003 for a read-only user, and for a non-pool-admin on a host console', async () => {
    const readonly = (await stack.login('readonly')).cookie;
    expect((await (await open('vm', uuidOf('Windows Server 2022'), readonly)).closed).code).toBe(4003);
    const vmadmin = (await stack.login('vmadmin')).cookie;
    expect((await (await open('host', stack.pool.hosts[0]!.uuid, vmadmin)).closed).code).toBe(4003);
    const own = await open('vm', uuidOf('Windows Server 2022'), vmadmin);
    expect((await own.read(12)).length).toBe(12);
    own.close();
  });

  it('4009 naming the holder when the pool allows one console per VM and another client has it', async () => {
    const poolRef = stack.pool.findRefs('pool')[0]!;
    stack.pool.setField('pool', poolRef, 'limit_console_sessions', true);
    const vm = stack.pool.vm('Ubuntu 24.04 build agent').ref;
    // XenCenter, say: a client of the pool that is not this gateway.
    const other = await openViewer(stack.pool, consoleOf(stack.pool, vm, 'rfb'), await login(stack.pool, 'operator'));
    try {
      const refused = await open('vm', uuidOf('Ubuntu 24.04 build agent'));
      const closed = await refused.closed;
      expect(closed).toEqual({ code: 4009, reason: 'In use by operator from another client.' });
      await refused.closed;
    } finally {
      other.socket.destroy();
      stack.pool.setField('pool', poolRef, 'limit_console_sessions', false);
    }
  });

  it('shares one console among its viewers instead of refusing the second under the pool’s limit', async () => {
    const poolRef = stack.pool.findRefs('pool')[0]!;
    stack.pool.setField('pool', poolRef, 'limit_console_sessions', true);
    try {
      const first = await open('vm', uuidOf('Ubuntu 24.04 build agent'));
      await first.handshake();
      const second = await open('vm', uuidOf('Ubuntu 24.04 build agent'));
      // The lone viewer is moved onto the shared console: told to rejoin, it reconnects and is served again.
      expect((await first.closed).code).toBe(4020);
      const rejoined = await open('vm', uuidOf('Ubuntu 24.04 build agent'));
      await second.handshake();
      await rejoined.handshake();
      rejoined.close();
      second.close();
      await Promise.all([rejoined.closed, second.closed]);
    } finally {
      stack.pool.setField('pool', poolRef, 'limit_console_sessions', false);
    }
  });

  it('4012 when the resident host does not answer', async () => {
    const host = stack.pool.hosts[2]!;
    await stack.pool.setHostState(host.uuid, 'down');
    try {
      const closed = await (await open('vm', uuidOf('Ubuntu 24.04 build agent'))).closed;
      expect(closed.code).toBe(4012);
    } finally {
      await stack.pool.setHostState(host.uuid, 'up');
    }
  });
});

describe('a console follows the VM', () => {
  it('ends with 4010 when the VM reboots, and the next connect reaches the new console', async () => {
    const vm = 'Debian 12 web';
    const oldConsoles = [...(stack.pool.vm(vm).record.consoles as string[])];
    const client = await open('vm', uuidOf(vm));
    await client.read(12);
    await stack.pool.reboot(vm);
    expect((await client.closed).code).toBe(4010);
    const fresh = stack.pool.vm(vm).record.consoles as string[];
    expect(fresh.some((ref) => oldConsoles.includes(ref))).toBe(false);
    const again = await open('vm', uuidOf(vm));
    expect((await again.read(12)).toString('latin1')).toMatch(/^RFB/);
    again.close();
  });

  it('ends with 4010 on live migration and reconnects through the new host', async () => {
    const vm = 'Windows Server 2022';
    const client = await open('vm', uuidOf(vm));
    await client.read(12);
    const target = stack.pool.hosts[1]!;
    await stack.pool.migrate(vm, target.uuid);
    expect((await client.closed).code).toBe(4010);
    const again = await open('vm', uuidOf(vm));
    await again.handshake();
    again.close();
    const console = stack.pool.record('console', (stack.pool.vm(vm).record.consoles as string[])[0]!);
    expect(String(console.location)).toContain(target.address);
  });
});

describe('sessions and caps', () => {
  it('closes every console of a user with 4017 on logout', async () => {
    const { cookie } = await stack.login('vmoperator');
    const a = await open('vm', uuidOf('Windows Server 2022'), cookie);
    const b = await open('vm', uuidOf('Debian 12 web'), cookie);
    await a.read(12);
    await b.read(12);
    const response = await fetch(`${stack.baseUrl}/api/session`, {
      method: 'DELETE',
      headers: { cookie, origin: stack.baseUrl },
    });
    expect(response.status).toBe(204);
    expect((await a.closed).code).toBe(4017);
    expect((await b.closed).code).toBe(4017);
    const after = await open('vm', uuidOf('Windows Server 2022'), cookie);
    expect(after.refused?.status).toBe(401);
  });

  it('closes consoles past the per-user cap with 4029', async () => {
    const { cookie } = await stack.login('poweradmin');
    const clients: ConsoleClient[] = [];
    for (let i = 0; i < 6; i++) clients.push(await open('vm', uuidOf('Windows Server 2022'), cookie));
    // The first was moved onto the shared console when the second arrived; a browser rejoins at once.
    expect((await clients[0]!.closed).code).toBe(4020);
    clients[0] = await open('vm', uuidOf('Windows Server 2022'), cookie);
    const extra = await open('vm', uuidOf('Windows Server 2022'), cookie);
    expect((await extra.closed).code).toBe(4029);
    for (const client of clients) client.close();
  });

  it('writes console opens and closes to the audit log with user, object, bytes and outcome', () => {
    const closes = stack.audit.json().filter((line) => line.event === 'console-close');
    expect(closes.length).toBeGreaterThan(3);
    for (const line of closes) {
      expect(line).toMatchObject({ user: expect.any(String), object: expect.stringMatching(/^(vm|host)\//) });
      expect(typeof line.bytesToBrowser).toBe('number');
      expect(typeof line.durationMs).toBe('number');
    }
    expect(closes.some((line) => line.outcome === 'ended')).toBe(true);
  });
});
