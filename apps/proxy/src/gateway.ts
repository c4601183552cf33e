import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createAudit } from './audit.ts';
import { RedisSessionStore } from './auth/redis-session-store.ts';
import { MemorySessionStore, type SessionStore } from './auth/session-store.ts';
import { gateRequests, refuseUpgrade } from './auth/store-gate.ts';
import { Sessions } from './auth/sessions.ts';
import type { GatewayConfig } from './config.ts';
import { Recordings } from './console/recording/recordings.ts';
import { ConsoleService } from './console/service.ts';
import type { GatewayContext } from './context.ts';
import { createApp } from './http/app.ts';
import { DevServerProxy } from './http/dev-server.ts';
import { writeUpgradeRefusal } from './http/errors.ts';
import { AllowedHosts } from './http/host-check.ts';
import { originPolicy } from './http/origin.ts';
import { createLogger } from './log.ts';
import { Inventories } from './pool/inventory.ts';
import { KnownHosts } from './pool/known-hosts.ts';
import { PoolLink } from './pool/link.ts';
import { PoolTrust, type TrustMode } from './pool/trust.ts';
import { StatsService } from './stats/service.ts';

export interface GatewayOptions {
  config: GatewayConfig;
  /** The pool master URL (`config.xapiUrl`, or the embedded simulator's). */
  xapiUrl: string;
  /** How pool certificates are trusted; derived from the config when absent. */
  trust?: TrustMode;
  /** Where operational logs go (default stderr) and where audit lines go (default: the configured file). */
  logSink?: Writable;
  auditSink?: Writable;
  /** The built UI (default apps/web/dist). */
  uiDir?: string;
  store?: SessionStore;
}

export interface Gateway {
  /** `http://host:port`, as the gateway listens. */
  url: string;
  context: GatewayContext;
  server: http.Server;
  /** Stops accepting, lets live consoles run up to `drainMs`, then closes everything. */
  close(drainMs?: number): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_UI_DIR = path.resolve(here, '../../web/dist');

export function trustModeFromConfig(config: GatewayConfig): TrustMode {
  if (config.xapiInsecure) return { kind: 'insecure' };
  if (config.xapiCaFile) return { kind: 'ca', pem: fs.readFileSync(config.xapiCaFile, 'utf8') };
  if (config.xapiFingerprint) return { kind: 'fingerprint', sha256: config.xapiFingerprint };
  return { kind: 'first-use' };
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const instance = config.instanceId ?? randomUUID().slice(0, 8);
  const log = createLogger(options.logSink ?? process.stderr, config.logLevel, { instance });
  let auditSink = options.auditSink;
  if (!auditSink) {
    if (config.auditLog === '-') auditSink = process.stdout;
    else {
      fs.mkdirSync(path.dirname(config.auditLog), { recursive: true });
      auditSink = fs.createWriteStream(config.auditLog, { flags: 'a', mode: 0o600 });
    }
  }
  const audit = createAudit(auditSink, instance);
  const master = new URL(options.xapiUrl);
  const trust = new PoolTrust(
    options.trust ?? trustModeFromConfig(config),
    { address: master.hostname.replace(/^\[|\]$/g, ''), port: master.port ? Number(master.port) : 443 },
    new KnownHosts(path.join(config.dataDir, 'known-hosts.json')),
    log,
  );
  const link = new PoolLink(options.xapiUrl, trust, log, config.poolTimeoutMs);
  const store =
    options.store ??
    (config.redisUrl && config.sessionSecret
      ? await RedisSessionStore.connect({
          url: config.redisUrl,
          secret: config.sessionSecret,
          limits: config.session,
          log,
        })
      : new MemorySessionStore(config.session));
  const sessions = new Sessions(store, link, config.login, audit, log);
  const inventories = new Inventories(
    (session) =>
      void sessions.end(session, 'ended-by-pool').catch((error: unknown) => {
        log.warn('could not record a session the pool ended', { error });
      }),
    log,
  );
  sessions.on('ended', (session) => inventories.drop(session.id));
  const origin = originPolicy(config);
  const hosts = new AllowedHosts(config);
  const recordings = new Recordings({ ...config.recordings, instance, audit, log });
  const consoles = new ConsoleService({
    sessions,
    link,
    audit,
    log,
    origin,
    trustProxy: config.trustProxy,
    limits: { ...config.consoles, lowWaterMark: Math.floor(config.consoles.highWaterMark / 4) },
    instance,
    ...(config.redisUrl && config.sessionSecret
      ? { redis: { url: config.redisUrl, secret: config.sessionSecret } }
      : {}),
    recordings,
  });
  const stats = new StatsService(link, config.stats, log);
  const context: GatewayContext = { config, link, sessions, inventories, consoles, recordings, stats, audit, log };
  const dev = config.devServer && new DevServerProxy(config.devServer.url, config.devServer.nonce, origin, log);
  const app = gateRequests(store, createApp(context, { origin, hosts }, options.uiDir ?? DEFAULT_UI_DIR, dev));

  // Slow clients (slowloris) get a bounded time to send their headers and bodies, checked every second.
  const serverOptions: http.ServerOptions = {
    headersTimeout: config.http.headersTimeoutMs,
    requestTimeout: config.http.requestTimeoutMs,
    connectionsCheckingInterval: 1000,
    keepAliveTimeout: 5000,
    maxHeaderSize: 16 * 1024,
  };
  const server = config.tls
    ? https.createServer(
        { ...serverOptions, cert: fs.readFileSync(config.tls.certFile), key: fs.readFileSync(config.tls.keyFile) },
        app,
      )
    : http.createServer(serverOptions, app);
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refusal = hosts.refusal(req);
    if (refusal) return writeUpgradeRefusal(socket, refusal);
    if (!consoles.handles(req)) {
      if (dev?.handles(req)) return dev.upgrade(req, socket, head);
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (!store.available) return refuseUpgrade(socket);
    consoles.upgrade(req, socket, head).catch((error: unknown) => {
      log.error('console upgrade failed', { error });
      socket.destroy();
    });
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  hosts.listening(address.port);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${address.port}`;
  log.info('gateway listening', { url, pool: link.connection.url, allowedHosts: hosts.describe() });

  let closing: Promise<void> | undefined;
  const close = (drainMs = 0): Promise<void> =>
    (closing ??= (async () => {
      // Stop listening first: a load balancer then sends new requests and consoles to another instance,
      // while the consoles and streams already here run on through the drain.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await consoles.shutdown(drainMs);
      await recordings.close();
      inventories.closeAll();
      stats.close();
      dev?.close();
      server.closeAllConnections();
      await stopped;
      await store.close();
      link.close();
      if (auditSink !== process.stdout && auditSink !== options.auditSink) {
        await new Promise<void>((resolve) => auditSink!.end(resolve));
      }
    })());
  return { url, context, server, close };
}
