import { describe, expect, it } from 'vitest';
import { deriveKey, open, seal, SealError } from '../../apps/proxy/src/auth/seal.ts';

const SECRET = 'correct horse battery staple, and then some more';
const key = deriveKey(SECRET);
const REF = 'OpaqueRef:6a7d1c2e-1b7f-4c55-9a8e-0f3b2d4c5e6f';
const ID = 'a'.repeat(64);

/** Flips one bit of one base64url part of a sealed value. */
function tamper(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[0]! ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('sealing session refs', () => {
  it('round-trips, and the sealed text shows nothing of the plaintext', () => {
    const sealed = seal(key, REF, ID);
    expect(open(key, sealed, ID)).toBe(REF);
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('OpaqueRef');
    expect(sealed).not.toContain(Buffer.from(REF).toString('base64url').slice(0, 12));
  });

  it('uses a fresh IV every time', () => {
    const ivs = new Set(Array.from({ length: 50 }, () => seal(key, REF, ID).split('.')[1]));
    expect(ivs.size).toBe(50);
  });

  it('derives the same key from the same secret (every instance reads the others’ records)', () => {
    expect(open(deriveKey(SECRET), seal(key, REF, ID), ID)).toBe(REF);
  });

  it('fails with another secret', () => {
    const sealed = seal(key, REF, ID);
    expect(() => open(deriveKey(`${SECRET}!`), sealed, ID)).toThrow(SealError);
  });

  it.each([
    [1, 'IV'],
    [2, 'ciphertext'],
    [3, 'tag'],
  ] as const)('detects a tampered part %s (%s)', (part, _name) => {
    expect(() => open(key, tamper(seal(key, REF, ID), part), ID)).toThrow(SealError);
  });

  it('does not open under another record key (a value copied to another session)', () => {
    expect(() => open(key, seal(key, REF, ID), 'b'.repeat(64))).toThrow(SealError);
  });

  it.each(['', 'v1.a.b', 'v2.AAAAAAAAAAAAAAAA.AA.AAAAAAAAAAAAAAAAAAAAAA', 'v1.AA.AA.AA'])(
    'refuses malformed %j',
    (bad) => {
      expect(() => open(key, bad, ID)).toThrow(SealError);
    },
  );
});
