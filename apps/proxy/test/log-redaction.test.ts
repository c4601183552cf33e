import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';

/** The lines a logger wrote, parsed. */
function capture(): { sink: Writable; lines: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString('utf8'));
      callback();
    },
  });
  return {
    sink,
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const SESSION_REF = 'OpaqueRef:3b0dcf71-8a74-4845-9151-647a1b2c3d4e';
const LINK_TOKEN = 'xwcl_Q2hhbmdlIHRoaXMgdG9rZW4gcGxlYXNl';

describe('the operational log redacts secrets itself, whatever the caller passes', () => {
  it('masks session refs and share-link tokens in messages, fields, nested values and errors', () => {
    const { sink, lines } = capture();
    const log = createLogger(sink, 'debug');
    log.warn(`call failed for ${SESSION_REF}`, {
      path: `/api/shared/${LINK_TOKEN}`,
      nested: { deeper: [`SESSION_INVALID: ${SESSION_REF}`] },
      error: new Error(`SESSION_INVALID: ${SESSION_REF}`),
    });
    const text = JSON.stringify(lines());
    expect(text).not.toContain(SESSION_REF);
    expect(text).not.toContain(LINK_TOKEN);
    // What is not secret stays readable.
    expect(lines()[0]).toMatchObject({
      level: 'warn',
      msg: 'call failed for OpaqueRef:…',
      path: '/api/shared/xwcl_…',
      error: { name: 'Error', message: 'SESSION_INVALID: OpaqueRef:…' },
    });
  });

  it('replaces the value of every field named for a secret: passwords, cookies, sessions, tokens, keys', () => {
    const { sink, lines } = capture();
    const log = createLogger(sink, 'debug');
    const fields = {
      password: 'hunter2-typed-by-a-user',
      headers: { cookie: 'xwc_session=abcdef0123456789', authorization: 'Basic cm9vdDp4ZW5yb290' },
      sessionRef: 'not-shaped-like-a-ref-1',
      session_id: 'not-shaped-like-a-ref-2',
      shareToken: 'not-shaped-like-a-token',
      privateKey: '-----BEGIN PRIVATE KEY-----',
      SESSION_SECRET: 'thirty-two-characters-of-secret!',
      user: 'root',
    };
    log.info('login', fields);
    const line = lines()[0]!;
    const text = JSON.stringify(line);
    for (const secret of [
      'hunter2-typed-by-a-user',
      'abcdef0123456789',
      'cm9vdDp4ZW5yb290',
      'not-shaped-like-a-ref-1',
      'not-shaped-like-a-ref-2',
      'not-shaped-like-a-token',
      'BEGIN PRIVATE KEY',
      'thirty-two-characters-of-secret!',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(line).toMatchObject({ password: '[redacted]', headers: { cookie: '[redacted]' }, user: 'root' });
  });
});
