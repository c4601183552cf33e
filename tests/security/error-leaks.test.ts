import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../../apps/proxy/src/http/errors.ts';
import { createLogger } from '../../apps/proxy/src/log.ts';
import { pick, prng } from '../support/prng.ts';
import { rawHttp, requestText, type RawRequest, type RawResponse } from '../support/raw-http.ts';
import { LineSink, startStack, type Stack } from '../support/stack.ts';

/**
 * Case 16: no response, whatever the request, carries a stack, a path of the server's file system, an error's
 * class name or the name of a library; statuses say what was wrong (400, 403, 404, 405, 413, 415).
 */

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let stack: Stack;
let uiDir: string;
let savedEnv: string | undefined;

const LIBRARIES = String.raw`\b(?:express|body-parser|raw-body|send|serve-static|finalhandler|ws|iconv(?:-lite)?|http-errors|path-to-regexp|router)\b`;

/** What no answer may carry. Library names count in any case in headers (X-Powered-By), as written in bodies. */
const LEAKS = (part: 'head' | 'body'): [string, RegExp][] => [
  ['a stack frame', /\n\s*at |\bat \S+ \(|\bat [^\s:]*:\d+:\d+/],
  ['the working directory', new RegExp(escape(process.cwd()))],
  ['the UI directory', new RegExp(escape(uiDir))],
  ['an absolute path', /(?:^|[\s"'(=])\/(?:home|root|tmp|usr|opt|srv|var|work|etc|proc)\//],
  ['node_modules', /node_modules/],
  ['an error class', /\b\w*Error\b:?|Error:/],
  ['a library name', new RegExp(LIBRARIES, part === 'head' ? 'i' : '')],
];

/**
 * Every finding in one response: the rule and an excerpt. The status line's reason phrase ("Internal Server Error")
 * is HTTP's own; bodies of files actually served (2xx, not JSON) are the UI's own.
 */
function leaks(request: string, response: RawResponse): string[] {
  const parts: ['head' | 'body', string][] = [['head', response.head.split('\r\n').slice(1).join('\r\n')]];
  const servedFile = response.status < 300 && !/application\/json/.test(response.headers['content-type'] ?? '');
  if (!servedFile) parts.push(['body', response.body]);
  const found: string[] = [];
  for (const [part, text] of parts) {
    for (const [what, pattern] of LEAKS(part)) {
      const match = pattern.exec(text);
      if (match) found.push(`${request} → ${response.status}: ${what} in ${JSON.stringify(match[0])}`);
    }
  }
  return found;
}

beforeAll(async () => {
  // Express renders stacks in its default error page unless NODE_ENV is production: test the worst case.
  savedEnv = process.env.NODE_ENV;
  delete process.env.NODE_ENV;
  uiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-ui-'));
  fs.mkdirSync(path.join(uiDir, 'assets'));
  fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>XWC</title>');
  fs.writeFileSync(path.join(uiDir, 'assets', 'app.js'), 'console.log(1);');
  fs.writeFileSync(path.join(uiDir, 'assets', '.secret'), 'hidden');
  fs.writeFileSync(path.join(uiDir, '.env'), 'SECRET=1');
  stack = await startStack({ uiDir });
});
afterAll(async () => {
  await stack?.close();
  if (savedEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = savedEnv;
  fs.rmSync(uiDir, { recursive: true, force: true });
});

/** Stands for the gateway's own origin in tables written before it listens. */
const SELF = 'self';

/** Sends one request; a connection the server just closes leaks nothing and counts as status 0. */
async function send(request: RawRequest | Buffer): Promise<RawResponse> {
  const own = (r: RawRequest): RawRequest =>
    r.headers?.origin === SELF ? { ...r, headers: { ...r.headers, origin: stack.baseUrl } } : r;
  const bytes = Buffer.isBuffer(request) ? request : requestText(stack.baseUrl, own(request));
  return rawHttp(stack.baseUrl, bytes).catch(() => ({ status: 0, headers: {}, head: '', body: '' }));
}

const json = { 'content-type': 'application/json' };
const origin = (): Record<string, string> => ({ origin: SELF });

describe('16. errors answer with a status and a fixed sentence', () => {
  it.each([
    ['a malformed URI under /assets', { target: '/assets/%' }, 400],
    ['a malformed URI elsewhere', { target: '/%E0%A4%A' }, 400],
    ['a malformed URI on an API route', { target: '/api/objects/vm/%zz' }, 400],
    ['a missing asset', { target: '/assets/nope.js' }, 404],
    ['a dot-file asset', { target: '/assets/.secret' }, 404],
    ['traversal out of /assets', { target: '/assets/..%2f..%2fpackage.json' }, 403],
    ['traversal with encoded dots', { target: '/assets/%2e%2e/%2e%2e/package.json' }, 403],
    ['a write to the UI', { method: 'POST', target: '/', headers: origin() }, 405],
    ['a write to an asset', { method: 'PUT', target: '/assets/app.js', headers: origin() }, 405],
    ['an unknown API route', { target: '/api/nope' }, 404],
    [
      'bad JSON',
      { method: 'POST', target: '/api/session', headers: { ...origin(), ...json }, body: '{"username":' },
      400,
    ],
    [
      'a body over the limit',
      { method: 'POST', target: '/api/session', headers: { ...origin(), ...json }, body: `"${'x'.repeat(300_000)}"` },
      413,
    ],
    [
      'an unsupported charset',
      {
        method: 'POST',
        target: '/api/session',
        headers: { ...origin(), 'content-type': 'application/json; charset=utf-7' },
        body: '{}',
      },
      415,
    ],
    [
      'a UTF-16 body',
      {
        method: 'POST',
        target: '/api/session',
        headers: { ...origin(), 'content-type': 'application/json; charset=utf-16le' },
        body: Buffer.from('{}', 'utf16le'),
      },
      415,
    ],
    [
      'a compressed body',
      {
        method: 'POST',
        target: '/api/session',
        headers: { ...origin(), ...json, 'content-encoding': 'gzip' },
        body: '{}',
      },
      415,
    ],
    [
      'an unsupported content encoding',
      {
        method: 'POST',
        target: '/api/session',
        headers: { ...origin(), ...json, 'content-encoding': 'x-unknown' },
        body: '{}',
      },
      415,
    ],
  ] as const)('%s', async (what, request, status) => {
    const response = await send(request as RawRequest);
    expect(response.status, what).toBe(status);
    expect(leaks(what, response)).toEqual([]);
    if ((request as RawRequest).target!.startsWith('/api/')) {
      expect(JSON.parse(response.body)).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    } else if (response.body) {
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.body.length).toBeLessThan(100);
    }
  });

  it('logs a refusal once, server-side, with what was asked', async () => {
    const before = stack.logs.lines.length;
    await send({ target: '/assets/..%2f..%2fpackage.json' });
    const lines = stack.logs
      .json()
      .slice(before)
      .filter((line) => line.msg === 'request refused');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 403, method: 'GET' });
  });
});

describe('16. console upgrades refused at any step leak nothing', () => {
  it('a broken handshake, an unknown path, a bad uuid, no session', async () => {
    const { cookie } = await stack.login('root');
    const uuid = String(stack.pool.vm('Windows Server 2022').record.uuid);
    const upgrade = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13' };
    const key = { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const cases: [string, RawRequest, number][] = [
      ['no key', { target: `/api/consoles/vm/${uuid}`, headers: { origin: SELF, cookie, ...upgrade } }, 400],
      [
        'a bad version',
        {
          target: `/api/consoles/vm/${uuid}`,
          headers: { origin: SELF, cookie, ...upgrade, ...key, 'sec-websocket-version': '99' },
        },
        400,
      ],
      ['an unknown path', { target: '/api/nope', headers: { origin: SELF, cookie, ...upgrade, ...key } }, 404],
      ['a bad uuid', { target: '/api/consoles/vm/%zz', headers: { origin: SELF, cookie, ...upgrade, ...key } }, 400],
      ['no session', { target: `/api/consoles/vm/${uuid}`, headers: { origin: SELF, ...upgrade, ...key } }, 401],
    ];
    for (const [what, request, status] of cases) {
      const response = await send(request);
      expect(response.status, what).toBe(status);
      expect(leaks(what, response)).toEqual([]);
    }
  });
});

describe('16. an unexpected error is a plain 500, its detail in the log only', () => {
  it.each([
    ['/api/boom', 'application/json'],
    ['/boom', 'text/plain'],
  ])('%s', async (route, type) => {
    const sink = new LineSink();
    const app = express();
    app.disable('x-powered-by'); // as the gateway does: this app stands in for it around the handler
    app.get(/boom/, () => {
      throw new TypeError(`cannot read ${process.cwd()}/secret.json`);
    });
    app.use(errorHandler(createLogger(sink, 'debug')));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as { port: number };
      const base = `http://127.0.0.1:${port}`;
      const response = await rawHttp(base, requestText(base, { target: route }));
      expect(response.status).toBe(500);
      expect(response.headers['content-type']).toContain(type);
      expect(response.body).toContain('Unexpected server error.');
      expect(leaks(route, response)).toEqual([]);
      const logged = sink.json().filter((line) => line.level === 'error');
      expect(logged).toHaveLength(1);
      expect(JSON.stringify(logged[0])).toContain('secret.json');
      expect(String(logged[0]!.stack)).toMatch(/\n\s+at /);
    } finally {
      server.close();
    }
  });
});

describe('16. fuzz: malformed requests of every kind leak nothing', () => {
  const prefixes = ['/', '/assets/', '/api/', '/api/session', '/api/objects/vm/', '/api/consoles/vm/', '/api/events'];
  const pieces = [
    '%',
    '%zz',
    '%E0%A4%A',
    '%00',
    '%C0%AE%C0%AE/',
    '..%2f..%2fpackage.json',
    '../../../etc/passwd',
    '%2e%2e%2f%2e%2e%2fnode_modules',
    '.git/config',
    '.env',
    '\\..\\..\\',
    ';jsessionid=1',
    '?q=%',
    '?__proto__[x]=1',
    '//evil.example',
    'app.js',
    '~root',
    'x'.repeat(2000),
    '%F0%9F%92%A9',
    '%u002e',
  ];
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'FOO', 'get'];
  const bodies: [Record<string, string>, string][] = [
    [json, '{bad'],
    [json, '{"username":"root","password":'],
    [json, '['.repeat(5000)],
    [json, '"\\ud800"'],
    [json, '{"__proto__":{"admin":true}}'],
    [json, '\u0000\u0001'],
    [{ 'content-type': 'application/json; charset=utf-7' }, '{}'],
    [{ 'content-type': 'application/json; charset=bogus' }, '{}'],
    [{ 'content-type': 'application/json; charset=utf-16' }, '{}'],
    [{ 'content-type': 'text/plain' }, '{}'],
    [{ 'content-type': 'application/x-www-form-urlencoded' }, 'a=%&b'],
    [{ 'content-type': '' }, '{}'],
    [{ ...json, 'content-encoding': 'gzip' }, 'not gzip at all'],
    [{ ...json, 'content-encoding': 'deflate' }, 'nope'],
    [{ ...json, 'content-encoding': 'br' }, 'nope'],
    [{ ...json, 'content-encoding': 'bogus' }, '{}'],
    [json, `"${'y'.repeat(300_000)}"`],
  ];
  const headerOddities: Record<string, string>[] = [
    {},
    { origin: 'null' },
    { cookie: 'xwc_session=' + 'A'.repeat(4000) },
    { cookie: 'xwc_session=%zz' },
    { 'x-forwarded-for': '1.2.3.4, <script>' },
    { 'x-forwarded-proto': 'gopher' },
    { 'content-length': '5', 'transfer-encoding': 'chunked' },
    { expect: '100-continue' },
    { range: 'bytes=999999-' },
    { 'if-modified-since': 'not a date' },
    { accept: 'text/html' },
    { 'accept-encoding': 'gzip, br' },
    { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13' },
    { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'short', 'sec-websocket-version': '99' },
  ];

  it('200 seeded random requests and the raw oddities: no leak in any answer', async () => {
    const random = prng(16);
    const findings: string[] = [];
    const statuses = new Set<number>();
    const check = async (label: string, request: RawRequest | Buffer): Promise<void> => {
      const response = await send(request);
      statuses.add(response.status);
      findings.push(...leaks(label, response));
    };
    for (let i = 0; i < 200; i++) {
      const target = pick(random, prefixes) + pick(random, pieces) + (random() < 0.3 ? pick(random, pieces) : '');
      const method = pick(random, methods);
      const [bodyHeaders, body] = random() < 0.5 ? pick(random, bodies) : [{}, undefined];
      const headers = { ...origin(), ...pick(random, headerOddities), ...bodyHeaders };
      await check(`${method} ${target.slice(0, 80)}`, {
        method,
        target,
        headers,
        ...(body === undefined || method === 'GET' || method === 'HEAD' ? {} : { body }),
      });
    }
    // Requests Node's parser refuses, and targets and headers past its limits.
    const host = new URL(stack.baseUrl).host;
    const raw = [
      `GET / HTTP/1.1\r\nHost: ${host}\r\nBad Header\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nX: a\u0000b\r\n\r\n`,
      'G ET / HTTP/1.1\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'GET /\r\n\r\n',
      `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nX-Long: ${'b'.repeat(20_000)}\r\n\r\n`,
      `POST /api/session HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
      `POST /api/session HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `GET / HTTP/1.1\r\nHost: ${host}\r\n folded: value\r\n\r\n`,
    ];
    for (const text of raw) await check(JSON.stringify(text.slice(0, 40)), Buffer.from(text, 'latin1'));
    expect(findings).toEqual([]);
    // The fuzz reached the refusals it is meant to exercise.
    for (const status of [400, 403, 404, 405]) expect(statuses).toContain(status);
  });
});
