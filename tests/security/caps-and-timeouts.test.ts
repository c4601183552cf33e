import { afterEach, describe, expect, it } from 'vitest';
import { api, readEvents } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack, type StackOptions } from '../support/stack.ts';

/** Cases 8 and 9: caps on consoles and logins; idle, absolute and session limits end consoles cleanly. */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function start(env: Record<string, string>, options: StackOptions = {}): Promise<Stack> {
  stack = await startStack({ ...options, env });
  return stack;
}

const openVm = (s: Stack, cookie: string, name = 'Windows Server 2022') =>
  ConsoleClient.open(consoleUrl(s.baseUrl, 'vm', String(s.pool.vm(name).record.uuid)), { cookie, origin: s.baseUrl });

describe('8. caps', () => {
  it('caps consoles per user and in total, with a clear refusal', async () => {
    const s = await start({ CONSOLES_PER_USER: '2', CONSOLES_TOTAL: '3' });
    const a = (await s.login('root')).cookie;
    const b = (await s.login('vmadmin')).cookie;
    // Different VMs: two viewers of one VM would share its console (and the first would rejoin).
    const held = [await openVm(s, a, 'Windows Server 2022'), await openVm(s, a, 'Debian 12 web')];
    const third = await openVm(s, a, 'Ubuntu 24.04 build agent');
    expect(await third.closed).toEqual({ code: 4029, reason: 'Too many consoles are open.' });
    held.push(await openVm(s, b, 'Ubuntu 24.04 build agent'));
    const overall = await openVm(s, b, 'Windows Server 2022');
    expect((await overall.closed).code).toBe(4029);
    held[0]!.close();
    await held[0]!.closed;
    const again = await openVm(s, a, 'Windows Server 2022');
    expect((await again.read(12)).toString('latin1')).toMatch(/^RFB/);
    for (const client of [...held, again]) client.close();
  });

  it('limits login attempts per client address, saying when to try again', async () => {
    const s = await start({ LOGIN_ATTEMPTS_PER_ADDRESS: '4' });
    for (let i = 0; i < 4; i++) {
      const response = await api(s, 'POST', '/api/session', { body: { username: `guess${i}`, password: 'x' } });
      expect(response.status).toBe(401);
    }
    const limited = await api(s, 'POST', '/api/session', { body: { username: 'root', password: s.password('root') } });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      error: 'RATE_LIMITED',
      scope: 'address',
      message: expect.stringMatching(/^Too many failed logins from your address\. Try again in \d+ s\.$/),
    });
    expect(s.audit.json().some((line) => line.event === 'login' && line.outcome === 'rate-limited')).toBe(true);
  });
});

describe('9. timeouts', () => {
  it('closes an idle console (4014), and only real input keeps it open', async () => {
    const s = await start({ CONSOLE_IDLE_TIMEOUT: '1' });
    const { cookie } = await s.login('root');
    const busy = await openVm(s, cookie, 'Debian 12 web');
    await busy.handshake();
    const idle = await openVm(s, cookie, 'Windows Server 2022');
    await idle.handshake();
    const started = Date.now();
    // The idle console keeps asking for updates (no input); the busy one types every 300 ms.
    while (Date.now() - started < 2500) {
      idle.send([3, 1, 0, 0, 0, 0, 0, 10, 0, 10]);
      busy.send([4, 1, 0, 0, 0, 0, 0, 0x61]);
      busy.send([4, 0, 0, 0, 0, 0, 0, 0x61]);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(await idle.closed).toEqual({ code: 4014, reason: 'Closed after the idle timeout.' });
    expect(busy.ws.readyState).toBe(busy.ws.OPEN);
    expect((await busy.closed).code).toBe(4014);
  });

  it('closes any console at the absolute limit (4015)', async () => {
    const s = await start({ CONSOLE_MAX_DURATION: '1' });
    const { cookie } = await s.login('root');
    const client = await openVm(s, cookie);
    expect((await client.closed).code).toBe(4015);
  });

  it('closes every console of a user on logout (4017) and on session expiry (4001)', async () => {
    const s = await start({ SESSION_IDLE_TIMEOUT: '5' });
    const first = (await s.login('vmadmin')).cookie;
    const a = await openVm(s, first);
    const b = await openVm(s, first, 'Debian 12 web');
    await api(s, 'DELETE', '/api/session', { cookie: first });
    expect((await a.closed).code).toBe(4017);
    expect((await b.closed).code).toBe(4017);

    const second = (await s.login('vmadmin')).cookie;
    const c = await openVm(s, second);
    await c.read(12);
    expect((await c.closed).code).toBe(4001);
    expect((await api(s, 'GET', '/api/session', { cookie: second })).status).toBe(401);
    expect(s.audit.json().some((line) => line.event === 'logout' && line.reason === 'expired')).toBe(true);
  });

  it('tells an open page when the pool ends the session, and closes its consoles', async () => {
    const s = await start({});
    const { cookie } = await s.login('operator');
    const client = await openVm(s, cookie);
    await client.read(12);
    let ended = false;
    const events = await readEvents(s, cookie, (seen) => {
      if (!ended && seen.some((e) => e.event === 'snapshot')) {
        ended = true;
        s.pool.destroySessions('operator');
      }
      return seen.some((e) => e.event === 'session-ended');
    });
    expect(events.some((e) => e.event === 'session-ended')).toBe(true);
    expect((await client.closed).code).toBe(4001);
  });
});
