import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.ts';

/**
 * Case 21: login limits nobody can use to lock a named user out. Each client is a real loopback source address
 * (127.0.0.x), as the gateway sees it without TRUST_PROXY.
 */
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const ATTACKER = '127.0.0.2';
const USER = '127.0.0.3';

interface Reply {
  status: number;
  body: Record<string, unknown>;
  retryAfter: string | undefined;
}

/** `POST /api/session` from a given loopback source address. */
function loginFrom(s: Stack, address: string, username: string, password: string): Promise<Reply> {
  const url = new URL(s.baseUrl);
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: Number(url.port),
        localAddress: address,
        method: 'POST',
        path: '/api/session',
        headers: { origin: s.baseUrl, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as Record<string, unknown>,
            retryAfter: res.headers['retry-after'],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const guessed = (s: Stack, user: string): number =>
  s.audit.json().filter((line) => line.event === 'login' && line.user === user && line.outcome === 'failure').length;

describe('21. login limits that cannot lock a user out', () => {
  it('slows an attacker hammering root from one address while root logs in from another', async () => {
    const s = (stack = await startStack({ env: { LOGIN_FREE_ATTEMPTS: '3' } }));
    for (let i = 0; i < 3; i++) expect((await loginFrom(s, ATTACKER, 'root', `guess${i}`)).status).toBe(401);
    for (let i = 0; i < 10; i++) {
      const refused = await loginFrom(s, ATTACKER, 'root', `guess${i}`);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error: 'RATE_LIMITED', scope: 'user', retryAfter: expect.any(Number) });
      expect(refused.body.message).toMatch(/^Too many failed logins for this user name\. Try again in \d+ s\.$/);
      expect(refused.retryAfter).toBe(String(refused.body.retryAfter));
    }
    // The refused attempts never reached the pool: only the three free guesses did.
    expect(guessed(s, 'root')).toBe(3);
    // Even the right password waits on the attacker's address…
    expect((await loginFrom(s, ATTACKER, 'root', s.password('root'))).status).toBe(429);
    // …while the real root, elsewhere, may mistype and still log in.
    expect((await loginFrom(s, USER, 'root', 'typo')).status).toBe(401);
    expect((await loginFrom(s, USER, 'root', s.password('root'))).status).toBe(200);
    // And the attacker's address is not limited for other names.
    expect((await loginFrom(s, ATTACKER, 'operator', s.password('operator'))).status).toBe(200);
  });

  it('grows the delay with each failure past the free attempts, and says exactly how long', async () => {
    const s = (stack = await startStack({ env: { LOGIN_FREE_ATTEMPTS: '1' } }));
    expect((await loginFrom(s, ATTACKER, 'vmadmin', 'wrong')).status).toBe(401);
    const first = await loginFrom(s, ATTACKER, 'vmadmin', 'wrong');
    expect(first.body).toMatchObject({ error: 'RATE_LIMITED', retryAfter: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await loginFrom(s, ATTACKER, 'vmadmin', 'wrong')).status).toBe(401);
    const second = await loginFrom(s, ATTACKER, 'vmadmin', 'wrong');
    expect(second.body).toMatchObject({ error: 'RATE_LIMITED', retryAfter: 2 });
    expect(s.audit.json().filter((line) => line.outcome === 'rate-limited' && line.reason === 'user')).toHaveLength(2);
  });

  it('stops password spraying: one address failing for many names waits, for every name', async () => {
    const s = (stack = await startStack({ env: { LOGIN_ATTEMPTS_PER_ADDRESS: '4' } }));
    for (let i = 0; i < 4; i++) expect((await loginFrom(s, ATTACKER, `user${i}`, 'Summer2025!')).status).toBe(401);
    const refused = await loginFrom(s, ATTACKER, 'root', s.password('root'));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'RATE_LIMITED', scope: 'address' });
    expect(refused.body.message).toMatch(/^Too many failed logins from your address\. Try again in \d+ s\.$/);
    expect((await loginFrom(s, USER, 'root', s.password('root'))).status).toBe(200);
  });

  it('past the per-name ceiling only slows every address; the real user still gets in', async () => {
    const s = (stack = await startStack({ env: { LOGIN_ATTEMPTS_PER_USER: '3', LOGIN_FREE_ATTEMPTS: '5' } }));
    for (const address of ['127.0.0.4', '127.0.0.5', '127.0.0.6']) {
      expect((await loginFrom(s, address, 'root', 'wrong')).status).toBe(401);
    }
    // A new address gets one guess, then waits (it would have had five).
    expect((await loginFrom(s, ATTACKER, 'root', 'wrong')).status).toBe(401);
    expect((await loginFrom(s, ATTACKER, 'root', 'wrong')).body).toMatchObject({
      error: 'RATE_LIMITED',
      scope: 'user',
    });
    // The real user's first attempt is never refused.
    expect((await loginFrom(s, USER, 'root', s.password('root'))).status).toBe(200);
  });
});
