import { describe, expect, it } from 'vitest';
import { busyReason, parseLimitHolders } from '../src/console/limit-reply.ts';

const page = (who: string): string =>
  `<html><body><h1>Connection Limit Exceeded</h1><p>${who} currently connected to this console ` +
  '(VM OpaqueRef:0d3c2d4e-1111-2222-3333-444455556666). No more connections are allowed when ' +
  'limit_console_sessions is enabled.</p></body></html>';

describe("xapi's console-limit page", () => {
  it('names one holder, unescaping what xapi escaped', () => {
    expect(parseLimitHolders(page("User 'alice' is")).names).toEqual(['alice']);
    expect(parseLimitHolders(page("User '&lt;b&gt;&amp;&#x27;x&quot;' is")).names).toEqual([`<b>&'x"`]);
  });

  it('names several holders, or none when the pool hides them or the name is empty', () => {
    expect(parseLimitHolders(page("Users 'alice, bob' are")).names).toEqual(['alice', 'bob']);
    expect(parseLimitHolders(page("There're users")).names).toEqual([]);
    expect(parseLimitHolders(page("User '' is")).names).toEqual(['']);
    expect(parseLimitHolders('garbage').names).toEqual([]);
  });

  it('says who holds it, briefly', () => {
    expect(busyReason(['alice'], 'another client')).toBe('In use by alice from another client.');
    expect(busyReason(['alice', 'bob'], 'another client')).toBe('In use by alice and bob from another client.');
    expect(busyReason(['a', 'b', 'c'], 'another gateway')).toBe('In use by a and others from another gateway.');
    expect(busyReason([''], 'another client')).toBe('In use by another user from another client.');
    expect(busyReason(['x'.repeat(100)], 'another client').length).toBeLessThan(64);
  });
});
