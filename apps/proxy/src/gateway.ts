import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { randomUUID, X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createAudit, type Audit } from './audit.ts';
import { LoginLimits } from './auth/login-limits.ts';
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
import { Health } from './ops/health.ts';
import { LogFile } from './ops/log-file.ts';
import { GatewayMetrics } from './ops/metrics.ts';
import { answerHealth } from './ops/ops-server.ts';
import { newRequestId, withRequestId } from './ops/request-id.ts';
import { EXIT, listenError, readSettingFile, StartupError } from './ops/startup-error.ts';
import { CertificateChanges } from './pool/certificate-change.ts';
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
  /** Prometheus metrics (ops/metrics.ts), served by the metrics listener (ops/ops-server.ts). */
  metrics: GatewayMetrics;
  /** `/healthz` and `/readyz`; `health.drain()` turns readiness off ahead of a stop. */
  health: Health;
  /** SIGHUP: reopens the log files and reloads the TLS certificate and the pool CA; consoles stay up. */
  reload(): void;
  /** Stops accepting, lets live consoles run up to `drainMs`, then closes everything. */
  close(drainMs?: number): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_UI_DIR = path.resolve(here, '../../web/dist');

export function trustModeFromConfig(config: GatewayConfig): TrustMode {
  if (config.xapiInsecure) return { kind: 'insecure' };
  if (config.xapiCaFile) return { kind: 'ca', pem: readCaFile(config.xapiCaFile) };
  if (config.xapiFingerprint) return { kind: 'fingerprint', sha256: config.xapiFingerprint };
  return { kind: 'first-use' };
}

function errorName(error: unknown): string {
  return (error as { code?: unknown; kind?: unknown }).code?.toString() ?? String((error as { kind?: unknown }).kind);
}

/** The CA file, which must be readable and hold at least one PEM certificate. */
function readCaFile(file: string): string {
  const pem = readSettingFile('XAPI_CA_FILE', file);
  try {
    new X509Certificate(pem);
  } catch {
    throw new StartupError(`XAPI_CA_FILE: ${file} holds no PEM certificate`, EXIT.file);
  }
  return pem;
}

/** A log file the gateway opens itself, or says which setting names a file it cannot open. */
function openLogFile(setting: string, file: string): LogFile {
  try {
    return new LogFile(file);
  } catch (error) {
    throw new StartupError(`${setting}: cannot open ${file} (${(error as NodeJS.ErrnoException).code})`, EXIT.file);
  }
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const instance = config.instanceId ?? randomUUID().slice(0, 8);
  const logFile = options.logSink || !config.logFile ? undefined : openLogFile('LOG_FILE', config.logFile);
  const log = createLogger(options.logSink ?? logFile ?? process.stderr, config.logLevel, { instance });
  let auditSink = options.auditSink;
  const auditFile = auditSink || config.auditLog === '-' ? undefined : openLogFile('AUDIT_LOG', config.auditLog);
  auditSink ??= auditFile ?? process.stdout;
  const auditLine = createAudit(auditSink, instance);
  const metrics = new GatewayMetrics();
  const audit: Audit = (entry, context) => {
    metrics.audited(entry);
    auditLine(entry, context);
  };
  const master = new URL(options.xapiUrl);
  const trust = new PoolTrust(
    options.trust ?? trustModeFromConfig(config),
    { address: master.hostname.replace(/^\[|\]$/g, ''), port: master.port ? Number(master.port) : 443 },
    new KnownHosts(path.join(config.dataDir, 'known-hosts.json')),
    log,
  );
  const link = new PoolLink(options.xapiUrl, trust, log, config.poolTimeoutMs);
  metrics.observeXapi(link.connection);
  // At debug level every XAPI call is a line carrying the request id that caused it (never its parameters).
  link.connection.on('call', ({ method, seconds, error }) =>
    log.debug('xapi call', { method, ms: Math.round(seconds * 1000), ...(error ? { failed: errorName(error) } : {}) }),
  );
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
    knownIdleTimeout: (owner, uuid) => inventories.live()?.idleTimeout(owner, uuid),
  });
  const stats = new StatsService(link, config.stats, log);
  const certificates = new CertificateChanges(
    link,
    new LoginLimits(store.loginCounters, config.login),
    audit,
    log,
    config.poolTimeoutMs,
  );
  const health = new Health(link, { available: () => store.available, shared: Boolean(config.redisUrl) });
  metrics.observe({ consoles: () => consoles.count, sessionStore: () => store.available });
  const context: GatewayContext = {
    config,
    link,
    sessions,
    inventories,
    consoles,
    recordings,
    stats,
    audit,
    log,
    metrics,
    certificates,
  };
  const dev = config.devServer && new DevServerProxy(config.devServer.url, config.devServer.nonce, origin, log);
  const gated = gateRequests(store, createApp(context, { origin, hosts }, options.uiDir ?? DEFAULT_UI_DIR, dev));
  // Each request gets an id (X-Request-Id) that its log lines, XAPI call lines and audit line carry; health probes are
  // answered before the Host check (see ops/ops-server.ts).
  const app = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const id = newRequestId();
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    // Read now: Express rewrites req.url while routing.
    const path = (req.url ?? '').split('?', 1)[0]!;
    res.once('finish', () => {
      metrics.responded(path, res.statusCode);
      log.debug('request', {
        method: req.method,
        path: path.slice(0, 200),
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
        requestId: id,
      });
    });
    withRequestId(id, () => answerHealth(health, req, res) ?? gated(req, res));
  };

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
        {
          ...serverOptions,
          cert: readSettingFile('TLS_CERT_FILE', config.tls.certFile),
          key: readSettingFile('TLS_KEY_FILE', config.tls.keyFile),
        },
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
    withRequestId(newRequestId(), () =>
      consoles.upgrade(req, socket, head).catch((error: unknown) => {
        log.error('console upgrade failed', { error });
        socket.destroy();
      }),
    );
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(listenError(error, 'HOST, PORT', config.host, config.port)));
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  hosts.listening(address.port);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${address.port}`;
  log.info('gateway listening', { url, pool: link.connection.url, allowedHosts: hosts.describe() });

  const reload = (): void => {
    logFile?.reopen();
    auditFile?.reopen();
    try {
      if (config.tls && server instanceof https.Server) {
        const { certFile, keyFile } = config.tls;
        server.setSecureContext({
          cert: readSettingFile('TLS_CERT_FILE', certFile),
          key: readSettingFile('TLS_KEY_FILE', keyFile),
        });
      }
      if (config.xapiCaFile && !options.trust) trust.reloadCa(readCaFile(config.xapiCaFile));
      log.info('reloaded: log files reopened, certificates read again');
    } catch (error) {
      // The certificates in use stay in use: a bad file on disk must not take the gateway down.
      log.error('reload failed; keeping the certificates in use', { error });
    }
  };

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
      metrics.close();
      if (auditFile) await new Promise<void>((resolve) => auditFile.end(resolve));
      if (logFile) await new Promise<void>((resolve) => logFile.end(resolve));
    })());
  return { url, context, server, metrics, health, reload, close };
}
