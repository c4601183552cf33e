import type * as http from 'node:http';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { PROMPT_CONNECTIONS } from '../src/connection.ts';
import { XapiError, XapiTransportError } from '../src/errors.ts';
import { customTrust } from '../src/trust.ts';
import { float } from '../src/wire/values.ts';
import { makeTestPki } from './support/certs.ts';
import { fakeXapiHarness } from './support/harness.ts';

const { fake, connect } = fakeXapiHarness();

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => error,
  );
}

async function transportFailure(promise: Promise<unknown>): Promise<XapiTransportError> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(XapiTransportError);
  return error as XapiTransportError;
}

const echo = (_method: string, params: unknown[]) => params as never;

/** Answers every request with `body` under `contentType`, whatever was asked. */
const answer =
  (contentType: string, body: string, status = 200) =>
  (_req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return true;
  };

describe('transport selection', () => {
  it('auto uses JSON-RPC on /jsonrpc when the host speaks it, with JSON value encodings', async () => {
    const server = await fake({ handler: echo });
    const connection = connect(server);
    const when = new Date(Date.UTC(2025, 2, 19, 4, 16, 24));
    const result = await connection.call('test.echo', [42, 'text', true, when, float(1.5), ['a'], { k: 'v' }]);
    expect(connection.transport).toBe('json-rpc');
    expect(server.calls[0]!.transport).toBe('json-rpc');
    expect(server.calls[0]!.params).toEqual([42, 'text', true, '20250319T04:16:24Z', 1.5, ['a'], { k: 'v' }]);
    expect(result).toEqual([42, 'text', true, '20250319T04:16:24Z', 1.5, ['a'], { k: 'v' }]);
  });

  it('xml-rpc encodes int64 as text and datetimes as dateTime.iso8601', async () => {
    let body = '';
    const server = await fake({
      handler: echo,
      raw: (_req, _res, text) => {
        body = text;
        return false;
      },
    });
    const connection = connect(server, { transport: 'xml-rpc' });
    const when = new Date(Date.UTC(2025, 2, 19, 4, 16, 24));
    const result = await connection.call('test.echo', [42, when]);
    expect(body).toContain('<value>42</value>');
    expect(body).toContain('<dateTime.iso8601>20250319T04:16:24Z</dateTime.iso8601>');
    expect(server.calls[0]!.transport).toBe('xml-rpc');
    expect(result).toEqual(['42', when]);
  });

  for (const [behaviour, why] of [
    ['xml-fallback', 'an old host answers /jsonrpc with text/xml'],
    ['missing', 'the host answers /jsonrpc with 404'],
  ] as const) {
    it(`auto switches to XML-RPC for good when ${why}`, async () => {
      const paths: string[] = [];
      const server = await fake({
        jsonrpc: behaviour,
        handler: () => 'ok',
        raw: (req) => {
          paths.push(req.url ?? '');
          return false;
        },
      });
      const connection = connect(server);
      const switched: string[] = [];
      connection.on('transport', (kind) => switched.push(kind));
      expect(await connection.call('pool.get_all')).toBe('ok');
      expect(await connection.call('pool.get_all')).toBe('ok');
      expect(connection.transport).toBe('xml-rpc');
      expect(switched).toEqual(['xml-rpc']);
      expect(paths).toEqual(['/jsonrpc', '/', '/']);
      expect(server.calls.map((c) => c.transport)).toEqual(['xml-rpc', 'xml-rpc']);
    });
  }

  it('explicit json-rpc reports an XML answer as unsupported and a 404 as an http error', async () => {
    const old = await fake({ jsonrpc: 'xml-fallback' });
    expect((await transportFailure(connect(old, { transport: 'json-rpc' }).call('pool.get_all'))).kind).toBe(
      'unsupported',
    );
    const missing = await fake({ jsonrpc: 'missing' });
    const error = await transportFailure(connect(missing, { transport: 'json-rpc' }).call('pool.get_all'));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(404);
  });

  it('auto keeps JSON-RPC once a host answered in JSON, even if /jsonrpc later fails', async () => {
    let broken = false;
    const server = await fake({
      handler: () => 'ok',
      raw: (req, res) => broken && answer('text/html', 'gone', 404)(req, res),
    });
    const connection = connect(server);
    await connection.call('pool.get_all');
    broken = true;
    const error = await transportFailure(connection.call('pool.get_all'));
    expect(error.status).toBe(404);
    expect(connection.transport).toBe('json-rpc');
  });
});

describe('XAPI errors', () => {
  for (const transport of ['json-rpc', 'xml-rpc'] as const) {
    it(`decodes failures over ${transport} without leaking arguments`, async () => {
      const server = await fake({
        handler: () => {
          throw new XapiError('SESSION_AUTHENTICATION_FAILED', ['root', 'Authentication failure']);
        },
      });
      const error = await failure(
        connect(server, { transport }).call('session.login_with_password', ['root', 's3cret-password']),
      );
      expect(error).toBeInstanceOf(XapiError);
      const xapiError = error as XapiError;
      expect(xapiError.code).toBe('SESSION_AUTHENTICATION_FAILED');
      expect(xapiError.params).toEqual(['root', 'Authentication failure']);
      expect(xapiError.method).toBe('session.login_with_password');
      expect(xapiError.message).not.toContain('s3cret');
    });
  }

  it('reads the array-shaped JSON-RPC error of older hosts', async () => {
    const server = await fake({
      raw: answer('application/json', '{"result":null,"error":["HANDLE_INVALID","VM","OpaqueRef:x"],"id":0}'),
    });
    const error = (await failure(connect(server).call('VM.get_record', ['OpaqueRef:x']))) as XapiError;
    expect(error.code).toBe('HANDLE_INVALID');
    expect(error.params).toEqual(['VM', 'OpaqueRef:x']);
  });
});

describe('deadlines and cancellation', () => {
  const hang = () => new Promise<never>(() => {});

  for (const transport of ['json-rpc', 'xml-rpc'] as const) {
    it(`times out a call the host never answers (${transport})`, async () => {
      const server = await fake({ handler: hang });
      const connection = connect(server, { transport, timeoutMs: 60_000 });
      const error = await transportFailure(connection.call('event.from', [], { timeoutMs: 150 }));
      expect(error.kind).toBe('timeout');
      const byDefault = await transportFailure(connect(server, { transport, timeoutMs: 150 }).call('x.y'));
      expect(byDefault.kind).toBe('timeout');
    });
  }

  it('aborts a pending call, and refuses to start with an aborted signal', async () => {
    const server = await fake({ handler: hang });
    const connection = connect(server);
    const controller = new AbortController();
    const pending = connection.call('event.from', [], { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await transportFailure(pending)).kind).toBe('aborted');
    expect((await transportFailure(connection.call('x.y', [], { signal: AbortSignal.abort() }))).kind).toBe('aborted');
  });

  it('times out a TLS handshake that never completes', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const connection = connect(`https://127.0.0.1:${port}`, { trust: customTrust(() => {}), timeoutMs: 150 });
      expect((await transportFailure(connection.call('x.y'))).kind).toBe('timeout');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('response size limit', () => {
  it('refuses a reply whose declared length exceeds the limit', async () => {
    const server = await fake({ handler: () => 'x'.repeat(5_000) });
    const error = await transportFailure(connect(server, { maxResponseBytes: 1_000 }).call('x.y'));
    expect(error.kind).toBe('too-large');
  });

  it('refuses a streamed reply once it passes the limit, without reading the rest', async () => {
    let written = 0;
    const server = await fake({
      raw: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (written < 64 * 1024 * 1024 && !res.destroyed) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => {});
        pump();
        return true;
      },
    });
    const error = await transportFailure(connect(server, { maxResponseBytes: 256 * 1024 }).call('x.y'));
    expect(error.kind).toBe('too-large');
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('applies the 256 MiB default to a declared length', async () => {
    const server = await fake({
      raw: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(300 * 1024 * 1024) });
        res.write('{');
        res.on('error', () => {});
        return true;
      },
    });
    expect((await transportFailure(connect(server).call('x.y'))).kind).toBe('too-large');
  });
});

describe('reply text', () => {
  it('reads characters split across the packets of a reply', async () => {
    const value = 'Büro € 🖥 日本';
    const body = Buffer.from(
      '<?xml version="1.0"?><methodResponse><params><param><value><struct>' +
        '<member><name>Status</name><value>Success</value></member>' +
        `<member><name>Value</name><value>${value}</value></member>` +
        '</struct></value></param></params></methodResponse>',
    );
    // Each piece ends inside a multi-byte character, and goes out on its own.
    const cuts = [body.indexOf('ü') + 1, body.indexOf('€') + 2, body.indexOf('🖥') + 3, body.indexOf('日') + 1];
    const server = await fake({
      raw: (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/xml', 'content-length': body.length });
        let from = 0;
        const next = (): void => {
          const to = cuts.shift() ?? body.length;
          res.write(body.subarray(from, to));
          from = to;
          if (from < body.length) setTimeout(next, 20);
          else res.end();
        };
        next();
        return true;
      },
    });
    expect(await connect(server, { transport: 'xml-rpc' }).call('x.y')).toBe(value);
  });
});

describe('malformed replies give typed errors', () => {
  const deep = (open: string, close: string, n: number) => open.repeat(n) + close.repeat(n);
  const xmlValue = (inner: string) =>
    `<?xml version="1.0"?><methodResponse><params><param><value>${inner}</value></param></params></methodResponse>`;
  const status = (members: string) => xmlValue(`<struct>${members}</struct>`);
  const member = (name: string, value: string) => `<member><name>${name}</name><value>${value}</value></member>`;

  const json: [string, string][] = [
    ['an empty body', ''],
    ['text that is not JSON', 'Internal error'],
    ['truncated JSON', '{"jsonrpc":"2.0","result":"OpaqueRef:ab'],
    ['an array', '[1,2]'],
    ['null', 'null'],
    ['a string', '"OpaqueRef:x"'],
    ['neither result nor error', '{"jsonrpc":"2.0","id":1}'],
    ['a numeric error', '{"jsonrpc":"2.0","error":5,"id":1}'],
    ['an error without a message', '{"jsonrpc":"2.0","error":{"code":1},"id":1}'],
    ['a reply to another request', '{"jsonrpc":"2.0","result":"x","id":"other"}'],
    ['deeply nested arrays', `{"jsonrpc":"2.0","result":${deep('[', ']', 200_000)},"id":1}`],
  ];
  for (const [what, body] of json) {
    it(`JSON-RPC: ${what}`, async () => {
      const server = await fake({ raw: answer('application/json', body) });
      const error = await transportFailure(connect(server, { transport: 'json-rpc' }).call('x.y'));
      expect(error.kind).toBe('protocol');
    });
  }

  const xml: [string, string][] = [
    ['an empty body', ''],
    ['an HTML page', '<html><body>oops</body></html>'],
    ['a truncated document', status(member('Status', 'Success')).slice(0, 80)],
    ['a DTD', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><methodResponse/>'],
    ['an unknown entity', xmlValue('&bogus;')],
    ['deep nesting', xmlValue(deep('<array><data><value>', '</value></data></array>', 5_000))],
    ['a bad integer', status(member('Status', 'Success') + member('Value', '<int>12a</int>'))],
    ['no Status wrapper', xmlValue('OpaqueRef:x')],
    ['an unknown Status', status(member('Status', 'Maybe'))],
    ['Success without a Value', status(member('Status', 'Success'))],
    ['Failure without a description', status(member('Status', 'Failure'))],
    [
      'a standard fault',
      '<?xml version="1.0"?><methodResponse><fault><value><struct>' +
        member('faultCode', '<int>1</int>') +
        member('faultString', 'no') +
        '</struct></value></fault></methodResponse>',
    ],
  ];
  for (const [what, body] of xml) {
    it(`XML-RPC: ${what}`, async () => {
      const server = await fake({ raw: answer('text/xml', body) });
      const error = await transportFailure(connect(server, { transport: 'xml-rpc' }).call('x.y'));
      expect(error.kind).toBe('protocol');
    });
  }

  for (const transport of ['json-rpc', 'xml-rpc'] as const) {
    it(`a body cut short by a closed connection is a network error (${transport})`, async () => {
      const server = await fake({
        raw: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          res.write('{"jsonrpc":"2.0",');
          setTimeout(() => res.destroy(), 20);
          return true;
        },
      });
      const error = await transportFailure(connect(server, { transport }).call('x.y'));
      expect(error.kind).toBe('network');
    });

    it(`an HTTP 500 page is an http error with its status (${transport})`, async () => {
      const server = await fake({ raw: answer('text/html', '<html>500</html>', 500) });
      const error = await transportFailure(connect(server, { transport }).call('x.y'));
      expect(error.kind).toBe('http');
      expect(error.status).toBe(500);
    });

    it(`a connection closed without a reply is a network error (${transport})`, async () => {
      const server = await fake({
        raw: (req) => {
          req.socket.destroy();
          return true;
        },
      });
      const error = await transportFailure(connect(server, { transport }).call('x.y'));
      expect(error.kind).toBe('network');
    });
  }
});

describe('connection reuse', () => {
  it('keeps one HTTP connection alive across calls', async () => {
    const server = await fake({ handler: () => 'ok' });
    const connection = connect(server);
    for (let i = 0; i < 5; i++) await connection.call('pool.get_all');
    expect(server.connections()).toBe(1);
  });

  it(`answers a burst of getters over at most ${PROMPT_CONNECTIONS} connections, beside long calls on their own`, async () => {
    const release: (() => void)[] = [];
    const server = await fake({
      handler: (method) =>
        method === 'event.from' || method === 'VM.start'
          ? new Promise((resolve) => release.push(() => resolve('done')))
          : new Promise((resolve) => setTimeout(() => resolve('ok'), 5)),
    });
    const connection = connect(server);
    // Calls that hold their connection (waiting for events, an action running) take none of the getters' share.
    const lasting = Array.from({ length: PROMPT_CONNECTIONS + 4 }, (_, i) =>
      connection.call(i % 2 ? 'event.from' : 'VM.start', []),
    );
    const getters = await Promise.all(Array.from({ length: 200 }, () => connection.call('VM.get_record', [])));
    expect(getters.every((value) => value === 'ok')).toBe(true);
    expect(server.connections()).toBeLessThanOrEqual(PROMPT_CONNECTIONS + PROMPT_CONNECTIONS + 4);
    expect(server.connections()).toBeGreaterThan(PROMPT_CONNECTIONS + 4);
    for (const answer of release) answer();
    expect(await Promise.all(lasting)).toEqual(lasting.map(() => 'done'));
  });

  it('verifies each new TLS connection once and then reuses it', async () => {
    const pki = makeTestPki();
    const server = await fake({ handler: () => 'ok', tls: pki.loopback });
    let verifications = 0;
    const connection = connect(server, {
      trust: customTrust(() => {
        verifications++;
      }),
    });
    for (let i = 0; i < 5; i++) await connection.call('pool.get_all');
    expect(server.connections()).toBe(1);
    expect(verifications).toBe(1);
  });

  it('does not send a request over a connection the trust policy refused', async () => {
    const pki = makeTestPki();
    const server = await fake({ handler: () => 'ok', tls: pki.foreign });
    const connection = connect(server, {
      trust: customTrust(() => {
        throw new Error('not pinned');
      }),
    });
    expect((await transportFailure(connection.call('pool.get_all'))).kind).toBe('tls');
    expect(server.calls).toEqual([]);
  });

  it('resends a read-only call once when a pooled connection turns out to be closed, but not a write', async () => {
    const served = new Map<unknown, number>();
    const server = await fake({
      handler: () => 'ok',
      raw: (req) => {
        const count = (served.get(req.socket) ?? 0) + 1;
        served.set(req.socket, count);
        if (served.size === 1 && count === 2) {
          req.socket.destroy();
          return true;
        }
        return false;
      },
    });
    const connection = connect(server);
    expect(await connection.call('pool.get_all')).toBe('ok');
    expect(await connection.call('pool.get_all')).toBe('ok');
    expect(server.connections()).toBe(2);

    served.clear();
    const writer = connect(server);
    expect(await writer.call('VM.set_name_label', ['OpaqueRef:vm', 'web'])).toBe('ok');
    const error = await transportFailure(writer.call('VM.start', ['OpaqueRef:vm', false, false]));
    expect(error.kind).toBe('network');
    expect(server.calls.filter((c) => c.method === 'VM.start')).toEqual([]);
  });
});
