import { LINK_LIFETIME } from '@xwc/contracts';

/**
 * Every setting of the gateway, once: its name (an environment variable, or a key of the configuration file), what
 * kind of value it takes, its default and a one-line summary. config.ts parses values with it, `--help` lists it, and
 * a test checks docs/configuration.md against it (the docs carry the longer explanations).
 */
export type SettingKind =
  | { type: 'integer'; min?: number; max?: number }
  /** Whole seconds; config.ts turns them into milliseconds. */
  | { type: 'seconds'; min?: number }
  /** `1`/`true` or `0`/`false`. */
  | { type: 'flag' }
  | { type: 'enum'; values: readonly string[] }
  /** Free text that config.ts validates itself (URLs, origins, lists, paths). */
  | { type: 'text' };

export interface Setting {
  name: string;
  section: string;
  kind: SettingKind;
  /** The default as it would be written in the environment; undefined when unset means "none" or is derived. */
  default?: string;
  /** How the default reads in the docs when it is derived from another setting (`DATA_DIR/audit.log`). */
  shown?: string;
  summary: string;
  /** Holds a secret: never echoed in an error, and listed as such in `--help`. */
  secret?: boolean;
}

const S = (
  section: string,
  name: string,
  kind: SettingKind,
  def: string | undefined,
  summary: string,
  extra: Partial<Setting> = {},
): Setting => ({ name, section, kind, ...(def === undefined ? {} : { default: def }), summary, ...extra });

const int = (min?: number, max?: number): SettingKind => ({
  type: 'integer',
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});
const sec = (min?: number): SettingKind => ({ type: 'seconds', ...(min === undefined ? {} : { min }) });
const flag: SettingKind = { type: 'flag' };
const text: SettingKind = { type: 'text' };
const oneOf = (...values: string[]): SettingKind => ({ type: 'enum', values });

const LINK_SECONDS = int(LINK_LIFETIME.minSeconds, LINK_LIFETIME.maxSeconds);

const LISTEN = 'Where it listens';
const POOL = 'Which pool';
const DEMO = 'The simulated pool';
const BROWSER = 'Browser-facing security';
const LOGIN = 'Login limits';
const CONSOLES = 'Consoles';
const RECORDINGS = 'Console recordings';
const LINKS = 'Share links';
const WALL = 'The console wall';
const EVENTS = 'Live inventory streams';
const STATS = 'Performance statistics';
const DEV = 'Development';
const LOGS = 'Logs';
const OPS = 'Health and metrics';
const SCALE = 'Several instances';

export const SETTINGS: readonly Setting[] = [
  S(LISTEN, 'HOST', text, '127.0.0.1', 'Address to listen on.'),
  S(LISTEN, 'PORT', int(0, 65535), '8080', 'Port to listen on (0: any free port).'),
  S(LISTEN, 'TLS_CERT_FILE', text, undefined, 'Serve HTTPS with this certificate (PEM); with TLS_KEY_FILE.'),
  S(LISTEN, 'TLS_KEY_FILE', text, undefined, 'The key of TLS_CERT_FILE (PEM).'),
  S(LISTEN, 'HTTP_HEADERS_TIMEOUT', sec(1), '10', "Seconds a client may take to send a request's headers."),
  S(LISTEN, 'HTTP_REQUEST_TIMEOUT', sec(1), '30', 'Seconds a client may take to send a whole request.'),
  S(LISTEN, 'TRUST_PROXY', flag, '0', 'Take client address and scheme from X-Forwarded-For/-Proto.'),

  S(POOL, 'XAPI_URL', text, undefined, 'The pool master, https://master[:port]; unset: the simulated pool.'),
  S(POOL, 'XAPI_CA_FILE', text, undefined, "PEM file of the CA that signed the pool hosts' certificates."),
  S(POOL, 'XAPI_FINGERPRINT', text, undefined, "SHA-256 fingerprint of the master's certificate."),
  S(POOL, 'XAPI_INSECURE', flag, '0', 'Turn certificate checks off (labs only).'),
  S(POOL, 'POOL_TIMEOUT', sec(1), '30', 'Seconds to wait for one answer from the pool.'),
  S(POOL, 'DATA_DIR', text, '.data', 'Where the gateway keeps state.', { shown: './.data' }),

  S(DEMO, 'DEMO_PASSWORD', text, undefined, 'Password of the simulated root user.', { shown: 'xenroot', secret: true }),
  S(DEMO, 'DEMO_SEED', oneOf('demo', 'scale'), 'demo', 'demo (three hosts) or scale (generated).'),
  S(DEMO, 'DEMO_HOSTS', int(1, 1000), undefined, 'Hosts of the scale seed.'),
  S(DEMO, 'DEMO_VMS', int(0, 100_000), undefined, 'VMs of the scale seed.'),

  S(BROWSER, 'ALLOWED_ORIGINS', text, undefined, 'Comma-separated origins allowed beside the own one.'),
  S(BROWSER, 'ALLOW_NO_ORIGIN', flag, '0', 'Accept upgrades and writes without an Origin header.'),
  S(BROWSER, 'PUBLIC_ORIGIN', text, undefined, 'The origin browsers use to reach the gateway.'),
  S(BROWSER, 'ALLOWED_HOSTS', text, undefined, 'Comma-separated host names accepted in Host.'),
  S(BROWSER, 'SESSION_IDLE_TIMEOUT', sec(5), '28800', 'Seconds without a request after which a login ends.'),
  S(BROWSER, 'SESSION_MAX_AGE', sec(5), '86400', 'Seconds after which a login ends regardless.'),
  S(BROWSER, 'RELOGIN_AFTER_POOL_RESTART', flag, '1', 'Renew sessions the pool forgot in a restart.'),

  S(LOGIN, 'LOGIN_FREE_ATTEMPTS', int(1), '5', 'Wrong passwords per user and address before delays.'),
  S(LOGIN, 'LOGIN_FIRST_DELAY', sec(1), '1', 'Seconds of the first delay; it doubles.'),
  S(LOGIN, 'LOGIN_MAX_DELAY', sec(1), '300', 'The longest delay, in seconds.'),
  S(LOGIN, 'LOGIN_ATTEMPTS_PER_ADDRESS', int(1), '30', 'Failed logins from one address before it waits.'),
  S(LOGIN, 'LOGIN_ATTEMPTS_PER_USER', int(1), '100', 'Failed logins for one name, all addresses, before delays.'),
  S(LOGIN, 'LOGIN_WINDOW', sec(1), '900', 'Seconds after which a counter is forgotten.'),

  S(CONSOLES, 'CONSOLES_PER_USER', int(1), '16', 'Live consoles one login may hold.'),
  S(CONSOLES, 'CONSOLES_TOTAL', int(1), '2000', 'Live consoles the instance serves.'),
  S(CONSOLES, 'CONSOLE_IDLE_TIMEOUT', sec(), '0', 'Seconds without input before a console closes (0: never).'),
  S(CONSOLES, 'CONSOLE_MAX_DURATION', sec(), '0', 'Seconds after which any console closes (0: never).'),
  S(CONSOLES, 'CONSOLE_STALL_TIMEOUT', sec(1), '30', 'Seconds a browser or host may stop reading.'),
  S(CONSOLES, 'CONSOLE_KEEPALIVE', sec(1), '20', 'Seconds between WebSocket pings.'),
  S(CONSOLES, 'CONSOLE_BUFFER_KIB', int(64, 65536), '256', 'Unsent KiB per console before backpressure.'),
  S(CONSOLES, 'CONSOLE_CONNECT_TIMEOUT', sec(1), '10', "Seconds to reach a host's console."),
  S(CONSOLES, 'CONSOLE_SHARING', oneOf('on-demand', 'always'), 'on-demand', 'When consoles use the shared engine.'),
  S(CONSOLES, 'CONSOLE_CONTROL_IDLE', sec(), '300', 'Seconds before an idle keyboard holder loses it (0: never).'),
  S(CONSOLES, 'CONSOLE_REATTACH_TIMEOUT', sec(5), '180', "Seconds a rebooting VM's console is looked for."),

  S(RECORDINGS, 'RECORDINGS_DIR', text, undefined, 'Where recordings are written.', {
    shown: 'DATA_DIR/recordings',
  }),
  S(RECORDINGS, 'RECORDINGS_MAX_SIZE_MIB', int(1), '10240', 'Size cap of the recordings directory, MiB.'),
  S(RECORDINGS, 'RECORDINGS_RETENTION_DAYS', int(1, 36_500), '30', 'Days a recording is kept.'),
  S(RECORDINGS, 'RECORDING_KEYFRAME_INTERVAL', sec(1), '5', 'Seconds between keyframes.'),

  S(
    LINKS,
    'SHARE_LINK_LIFETIME',
    LINK_SECONDS,
    String(LINK_LIFETIME.defaultSeconds),
    'Seconds a share link lasts by default.',
  ),
  S(
    LINKS,
    'SHARE_LINK_MAX_LIFETIME',
    LINK_SECONDS,
    String(LINK_LIFETIME.maxSeconds),
    'The longest lifetime a maker may ask for.',
  ),
  S(LINKS, 'SHARE_LINKS_PER_MINUTE', int(1, 10_000), '20', 'Links one user may try to make per minute.'),
  S(LINKS, 'SHARE_LINKS_PER_USER', int(1, 10_000), '50', 'Open links per user.'),
  S(LINKS, 'SHARE_LINK_VIEWERS', int(1, 1000), '10', 'Guests per link at once.'),

  S(WALL, 'WALL_CPU_PERCENT', int(1, 100), '10', "Share of one core the wall's thumbnails may take."),
  S(WALL, 'WALL_CONSOLES', int(1, 256), '64', 'Consoles one wall page may watch.'),
  S(WALL, 'WALL_VIEWS_PER_SESSION', int(1, 64), '4', 'Wall pages one login may have open.'),

  S(EVENTS, 'EVENT_STREAMS_PER_SESSION', int(1), '8', 'Event streams one login may hold.'),
  S(EVENTS, 'EVENT_STREAMS_TOTAL', int(1), '500', 'Event streams the instance serves.'),
  S(EVENTS, 'EVENT_STREAM_BACKLOG_KIB', int(64, 1024 * 1024), '32768', 'KiB queued for a slow stream.'),
  S(EVENTS, 'EVENT_STREAM_STALL_TIMEOUT', sec(1), '30', 'Seconds a stream may take nothing.'),

  S(STATS, 'STATS_TIMEOUT', sec(1), '10', 'Seconds a host may take to send its statistics.'),
  S(STATS, 'STATS_MAX_REPLY_KIB', int(16, 1024 * 1024), '32768', 'Largest statistics reply, KiB.'),

  S(DEV, 'DEV_SERVER_URL', text, undefined, 'npm run dev only: the Vite dev server.'),
  S(DEV, 'DEV_CSP_NONCE', text, undefined, "npm run dev only: the CSP nonce of Vite's injected code."),

  S(LOGS, 'LOG_LEVEL', oneOf('debug', 'info', 'warn', 'error'), 'info', 'Level of the operational log.'),
  S(LOGS, 'LOG_FILE', text, undefined, 'Write the operational log to this file (reopened on SIGHUP).', {
    shown: 'standard error',
  }),
  S(LOGS, 'AUDIT_LOG', text, undefined, 'File for the audit log (- for standard output).', {
    shown: 'DATA_DIR/audit.log',
  }),

  S(OPS, 'METRICS_HOST', text, '127.0.0.1', 'Address of the metrics listener (/metrics, /healthz, /readyz).'),
  S(OPS, 'METRICS_PORT', int(0, 65535), '9464', 'Port of the metrics listener (0: any free port).'),
  S(OPS, 'SHUTDOWN_DELAY', sec(), '0', 'Seconds /readyz reports draining before the gateway stops accepting.'),
  S(OPS, 'SHUTDOWN_DRAIN', sec(), '10', 'Seconds live consoles may run on after SIGTERM.'),

  S(SCALE, 'REDIS_URL', text, undefined, 'Keep sessions in Redis: redis://… or rediss://….', { secret: true }),
  S(SCALE, 'SESSION_SECRET', text, undefined, 'Encrypts what is kept in Redis (32+ characters).', { secret: true }),
  S(SCALE, 'INSTANCE_ID', text, undefined, 'Name of this instance in logs and audit lines.', { shown: 'random' }),
];

const BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));

export function settingNamed(name: string): Setting {
  const setting = BY_NAME.get(name);
  if (!setting) throw new Error(`no setting ${name}`);
  return setting;
}

export function isSetting(name: string): boolean {
  return BY_NAME.has(name);
}

/** `--help`: every setting by section, with its default. */
export function helpText(): string {
  const lines = [
    'Usage: npm start [-- --config FILE]   (or: node apps/proxy/dist/main.js [--config FILE])',
    '',
    'Settings come from the environment and, with --config FILE (or CONFIG_FILE), from a JSON file of the same keys;',
    'the environment wins. Every setting is explained in docs/configuration.md.',
  ];
  let section = '';
  for (const s of SETTINGS) {
    if (s.section !== section) lines.push('', `${(section = s.section)}:`);
    const def = s.shown ?? s.default;
    lines.push(`  ${s.name.padEnd(28)} ${s.summary}${def === undefined ? '' : ` [default: ${def}]`}`);
  }
  lines.push(
    '',
    'Exit codes: 0 stopped by a signal; 1 unexpected failure; 2 bad configuration (one line names the setting);',
    '3 a listener could not be opened (port in use, address not available); 4 a file it needs cannot be read.',
  );
  return `${lines.join('\n')}\n`;
}
