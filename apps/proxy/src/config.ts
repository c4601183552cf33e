import path from 'node:path';
import { LINK_LIFETIME } from '@xwc/contracts';
import { parseAuthority, parseOrigin, type Authority, type Origin } from './http/authority.ts';
import { settingNamed } from './settings.ts';

/**
 * Every setting of the gateway, parsed once from the environment (and the configuration file, config-file.ts) into
 * typed values. Names, kinds, bounds and defaults come from the table in settings.ts; docs/configuration.md explains them.
 */
export interface GatewayConfig {
  host: string;
  port: number;
  /** The pool master's URL; undefined = start the simulated pool in-process. */
  xapiUrl?: string;
  xapiCaFile?: string;
  xapiFingerprint?: string;
  xapiInsecure: boolean;
  /** Deadline of one XAPI call (blocking `event.from` excepted). */
  poolTimeoutMs: number;
  dataDir: string;
  demo: { rootPassword?: string; seed: 'demo' | 'scale'; hosts?: number; vms?: number };
  allowedOrigins: string[];
  allowNoOrigin: boolean;
  /** The one origin browsers use to reach the gateway (behind a proxy: the public one); derived from each request when absent. */
  publicOrigin?: Origin;
  /** Host names (and ports) requests may name in `Host`, beside the defaults (see http/host-check.ts). */
  allowedHosts: Authority[];
  trustProxy: boolean;
  tls?: { certFile: string; keyFile: string };
  http: { headersTimeoutMs: number; requestTimeoutMs: number };
  session: { idleTimeoutMs: number; maxAgeMs: number };
  login: {
    /** See auth/login-limits.ts. */
    freeAttempts: number;
    firstDelayMs: number;
    maxDelayMs: number;
    perUser: number;
    perAddress: number;
    windowMs: number;
    /** Renew a session the pool dropped in a restart or master change, with the password kept in memory. */
    reloginAfterPoolRestart: boolean;
  };
  consoles: {
    perUser: number;
    total: number;
    idleTimeoutMs: number;
    maxDurationMs: number;
    stallTimeoutMs: number;
    keepaliveMs: number;
    highWaterMark: number;
    connectTimeoutMs: number;
    /** When consoles go through the shared engine (see console-hubs.ts). */
    sharing: 'on-demand' | 'always';
    /** The viewer with the keyboard loses it after this long without key or pointer input (0 = never). */
    controlIdleMs: number;
    /** How long a shared console whose VM rebooted or migrated is looked for while its viewers wait. */
    reattachMs: number;
    /** Read-only share links (console/share/). */
    links: {
      defaultLifetimeMs: number;
      maxLifetimeMs: number;
      /** Links one user may make per minute, and may have open at once. */
      perMinute: number;
      perUser: number;
      /** Guests watching through one link at once. */
      viewersPerLink: number;
    };
    /** The console wall (console/wall/). */
    wall: {
      /** Share of one CPU core thumbnails may take: the refresh interval stretches to stay within it. */
      cpuPercent: number;
      /** Consoles one wall page may watch at once. */
      maxConsoles: number;
      /** Wall pages one login may have open. */
      perSession: number;
    };
  };
  /** Console recordings (console/recording/): where, how much disk, how long they are kept. */
  recordings: { dir: string; maxBytes: number; retentionMs: number; keyframeMs: number };
  /** Development only (`npm run dev`): serve the UI from this Vite dev server, with this run's CSP nonce. */
  devServer?: { url: URL; nonce: string };
  /** Performance statistics from the pool hosts (`GET /api/stats/…`); see stats/service.ts. */
  stats: { timeoutMs: number; maxReplyBytes: number };
  /** Live inventory streams (`GET /api/events`); see http/event-stream.ts. */
  events: { perSession: number; total: number; backlogBytes: number; stallTimeoutMs: number };
  auditLog: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Sessions in Redis (several instances); `sessionSecret` is then set too. */
  redisUrl?: string;
  sessionSecret?: string;
  instanceId?: string;
  /** Operational log file (reopened on SIGHUP); standard error when absent. */
  logFile?: string;
  /** The listener of /metrics, /healthz and /readyz (ops/ops-server.ts); loopback by default. */
  metrics: { host: string; port: number };
  /** After SIGTERM: how long /readyz says "draining" while everything is still served, then how long consoles run on. */
  shutdownDelayMs: number;
  /** How long live consoles may run on after SIGTERM before they are closed with 1001. */
  shutdownDrainMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

/** A whole number within the setting's bounds (settings.ts); `bounds` narrows them where another setting does. */
function integer(env: Env, name: string, bounds: { min?: number; max?: number; fallback?: number } = {}): number {
  const setting = settingNamed(name);
  const kind: { min?: number; max?: number } =
    setting.kind.type === 'integer' || setting.kind.type === 'seconds' ? setting.kind : {};
  const min = bounds.min ?? kind.min ?? 0;
  const max = bounds.max ?? kind.max ?? Number.MAX_SAFE_INTEGER;
  const fallback = bounds.fallback ?? Number(setting.default);
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

const seconds = (env: Env, name: string): number => integer(env, name) * 1000;

function flag(env: Env, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return settingNamed(name).default === '1';
  if (raw === '0' || raw.toLowerCase() === 'false') return false;
  if (raw === '1' || raw.toLowerCase() === 'true') return true;
  throw new ConfigError(`${name} must be 1 or 0, got "${raw}"`);
}

function oneOf<const V extends readonly string[]>(env: Env, name: string, values: V): V[number] {
  const raw = optional(env, name) ?? settingNamed(name).default!;
  if (!values.includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw;
}

function optional(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

export function loadConfig(env: Env = process.env): GatewayConfig {
  const xapiUrl = optional(env, 'XAPI_URL');
  if (xapiUrl) {
    let url: URL;
    try {
      url = new URL(xapiUrl);
    } catch {
      throw new ConfigError(`XAPI_URL is not a URL: "${xapiUrl}"`);
    }
    if (url.protocol !== 'https:') throw new ConfigError('XAPI_URL must be an https:// URL (the pool master)');
  }
  const trustSettings = ['XAPI_CA_FILE', 'XAPI_FINGERPRINT', 'XAPI_INSECURE'].filter((n) =>
    n === 'XAPI_INSECURE' ? flag(env, n) : optional(env, n),
  );
  if (trustSettings.length > 1) {
    throw new ConfigError(
      `set at most one of XAPI_CA_FILE, XAPI_FINGERPRINT, XAPI_INSECURE (got ${trustSettings.join(', ')})`,
    );
  }
  const fingerprint = optional(env, 'XAPI_FINGERPRINT');
  if (fingerprint && !/^([0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/.test(fingerprint)) {
    throw new ConfigError('XAPI_FINGERPRINT must be a SHA-256 fingerprint (64 hex digits, colons optional)');
  }
  const seed = oneOf(env, 'DEMO_SEED', ['demo', 'scale'] as const);
  const certFile = optional(env, 'TLS_CERT_FILE');
  const keyFile = optional(env, 'TLS_KEY_FILE');
  if (Boolean(certFile) !== Boolean(keyFile))
    throw new ConfigError('set both TLS_CERT_FILE and TLS_KEY_FILE, or neither');
  const logLevel = oneOf(env, 'LOG_LEVEL', ['debug', 'info', 'warn', 'error'] as const);
  const allowedOrigins = (optional(env, 'ALLOWED_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of allowedOrigins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin)
      throw new ConfigError(`ALLOWED_ORIGINS entry "${origin}" is not an origin like https://host[:port]`);
  }
  const dataDir = path.resolve(optional(env, 'DATA_DIR') ?? settingNamed('DATA_DIR').default!);
  const hwmKiB = integer(env, 'CONSOLE_BUFFER_KIB');
  return {
    host: optional(env, 'HOST') ?? settingNamed('HOST').default!,
    port: integer(env, 'PORT'),
    xapiUrl,
    xapiCaFile: optional(env, 'XAPI_CA_FILE'),
    xapiFingerprint: fingerprint,
    xapiInsecure: flag(env, 'XAPI_INSECURE'),
    poolTimeoutMs: seconds(env, 'POOL_TIMEOUT'),
    dataDir,
    demo: {
      rootPassword: optional(env, 'DEMO_PASSWORD'),
      seed,
      hosts: env.DEMO_HOSTS ? integer(env, 'DEMO_HOSTS') : undefined,
      vms: env.DEMO_VMS ? integer(env, 'DEMO_VMS') : undefined,
    },
    allowedOrigins,
    allowNoOrigin: flag(env, 'ALLOW_NO_ORIGIN'),
    ...publicOrigin(env),
    allowedHosts: allowedHosts(env),
    trustProxy: flag(env, 'TRUST_PROXY'),
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
    http: {
      headersTimeoutMs: seconds(env, 'HTTP_HEADERS_TIMEOUT'),
      requestTimeoutMs: seconds(env, 'HTTP_REQUEST_TIMEOUT'),
    },
    session: {
      idleTimeoutMs: seconds(env, 'SESSION_IDLE_TIMEOUT'),
      maxAgeMs: seconds(env, 'SESSION_MAX_AGE'),
    },
    login: {
      freeAttempts: integer(env, 'LOGIN_FREE_ATTEMPTS'),
      firstDelayMs: seconds(env, 'LOGIN_FIRST_DELAY'),
      maxDelayMs: seconds(env, 'LOGIN_MAX_DELAY'),
      perUser: integer(env, 'LOGIN_ATTEMPTS_PER_USER'),
      perAddress: integer(env, 'LOGIN_ATTEMPTS_PER_ADDRESS'),
      windowMs: seconds(env, 'LOGIN_WINDOW'),
      reloginAfterPoolRestart: flag(env, 'RELOGIN_AFTER_POOL_RESTART'),
    },
    consoles: {
      perUser: integer(env, 'CONSOLES_PER_USER'),
      total: integer(env, 'CONSOLES_TOTAL'),
      idleTimeoutMs: seconds(env, 'CONSOLE_IDLE_TIMEOUT'),
      maxDurationMs: seconds(env, 'CONSOLE_MAX_DURATION'),
      stallTimeoutMs: seconds(env, 'CONSOLE_STALL_TIMEOUT'),
      keepaliveMs: seconds(env, 'CONSOLE_KEEPALIVE'),
      highWaterMark: hwmKiB * 1024,
      connectTimeoutMs: seconds(env, 'CONSOLE_CONNECT_TIMEOUT'),
      sharing: oneOf(env, 'CONSOLE_SHARING', ['on-demand', 'always'] as const),
      controlIdleMs: seconds(env, 'CONSOLE_CONTROL_IDLE'),
      reattachMs: seconds(env, 'CONSOLE_REATTACH_TIMEOUT'),
      links: shareLinks(env),
      wall: {
        cpuPercent: integer(env, 'WALL_CPU_PERCENT'),
        maxConsoles: integer(env, 'WALL_CONSOLES'),
        perSession: integer(env, 'WALL_VIEWS_PER_SESSION'),
      },
    },
    recordings: {
      dir: path.resolve(optional(env, 'RECORDINGS_DIR') ?? path.join(dataDir, 'recordings')),
      maxBytes: integer(env, 'RECORDINGS_MAX_SIZE_MIB') * 1024 * 1024,
      retentionMs: integer(env, 'RECORDINGS_RETENTION_DAYS') * 24 * 3600 * 1000,
      keyframeMs: seconds(env, 'RECORDING_KEYFRAME_INTERVAL'),
    },
    ...devServer(env),
    stats: {
      timeoutMs: seconds(env, 'STATS_TIMEOUT'),
      maxReplyBytes: integer(env, 'STATS_MAX_REPLY_KIB') * 1024,
    },
    events: {
      perSession: integer(env, 'EVENT_STREAMS_PER_SESSION'),
      total: integer(env, 'EVENT_STREAMS_TOTAL'),
      backlogBytes: integer(env, 'EVENT_STREAM_BACKLOG_KIB') * 1024,
      stallTimeoutMs: seconds(env, 'EVENT_STREAM_STALL_TIMEOUT'),
    },
    auditLog: optional(env, 'AUDIT_LOG') ?? path.join(dataDir, 'audit.log'),
    logLevel,
    ...(optional(env, 'LOG_FILE') ? { logFile: path.resolve(optional(env, 'LOG_FILE')!) } : {}),
    metrics: {
      host: optional(env, 'METRICS_HOST') ?? settingNamed('METRICS_HOST').default!,
      port: integer(env, 'METRICS_PORT'),
    },
    ...sharedStore(env),
    instanceId: instanceId(env),
    shutdownDelayMs: seconds(env, 'SHUTDOWN_DELAY'),
    shutdownDrainMs: seconds(env, 'SHUTDOWN_DRAIN'),
  };
}

/** Share-link settings: a link lasts SHARE_LINK_LIFETIME unless asked, never past SHARE_LINK_MAX_LIFETIME (≤ a day). */
function shareLinks(env: Env): GatewayConfig['consoles']['links'] {
  const { minSeconds, defaultSeconds } = LINK_LIFETIME;
  const max = integer(env, 'SHARE_LINK_MAX_LIFETIME');
  return {
    defaultLifetimeMs:
      integer(env, 'SHARE_LINK_LIFETIME', { fallback: Math.min(defaultSeconds, max), min: minSeconds, max }) * 1000,
    maxLifetimeMs: max * 1000,
    perMinute: integer(env, 'SHARE_LINKS_PER_MINUTE'),
    perUser: integer(env, 'SHARE_LINKS_PER_USER'),
    viewersPerLink: integer(env, 'SHARE_LINK_VIEWERS'),
  };
}

/** REDIS_URL and the secret that encrypts what the gateway keeps there. Neither is ever echoed in an error. */
function sharedStore(env: Env): { redisUrl?: string; sessionSecret?: string } {
  const redisUrl = optional(env, 'REDIS_URL');
  const sessionSecret = optional(env, 'SESSION_SECRET');
  if (redisUrl && !/^rediss?:\/\/[^/]/.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL, e.g. redis://redis.internal:6379');
  }
  if (redisUrl && !sessionSecret) {
    throw new ConfigError(
      'REDIS_URL is set but SESSION_SECRET is not: every instance needs the same SESSION_SECRET to encrypt ' +
        'the XAPI sessions it keeps in Redis (e.g. `openssl rand -base64 32`)',
    );
  }
  if (sessionSecret && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters, e.g. from `openssl rand -base64 32`');
  }
  return { redisUrl, sessionSecret };
}

function publicOrigin(env: Env): { publicOrigin?: Origin } {
  const raw = optional(env, 'PUBLIC_ORIGIN');
  if (raw === undefined) return {};
  const origin = parseOrigin(raw.replace(/\/$/, ''));
  if (!origin) {
    throw new ConfigError(
      `PUBLIC_ORIGIN must be the origin browsers use, like https://xwc.example.com or http://127.0.0.1:8080 ` +
        `(scheme, host, optional port; no path), got "${raw}"`,
    );
  }
  return { publicOrigin: origin };
}

function allowedHosts(env: Env): Authority[] {
  return (optional(env, 'ALLOWED_HOSTS') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const authority = parseAuthority(entry);
      if (!authority) {
        throw new ConfigError(
          `ALLOWED_HOSTS entry "${entry}" is not a host name or address with an optional port ` +
            `(e.g. xwc.example.com, 10.0.0.5:8080, [2001:db8::5]:8080)`,
        );
      }
      return authority;
    });
}

/** DEV_SERVER_URL and DEV_CSP_NONCE, which `npm run dev` sets: a Vite dev server on this machine only. */
function devServer(env: Env): { devServer?: GatewayConfig['devServer'] } {
  const raw = optional(env, 'DEV_SERVER_URL');
  if (raw === undefined) return {};
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url?.protocol !== 'http:' || !/^(127(\.\d{1,3}){3}|localhost|\[::1\])$/.test(url.hostname)) {
    throw new ConfigError(`DEV_SERVER_URL must be an http:// URL on this machine (127.0.0.1, localhost), got "${raw}"`);
  }
  const nonce = optional(env, 'DEV_CSP_NONCE');
  if (!nonce || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
    throw new ConfigError('DEV_CSP_NONCE must be set with DEV_SERVER_URL: 16 to 64 letters, digits, - or _');
  }
  return { devServer: { url, nonce } };
}

function instanceId(env: Env): string | undefined {
  const id = optional(env, 'INSTANCE_ID');
  if (id && !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    throw new ConfigError("INSTANCE_ID must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  return id;
}
