import { describe, expect, it } from 'vitest';
import { MemoryLoginCounters } from '../src/auth/login-counters.ts';
import { LoginLimited, LoginLimits, type LoginLimitSettings } from '../src/auth/login-limits.ts';

/** The login-limit policy on a hand-driven clock: which attempts pass, and the exact wait of those that do not. */

const SETTINGS: LoginLimitSettings = {
  freeAttempts: 3,
  firstDelayMs: 1000,
  maxDelayMs: 8000,
  perAddress: 20,
  perUser: 10,
  windowMs: 60_000,
};

function limits(settings: Partial<LoginLimitSettings> = {}) {
  const clock = { now: 1_000_000 };
  const now = () => clock.now;
  return { clock, limits: new LoginLimits(new MemoryLoginCounters(1000, now), { ...SETTINGS, ...settings }, now) };
}

/** A failed guess (let through, then refused by the pool); or the refusal as [retryAfter, scope]. */
async function fail(l: LoginLimits, user: string, address: string): Promise<'failed' | [number, string]> {
  try {
    await l.begin(user, address);
    return 'failed';
  } catch (error) {
    if (error instanceof LoginLimited) return [error.retryAfter, error.scope];
    throw error;
  }
}

describe('per user name and address', () => {
  it('lets the free attempts through, then doubles the delay with each failure up to the maximum', async () => {
    const { clock, limits: l } = limits();
    for (let i = 0; i < 3; i++) expect(await fail(l, 'root', '203.0.113.7')).toBe('failed');
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const refused = await fail(l, 'root', '203.0.113.7');
      expect(refused).not.toBe('failed');
      const [wait, scope] = refused as [number, string];
      expect(scope).toBe('user');
      waits.push(wait);
      // Just before the announced time is still too early; at it the attempt passes.
      clock.now += wait * 1000 - 1;
      expect(await fail(l, 'root', '203.0.113.7')).toEqual([1, 'user']);
      clock.now += 1;
      expect(await fail(l, 'root', '203.0.113.7')).toBe('failed');
    }
    expect(waits).toEqual([1, 2, 4, 8, 8, 8]);
  });

  it('never limits the same name from another address, nor another name from the same address', async () => {
    const { limits: l } = limits();
    for (let i = 0; i < 3; i++) await fail(l, 'root', '203.0.113.7');
    expect(await fail(l, 'root', '203.0.113.7')).toEqual([1, 'user']);
    expect(await fail(l, 'root', '198.51.100.20')).toBe('failed');
    expect(await fail(l, 'alice', '203.0.113.7')).toBe('failed');
  });

  it('counts parallel guesses when they start', async () => {
    const { limits: l } = limits();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => fail(l, 'root', '203.0.113.7')));
    expect(outcomes.filter((o) => o === 'failed')).toHaveLength(3);
  });

  it('forgets after a success, and after a quiet window', async () => {
    const { clock, limits: l } = limits();
    for (let i = 0; i < 3; i++) await fail(l, 'root', '203.0.113.7');
    clock.now += 1000;
    await (await l.begin('root', '203.0.113.7')).succeeded();
    for (let i = 0; i < 3; i++) expect(await fail(l, 'root', '203.0.113.7')).toBe('failed');
    expect(await fail(l, 'root', '203.0.113.7')).toEqual([1, 'user']);
    clock.now += 60_000;
    for (let i = 0; i < 3; i++) expect(await fail(l, 'root', '203.0.113.7')).toBe('failed');
  });

  it('does not count an attempt the pool never judged', async () => {
    const { limits: l } = limits();
    for (let i = 0; i < 10; i++) await (await l.begin('root', '203.0.113.7')).undecided();
    expect(await fail(l, 'root', '203.0.113.7')).toBe('failed');
  });
});

describe('per address across names (password spraying)', () => {
  it('makes the address wait out the window, for every name', async () => {
    const { clock, limits: l } = limits({ perAddress: 5 });
    for (let i = 0; i < 5; i++) expect(await fail(l, `user${i}`, '203.0.113.7')).toBe('failed');
    expect(await fail(l, 'someone-else', '203.0.113.7')).toEqual([60, 'address']);
    expect(await fail(l, 'someone-else', '198.51.100.20')).toBe('failed');
    clock.now += 60_000;
    expect(await fail(l, 'someone-else', '203.0.113.7')).toBe('failed');
  });
});

describe('per user name across addresses (the ceiling)', () => {
  it('only slows: past it each address starts with the delays, and a first attempt always passes', async () => {
    const { limits: l } = limits({ perUser: 4 });
    for (let i = 0; i < 4; i++) expect(await fail(l, 'root', `203.0.113.${i}`)).toBe('failed');
    // A fresh address still gets its first attempt at once: the real user is never locked out.
    expect(await fail(l, 'root', '198.51.100.20')).toBe('failed');
    // …but no free attempts after it.
    expect(await fail(l, 'root', '198.51.100.20')).toEqual([1, 'user']);
    // Other names are untouched.
    for (let i = 0; i < 3; i++) expect(await fail(l, 'alice', '198.51.100.20')).toBe('failed');
  });
});
