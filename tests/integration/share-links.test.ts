import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_TOKEN } from '@xwc/contracts';
import { ENC_RAW, FORMAT_NOVNC, RfbTestClient } from '../../apps/xapi-sim/test/rfb-client.ts';
import { snapshot } from '../../apps/xapi-sim/src/rfb/index.ts';
import { createApp } from '../../apps/proxy/src/http/app.ts';
import { AllowedHosts } from '../../apps/proxy/src/http/host-check.ts';
import { originPolicy } from '../../apps/proxy/src/http/origin.ts';
import { linkTokenHash, type LinkToken } from '../../apps/proxy/src/console/share/token.ts';
import { api } from '../support/api.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Read-only share links end to end, against the simulated pool: what the token opens (one console, view only, no
 * pool login), what it does not (every other route), and when it stops (revocation, expiry, the maker's logout, a
 * single use), with the reason the guest is given.
 */

let stack: Stack;
const VM = 'Debian 12 web';
const OTHER_VM = 'Windows Server 2022';
const uuidOf = (name: string): string => String(stack.pool.vm(name).record.uuid);
const cookies = new Map<string, string>();

async function cookieOf(user: string): Promise<string> {
  if (!cookies.has(user)) cookies.set(user, (await stack.login(user)).cookie);
  return cookies.get(user)!;
}

interface Made {
  id: string;
  token: LinkToken;
  path: string;
}

async function makeLink(user: string, body: Record<string, unknown> = {}): Promise<Made> {
  const response = await api<{ link: { id: string }; token: LinkToken; path: string }>(stack, 'POST', '/api/shares', {
    cookie: await cookieOf(user),
    body: { kind: 'vm', uuid: uuidOf(VM), ...body },
  });
  expect(response.status, response.text).toBe(201);
  return { id: response.body.link.id, token: response.body.token, path: response.body.path };
}

const guestUrl = (uuid: string, kind = 'vm'): string =>
  `${stack.baseUrl.replace(/^http/, 'ws')}/api/shared/${kind}/${uuid}`;

function openGuest(token: string, uuid = uuidOf(VM)): Promise<ConsoleClient> {
  return ConsoleClient.open(guestUrl(uuid), { origin: stack.baseUrl, protocols: ['binary', `xwc-link.${token}`] });
}

/** A guest past its welcome, with an RFB client over its binary frames. */
async function watch(token: string): Promise<{ client: ConsoleClient; rfb: RfbTestClient; id: string }> {
  const client = await openGuest(token);
  expect(client.refused, client.refused?.body).toBeUndefined();
  const welcome = await client.notice((n) => n.type === 'welcome');
  const rfb = RfbTestClient.over(client.rfbStream());
  await rfb.handshake('3.8');
  rfb.setPixelFormat(FORMAT_NOVNC);
  rfb.setEncodings([ENC_RAW]);
  return { client, rfb, id: String(welcome.viewer) };
}

/** Asks for whole screens until the picture equals the guest OS's screen. */
async function seesTheScreen(rfb: RfbTestClient): Promise<void> {
  await expect
    .poll(
      async () => {
        await rfb.update(false);
        const screen = snapshot(stack.pool.display(VM)!);
        return screen.width === rfb.width && Buffer.compare(Buffer.from(screen.rgba), Buffer.from(rfb.rgba)) === 0;
      },
      { timeout: 15_000, interval: 50 },
    )
    .toBe(true);
}

/** `api` with extra headers (a bearer token, a forged cookie). */
async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers: {
      origin: stack.baseUrl,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const guestInfo = (token: string, uuid = uuidOf(VM)) =>
  call('GET', `/api/shared/vm/${uuid}`, { authorization: `Bearer ${token}` });

/** Waits until the gateway has let every console go. */
const settled = () => expect.poll(() => stack.gateway.context.consoles.count).toBe(0);

beforeAll(async () => {
  stack = await startStack({ env: { SHARE_LINKS_PER_MINUTE: '30' } });
  // One connection per VM at the pool: a guest and a viewer both watching prove the gateway holds one upstream.
  stack.pool.setField('pool', stack.pool.findRefs('pool')[0]!, 'limit_console_sessions', true);
});
afterAll(() => stack?.close());

describe('making, listing and revoking links', () => {
  it('hands out a 256-bit token once, keeps only its hash, and lists links without it', async () => {
    const made = await makeLink('vmoperator', { expiresIn: 600, singleUse: true });
    expect(made.token).toMatch(LINK_TOKEN);
    expect(made.path).toBe(`/share/vm/${uuidOf(VM)}#${made.token}`);
    const listed = await call('GET', '/api/shares', { cookie: await cookieOf('vmoperator') });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(made.token);
    const mine = (listed.body!.links as Record<string, unknown>[]).find((l) => l.id === made.id)!;
    expect(mine).toMatchObject({ createdBy: 'vmoperator', singleUse: true, state: 'active', objectName: VM });
    expect(Date.parse(String(mine.expiresAt)) - Date.parse(String(mine.createdAt))).toBe(600_000);
    // What the gateway keeps: the hash, never the token (nor any part of its random half).
    const kept = JSON.stringify(await stack.gateway.context.consoles.shares.get(made.id));
    expect(kept).toContain(linkTokenHash(made.token));
    expect(kept).not.toContain(made.token.slice(5, 25));
    for (const line of [...stack.logs.lines, ...stack.audit.lines]) expect(line).not.toContain(made.token.slice(5));
    expect(stack.audit.json()).toContainEqual(
      expect.objectContaining({ event: 'share-create', user: 'vmoperator', link: made.id, singleUse: true }),
    );
  });

  it('refuses lifetimes outside 10 s … 24 h, other fields, and roles that may not open the console', async () => {
    const cookie = await cookieOf('vmoperator');
    const post = (body: unknown, as = cookie) => call('POST', '/api/shares', { cookie: as }, body);
    const uuid = uuidOf(VM);
    for (const [body, words] of [
      [{ kind: 'vm', uuid, expiresIn: 86_401 }, 'from 10 to 86400'],
      [{ kind: 'vm', uuid, expiresIn: 9 }, 'from 10 to 86400'],
      [{ kind: 'vm', uuid, expiresIn: 1.5 }, 'whole number'],
      [{ kind: 'vm', uuid, viewOnly: false }, 'Unknown field "viewOnly"'],
      [{ kind: 'pool', uuid }, '"kind"'],
      [{ kind: 'vm', uuid: 'nope' }, '"uuid"'],
    ] as const) {
      const answer = await post(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(String(answer.body!.message)).toContain(words);
    }
    expect((await post({ kind: 'vm', uuid }, await cookieOf('readonly'))).status).toBe(403);
    expect((await post({ kind: 'host', uuid: String(stack.pool.hosts[0]!.uuid) })).status).toBe(403);
    expect((await post({ kind: 'vm', uuid: '00000000-0000-0000-0000-000000000000' })).status).toBe(404);
  });

  it('rate-limits 1,000 link creations in a minute with 429 TOO_MANY_LINKS', async () => {
    const cookie = await cookieOf('poweradmin');
    const statuses: number[] = [];
    let limited: { status: number; text: string; body?: Record<string, unknown> } | undefined;
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          call('POST', '/api/shares', { cookie }, { kind: 'vm', uuid: uuidOf(VM), expiresIn: 60 }),
        ),
      );
      statuses.push(...answers.map((a) => a.status));
      limited ??= answers.find((a) => a.status === 429);
    }
    expect(statuses).toHaveLength(1000);
    // The minute may turn during the run: at most two minutes' worth get through.
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(30);
    expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(60);
    expect(statuses.filter((s) => s !== 201 && s !== 429)).toEqual([]);
    expect(limited!.body).toMatchObject({ error: 'TOO_MANY_LINKS' });
    expect(Number(limited!.body!.retryAfter)).toBeGreaterThan(0);
  });

  it('lets the maker and pool admins revoke a link, and nobody else', async () => {
    const made = await makeLink('vmoperator');
    const revoke = async (user: string) => call('DELETE', `/api/shares/${made.id}`, { cookie: await cookieOf(user) });
    expect((await revoke('vmadmin')).status).toBe(404);
    const seenBy = async (user: string) =>
      ((await call('GET', '/api/shares', { cookie: await cookieOf(user) })).body!.links as { id: string }[]).map(
        (l) => l.id,
      );
    expect(await seenBy('vmadmin')).not.toContain(made.id);
    expect(await seenBy('admin')).toContain(made.id);
    expect((await revoke('admin')).status).toBe(204);
    const after = (await call('GET', '/api/shares', { cookie: await cookieOf('vmoperator') })).body!.links as {
      id: string;
      state: string;
      revokedBy?: string;
    }[];
    expect(after.find((l) => l.id === made.id)).toMatchObject({ state: 'revoked', revokedBy: 'admin' });
    expect(stack.audit.json()).toContainEqual(
      expect.objectContaining({ event: 'share-revoke', user: 'admin', link: made.id, createdBy: 'vmoperator' }),
    );
  });
});

describe('a guest watching through a link', () => {
  it('watches the console without a pool login, through the one connection the maker’s session opened', async () => {
    const made = await makeLink('vmoperator');
    const described = await guestInfo(made.token);
    expect(described.status).toBe(200);
    expect(described.body).toMatchObject({ sharedBy: 'vmoperator', objectName: VM, viewOnly: true });
    // Nobody had the console open: the maker's session opens it for the guest.
    const guest = await watch(made.token);
    await seesTheScreen(guest.rfb);
    // A viewer joining shares that connection (the pool allows one per VM here).
    const viewer = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf(VM)), {
      cookie: await cookieOf('root'),
      origin: stack.baseUrl,
    });
    const seen = await viewer.notice((n) => n.type === 'presence' && (n.viewers as unknown[]).length === 2);
    expect(seen.viewers).toContainEqual(
      expect.objectContaining({ id: guest.id, user: 'guest', via: 'vmoperator', viewOnly: true, keyboard: false }),
    );
    expect(stack.audit.json()).toContainEqual(
      expect.objectContaining({ event: 'share-open', sharedBy: 'vmoperator', link: made.id, consoleId: guest.id }),
    );
    viewer.close();
    guest.client.close();
    await settled();
  });

  it('never types: keys, pointer and clipboard stop at the gateway, even after asking for the keyboard', async () => {
    const made = await makeLink('vmoperator');
    const guest = await watch(made.token);
    const welcome = guest.client.notices.find((n) => n.type === 'welcome')!;
    expect(welcome).toMatchObject({ canControl: false, canTake: false });
    await seesTheScreen(guest.rfb);
    const before = stack.pool.display(VM)!.input.length;
    guest.client.command({ type: 'view-only', on: false });
    guest.client.command({ type: 'request-control' });
    await guest.client.notice((n) => n.type === 'refused');
    guest.rfb.key(0x61, true);
    guest.rfb.key(0x61, false);
    guest.rfb.pointer(1, 10, 10);
    guest.rfb.cutText('from the guest');
    // A viewer with the keyboard types after the guest: once its key arrives, nothing of the guest's came before it.
    const holder = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf(VM)), {
      cookie: await cookieOf('root'),
      origin: stack.baseUrl,
    });
    await holder.notice((n) => n.type === 'presence' && (n.viewers as { keyboard: boolean }[]).some((v) => v.keyboard));
    const rfb = RfbTestClient.over(holder.rfbStream());
    await rfb.handshake('3.8');
    rfb.key(0x7a, true);
    await expect
      .poll(() =>
        stack.pool
          .display(VM)!
          .input.slice(before)
          .some((e) => e.type === 'key' && e.keysym === 0x7a),
      )
      .toBe(true);
    expect(
      stack.pool
        .display(VM)!
        .input.slice(before)
        .filter((e) => !(e.type === 'key' && e.keysym === 0x7a)),
    ).toEqual([]);
    holder.close();
    guest.client.close();
    await settled();
  });

  it('is not sent the guest OS’s clipboard, which a viewer with a login is', async () => {
    const made = await makeLink('vmoperator');
    const guest = await watch(made.token);
    const viewer = await ConsoleClient.open(consoleUrl(stack.baseUrl, 'vm', uuidOf(VM)), {
      cookie: await cookieOf('root'),
      origin: stack.baseUrl,
    });
    const rfb = RfbTestClient.over(viewer.rfbStream());
    await rfb.handshake('3.8');
    rfb.setEncodings([ENC_RAW]);
    await seesTheScreen(guest.rfb);
    stack.pool.display(VM)!.setClipboard('p4ssw0rd copied in the guest');
    await expect
      .poll(async () => {
        await rfb.update(false);
        return rfb.others.some((m) => m.type === 'cut-text');
      })
      .toBe(true);
    // Anything sent to the guest was sent before this answer.
    await guest.rfb.update(false);
    expect(guest.rfb.others.filter((m) => m.type === 'cut-text')).toEqual([]);
    viewer.close();
    guest.client.close();
    await settled();
  });
});

describe('when a link stops working', () => {
  it('refuses a tampered token, and a valid one on another console', async () => {
    const made = await makeLink('vmoperator');
    const flipped = `${made.token.slice(0, -1)}${made.token.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [flipped, made.token.slice(0, -1), `${made.token}A`, 'xwcl_', '']) {
      expect((await guestInfo(bad)).body).toMatchObject({ error: 'LINK_INVALID' });
      const client = await openGuest(bad);
      expect(client.refused?.status).toBe(401);
    }
    const elsewhere = await guestInfo(made.token, uuidOf(OTHER_VM));
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body).toMatchObject({ error: 'LINK_OTHER_CONSOLE' });
    const client = await openGuest(made.token, uuidOf(OTHER_VM));
    expect(client.refused?.status).toBe(403);
    expect(stack.audit.json()).toContainEqual(
      expect.objectContaining({ event: 'share-refused', outcome: 'otherConsole', link: made.id }),
    );
  });

  it('cuts the guest off when the link is revoked, and refuses it from then on', async () => {
    const made = await makeLink('vmoperator');
    const guest = await watch(made.token);
    await seesTheScreen(guest.rfb);
    expect((await call('DELETE', `/api/shares/${made.id}`, { cookie: await cookieOf('vmoperator') })).status).toBe(204);
    expect(await guest.client.closed).toEqual({ code: 4032, reason: 'The share link was revoked.' });
    expect((await guestInfo(made.token)).body).toMatchObject({ error: 'LINK_REVOKED' });
    expect((await (await openGuest(made.token)).closed).code).toBe(4032);
    await settled();
  });

  it('cuts the guest off when the link expires', async () => {
    const made = await makeLink('vmoperator', { expiresIn: 10 });
    const guest = await watch(made.token);
    expect(await guest.client.closed).toEqual({ code: 4031, reason: 'The share link expired.' });
    expect((await guestInfo(made.token)).body).toMatchObject({ error: 'LINK_EXPIRED' });
    expect(stack.audit.json()).toContainEqual(
      expect.objectContaining({ event: 'share-close', link: made.id, outcome: 'linkExpired' }),
    );
    await settled();
  });

  it('cuts the guest off when the maker logs out, and the link stays dead after a new login', async () => {
    const cookie = (await stack.login('vmoperator')).cookie;
    const response = await call('POST', '/api/shares', { cookie }, { kind: 'vm', uuid: uuidOf(VM) });
    const token = String(response.body!.token);
    const guest = await watch(token);
    expect((await call('DELETE', '/api/session', { cookie })).status).toBe(204);
    const closed = await guest.client.closed;
    expect(closed.code).toBe(4033);
    expect(closed.reason).toContain('no longer logged in');
    expect((await guestInfo(token)).body).toMatchObject({ error: 'LINK_ENDED' });
    await stack.login('vmoperator');
    expect((await guestInfo(token)).status).toBe(410);
    await settled();
  });

  it('opens a single-use link once: the first of two guests at once gets it, the other is told why', async () => {
    const made = await makeLink('vmoperator', { singleUse: true });
    const [a, b] = await Promise.all([openGuest(made.token), openGuest(made.token)]);
    const closes = await Promise.race([
      Promise.race([a.closed, b.closed]),
      new Promise((resolve) => setTimeout(() => resolve(undefined), 5000)),
    ]);
    expect(closes).toMatchObject({ code: 4034 });
    const winner = [a, b].find((c) => c.notices.some((n) => n.type === 'welcome'))!;
    expect(winner).toBeDefined();
    expect((await guestInfo(made.token)).body).toMatchObject({ error: 'LINK_USED' });
    winner.close();
    await settled();
  });
});

describe('the token opens nothing else', () => {
  /** Every route of the API as Express has it: `METHOD /api/path`, parameters filled in. */
  function apiRoutes(): { method: string; path: string }[] {
    const { config } = stack;
    const app = createApp(
      stack.gateway.context,
      { origin: originPolicy(config), hosts: new AllowedHosts(config) },
      stack.dataDir,
    ) as unknown as { router: { stack: Layer[] } };
    interface Layer {
      rawPath?: string;
      route?: { path: string; methods: Record<string, boolean> };
      handle: { stack?: Layer[] };
    }
    const found: { method: string; path: string }[] = [];
    const walk = (layers: Layer[], prefix: string): void => {
      for (const layer of layers) {
        if (layer.route && typeof layer.route.path === 'string') {
          for (const method of Object.keys(layer.route.methods))
            found.push({ method, path: prefix + layer.route.path });
        } else if (layer.handle.stack) {
          walk(
            layer.handle.stack,
            prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''),
          );
        }
      }
    };
    walk(app.router.stack, '');
    const fill: Record<string, string> = { class: 'vm', uuid: uuidOf(VM), kind: 'vm', id: 'x' };
    return found
      .filter((r) => r.path.startsWith('/api/'))
      .map((r) => ({
        method: r.method.toUpperCase(),
        path: r.path.replace(/:(\w+)/g, (_, name: string) => fill[name] ?? 'x'),
      }));
  }

  it('gets 401 from every API route that needs a login, whether sent as a bearer token or as the cookie', async () => {
    const made = await makeLink('vmoperator');
    const routes = apiRoutes();
    expect(routes.length).toBeGreaterThan(10);
    expect(routes).toContainEqual({ method: 'POST', path: '/api/shares' });
    /** Routes anyone may call (no login; accepting a certificate carries its own credentials): the token must change nothing in their answer. */
    const open = new Set([
      'GET /api/health',
      'GET /api/catalogue',
      'POST /api/session',
      'DELETE /api/session',
      'POST /api/trust/accept',
      // The login page's pool: its address, and the name and brand the last session read.
      'GET /api/pool',
    ]);
    const own = `GET /api/shared/vm/${uuidOf(VM)}`;
    for (const { method, path } of routes) {
      const label = `${method} ${path}`;
      if (label === own) continue;
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const presented: Record<string, string>[] = [
        { authorization: `Bearer ${made.token}` },
        { cookie: `xwc_session=${made.token}` },
      ];
      for (const headers of presented) {
        const answer = await call(method, path, headers, body);
        if (open.has(label)) {
          const plain = await call(method, path, {}, body);
          expect({ label, status: answer.status }).toEqual({ label, status: plain.status });
        } else {
          expect({ label, status: answer.status, error: answer.body?.error }).toEqual({
            label,
            status: 401,
            error: 'NOT_LOGGED_IN',
          });
        }
      }
    }
  });

  it('opens no console, wall or other link by upgrade, and works only in the subprotocol on its own console', async () => {
    const made = await makeLink('vmoperator');
    const ws = stack.baseUrl.replace(/^http/, 'ws');
    const attempts: [string, { cookie?: string; protocols?: string[] }][] = [
      [consoleUrl(stack.baseUrl, 'vm', uuidOf(VM)), { cookie: `xwc_session=${made.token}` }],
      [consoleUrl(stack.baseUrl, 'vm', uuidOf(VM)), { protocols: ['binary', `xwc-link.${made.token}`] }],
      [`${ws}/api/wall`, { cookie: `xwc_session=${made.token}` }],
      [`${ws}/api/wall`, { protocols: [`xwc-link.${made.token}`] }],
      [guestUrl(uuidOf(VM)), { cookie: `xwc_session=${made.token}`, protocols: ['binary'] }],
    ];
    for (const [url, options] of attempts) {
      const client = await ConsoleClient.open(url, { origin: stack.baseUrl, ...options });
      expect({ url, status: client.refused?.status }).toEqual({ url, status: 401 });
    }
  });
});
