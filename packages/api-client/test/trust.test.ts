import * as net from 'node:net';
import * as tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XapiTransportError } from '../src/errors.ts';
import {
  caTrust,
  connectVerified,
  customTrust,
  fingerprintTrust,
  insecureTrust,
  normalizeFingerprint,
  type TrustPolicy,
} from '../src/trust.ts';
import { makeTestPki, type KeyPair, type TestPki } from './support/certs.ts';

interface TlsServer {
  port: number;
  /** Application bytes each accepted connection received. */
  received: number[];
  close: () => Promise<void>;
}

async function startTlsServer(pair: KeyPair, host = '127.0.0.1', extra: tls.TlsOptions = {}): Promise<TlsServer> {
  const received: number[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: pair.key, cert: pair.cert, ...extra }, (socket) => {
    const index = received.push(0) - 1;
    socket.on('data', (chunk: Buffer) => (received[index]! += chunk.length));
    socket.on('error', () => {});
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function failure(promise: Promise<unknown>): Promise<XapiTransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(XapiTransportError);
  return error as XapiTransportError;
}

let pki: TestPki;
let server: TlsServer;
let foreignServer: TlsServer;
let otherAddressServer: TlsServer;

beforeAll(async () => {
  pki = makeTestPki();
  server = await startTlsServer(pki.loopback);
  foreignServer = await startTlsServer(pki.foreign);
  // Same certificate (valid for 127.0.0.1 and localhost) served on another loopback address.
  otherAddressServer = await startTlsServer(pki.loopback, '127.0.0.2');
});

afterAll(async () => {
  await Promise.all([server?.close(), foreignServer?.close(), otherAddressServer?.close()]);
});

const connect = (port: number, trust: TrustPolicy, host = '127.0.0.1') =>
  connectVerified({ host, port, trust, timeoutMs: 5_000 });

describe('caTrust', () => {
  it('accepts a certificate signed by the CA whose IP SAN matches', async () => {
    const socket = await connect(server.port, caTrust(pki.caPem));
    expect(socket.encrypted).toBe(true);
    expect(['TLSv1.2', 'TLSv1.3']).toContain(socket.getProtocol());
    socket.destroy();
  });

  it('accepts a DNS SAN when connecting by name', async () => {
    const socket = await connect(server.port, caTrust([pki.otherCaPem, pki.caPem]), 'localhost').catch(
      (error: XapiTransportError) => {
        // Hosts whose "localhost" resolves to ::1 only cannot reach the IPv4 listener.
        if (error.kind === 'network') return undefined;
        throw error;
      },
    );
    socket?.destroy();
  });

  it('refuses an unknown CA before writing anything', async () => {
    const error = await failure(connect(foreignServer.port, caTrust(pki.caPem)));
    expect(error.kind).toBe('tls');
    expect(error.message).toMatch(/unknown CA/);
    expect(error.message).not.toMatch(/BEGIN CERTIFICATE/);
    expect(foreignServer.received.every((n) => n === 0)).toBe(true);
  });

  it('refuses a certificate that does not name the IP connected to', async () => {
    const error = await failure(connect(otherAddressServer.port, caTrust(pki.caPem), '127.0.0.2'));
    expect(error.kind).toBe('tls');
    expect(error.message).toMatch(/host name mismatch.*127\.0\.0\.2/);
  });
});

describe('fingerprintTrust', () => {
  it('accepts the pinned leaf in colon and bare hex forms, any case', async () => {
    const colon = pki.loopback.fingerprint256;
    const bare = colon.replace(/:/g, '').toLowerCase();
    for (const pin of [colon, bare, [pki.foreign.fingerprint256, bare.toUpperCase()]]) {
      const socket = await connect(server.port, fingerprintTrust(pin));
      socket.destroy();
    }
  });

  it('accepts a pinned certificate whatever signed it or whatever address it names', async () => {
    const socket = await connect(otherAddressServer.port, fingerprintTrust(pki.loopback.fingerprint256), '127.0.0.2');
    socket.destroy();
  });

  it('refuses another certificate', async () => {
    const error = await failure(connect(foreignServer.port, fingerprintTrust(pki.loopback.fingerprint256)));
    expect(error.kind).toBe('tls');
    expect(error.message).toMatch(/fingerprint mismatch/);
    expect(error.message).not.toContain(pki.foreign.fingerprint256);
  });

  it('rejects malformed pins up front', () => {
    expect(() => fingerprintTrust('AB:CD')).toThrow(TypeError);
    expect(() => fingerprintTrust([])).toThrow(TypeError);
    expect(normalizeFingerprint(' aa'.repeat(32).trim().replace(/ /g, ':'))).toBe('aa'.repeat(32));
  });
});

describe('insecureTrust', () => {
  it('accepts any certificate', async () => {
    const socket = await connect(foreignServer.port, insecureTrust());
    socket.destroy();
  });
});

describe('customTrust', () => {
  it('passes address, port, certificate and chain result to the callback', async () => {
    const seen: unknown[] = [];
    const trust = customTrust(
      async (address, port, cert, info) => {
        seen.push(address, port, cert.fingerprint256, info.chainError);
      },
      { ca: pki.caPem },
    );
    const socket = await connect(server.port, trust);
    socket.destroy();
    expect(seen).toEqual(['127.0.0.1', server.port, pki.loopback.fingerprint256, undefined]);

    const chainErrors: (string | undefined)[] = [];
    const other = await connect(
      foreignServer.port,
      customTrust((_a, _p, _c, info) => void chainErrors.push(info.chainError), { ca: pki.caPem }),
    );
    other.destroy();
    expect(chainErrors[0]).toMatch(/^[A-Z_]+$/);
  });

  it('turns a refusal into a tls error that carries the reason', async () => {
    const trust = customTrust(() => {
      throw new Error('not the pinned certificate for this host');
    });
    const error = await failure(connect(server.port, trust));
    expect(error.kind).toBe('tls');
    expect(error.message).toMatch(/not the pinned certificate/);
    expect(server.received.every((n) => n === 0)).toBe(true);
  });
});

describe('connectVerified failures', () => {
  it('refuses TLS below 1.2', async () => {
    const old = await startTlsServer(pki.loopback, '127.0.0.1', { minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    try {
      const error = await failure(connect(old.port, insecureTrust()));
      expect(['tls', 'network']).toContain(error.kind);
    } finally {
      await old.close();
    }
  });

  it('reports a refused connection as a network error', async () => {
    const closed = await startTlsServer(pki.loopback);
    const port = closed.port;
    await closed.close();
    expect((await failure(connect(port, insecureTrust()))).kind).toBe('network');
  });

  it('times out on a peer that never completes the handshake, and honours abort', async () => {
    const silent = net.createServer(() => {});
    const held = new Set<net.Socket>();
    silent.on('connection', (socket) => held.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const timeout = await failure(
        connectVerified({ host: '127.0.0.1', port, trust: insecureTrust(), timeoutMs: 150 }),
      );
      expect(timeout.kind).toBe('timeout');

      const controller = new AbortController();
      const pending = connectVerified({ host: '127.0.0.1', port, trust: insecureTrust(), signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      expect((await failure(pending)).kind).toBe('aborted');

      const pre = await failure(
        connectVerified({ host: '127.0.0.1', port, trust: insecureTrust(), signal: AbortSignal.abort() }),
      );
      expect(pre.kind).toBe('aborted');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
