import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jsonrpc,
  XapiConnection,
  XapiError,
  XapiSession,
  XapiTransportError,
  xmlrpc,
  type XapiValue,
} from '@xwc/api-client';
import { pick, prng } from '../support/prng.ts';

/**
 * Case 12: whatever a host answers — truncated, corrupted, huge, deeply nested, wrongly typed,
 * never finished — the client gives a typed error within its deadline; it never crashes or hangs.
 */
type Answer = { status: number; type: string; body: string | Buffer; hang?: boolean };
let answer: () => Answer = () => ({ status: 200, type: 'application/json', body: '{}' });
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const a = answer();
      if (a.hang) {
        res.writeHead(200, { 'content-type': a.type, 'content-length': '1000' });
        res.write(String(a.body).slice(0, 10));
        return;
      }
      res.writeHead(a.status, { 'content-type': a.type });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const VM_RECORD: XapiValue = {
  uuid: '16cef026-8ca3-4a68-a0b1-dac2f8fd1aea',
  name_label: 'vm',
  power_state: 'Running',
  memory_static_max: 4294967296,
  VCPUs_params: { weight: '256' },
  consoles: ['OpaqueRef:1'],
  domid: 3,
};

function validBody(kind: 'json-rpc' | 'xml-rpc'): string {
  return kind === 'json-rpc' ? jsonrpc.encodeResult(2, 1, VM_RECORD) : xmlrpc.encodeSuccess(VM_RECORD);
}

function mutate(random: () => number, kind: 'json-rpc' | 'xml-rpc'): Answer {
  const type = kind === 'json-rpc' ? 'application/json' : 'text/xml';
  const body = validBody(kind);
  switch (Math.floor(random() * 10)) {
    case 0:
      return { status: 200, type, body: body.slice(0, Math.floor(random() * body.length)) };
    case 1: {
      const bytes = Buffer.from(body);
      for (let i = 0; i < 1 + random() * 8; i++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      return { status: 200, type, body: bytes };
    }
    case 2:
      return { status: 200, type, body: 'x'.repeat(2 * 1024 * 1024) };
    case 3: {
      const depth = 5000 + Math.floor(random() * 50_000);
      const nested =
        kind === 'json-rpc' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'<value><array><data>'.repeat(depth)}`;
      return { status: 200, type, body: kind === 'json-rpc' ? `{"jsonrpc":"2.0","result":${nested},"id":1}` : nested };
    }
    case 4: {
      const wrong = pick(random, [
        42,
        'text',
        [1, 2],
        true,
        null,
        { uuid: 7 },
        { power_state: ['x'] },
        { VCPUs_params: 'w' },
      ]);
      return {
        status: 200,
        type,
        body:
          kind === 'json-rpc'
            ? JSON.stringify({ jsonrpc: '2.0', result: wrong, id: 1 })
            : xmlrpc.encodeSuccess(wrong as XapiValue),
      };
    }
    case 5:
      return { status: pick(random, [500, 502, 404, 301, 204]), type: 'text/html', body: '<html>oops</html>' };
    case 6:
      return { status: 200, type, body: '', hang: true };
    case 7:
      return {
        status: 200,
        type,
        body:
          kind === 'json-rpc'
            ? '{"jsonrpc":"2.0","error":{"code":1},"id":1}'
            : '<?xml version="1.0"?><methodResponse><fault><value>x</value></fault></methodResponse>',
      };
    case 8:
      return {
        status: 200,
        type,
        body:
          kind === 'json-rpc'
            ? '{"jsonrpc":"2.0","result":{"__proto__":{"polluted":true}},"id":1}'
            : '<!DOCTYPE x [<!ENTITY a "aaaa">]><methodResponse/>',
      };
    default:
      return {
        status: 200,
        type: pick(random, ['text/plain', 'application/octet-stream']),
        body: '\u0000\u0001\u0002',
      };
  }
}

describe('12. the XAPI client under malformed replies', () => {
  it.each(['json-rpc', 'xml-rpc'] as const)(
    'gives a typed error every time over %s',
    async (kind) => {
      const random = prng(kind === 'json-rpc' ? 12 : 21);
      const connection = new XapiConnection({ url, transport: kind, timeoutMs: 250, maxResponseBytes: 1024 * 1024 });
      const session = new XapiSession(connection, 'OpaqueRef:00000000-0000-4000-8000-000000000000');
      const kinds = new Map<string, number>();
      for (let i = 0; i < 150; i++) {
        answer = () => mutate(random, kind);
        const started = Date.now();
        try {
          await session.getRecord('VM', 'OpaqueRef:1');
          kinds.set('ok', (kinds.get('ok') ?? 0) + 1);
        } catch (error) {
          expect(error instanceof XapiError || error instanceof XapiTransportError, String(error)).toBe(true);
          const name = error instanceof XapiTransportError ? error.kind : 'xapi';
          kinds.set(name, (kinds.get(name) ?? 0) + 1);
        }
        expect(Date.now() - started).toBeLessThan(3000);
      }
      connection.close();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(kinds.get('protocol') ?? 0).toBeGreaterThan(25);
      expect(kinds.get('timeout') ?? 0).toBeGreaterThan(3);
      expect((kinds.get('http') ?? 0) + (kinds.get('too-large') ?? 0)).toBeGreaterThan(3);
    },
    120_000,
  );
});
