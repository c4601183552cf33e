import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { XapiError, XapiTransportError, type XapiConnection } from '@xwc/api-client';
import { CONSOLE_CLOSE } from '@xwc/contracts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditEvent } from '../audit.ts';
import { UPSTREAM_CONNECT_CHANNEL, type UpstreamConnect } from './channels.ts';

/**
 * The gateway's Prometheus metrics (docs/metrics.md), in a registry of its own (one per gateway, so that tests may run
 * several in a process). Labels take values from closed sets only — modes, outcomes, close kinds, XAPI method names and
 * error codes, route areas: never a user, a session, a uuid, an address or anything a user typed.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly consolesOpen: Gauge<'mode'>;
  private readonly consoleOpens: Counter<'mode'>;
  private readonly consoleCloses: Counter<'mode' | 'outcome' | 'code'>;
  private readonly consoleRefusals: Counter<'outcome'>;
  private readonly consoleBytes: Counter<'direction'>;
  private readonly upstreamConnects: Counter<'outcome'>;
  private readonly upstreamConnectSeconds: Histogram<'outcome'>;
  private readonly logins: Counter<'outcome' | 'reason'>;
  private readonly rateLimited: Counter<'area'>;
  private readonly httpResponses: Counter<'area' | 'status'>;
  private readonly xapiCalls: Histogram<'method' | 'outcome'>;
  private readonly xapiErrors: Counter<'method' | 'code'>;
  /** Console ids to their mode, so a close is counted against the mode it opened in. */
  private readonly modes = new Map<string, string>();
  private readonly onConnect = ({ seconds, outcome }: UpstreamConnect): void => {
    this.upstreamConnects.inc({ outcome });
    this.upstreamConnectSeconds.observe({ outcome }, seconds);
  };

  /** Where the gauges read current counts, at each scrape. */
  private sources = { consoles: () => 0, eventStreams: () => 0, sessionStore: () => true };

  constructor() {
    const registers = [this.registry];
    const sources = (): GatewayMetrics['sources'] => this.sources;
    collectDefaultMetrics({ register: this.registry });
    this.consolesOpen = new Gauge({
      name: 'xwc_consoles_open',
      help: 'Console viewers open now, by mode: direct (bridged), shared (engine), text, guest (share link).',
      labelNames: ['mode'],
      registers,
    });
    new Gauge({
      name: 'xwc_consoles_live',
      help: 'Live consoles counted against CONSOLES_TOTAL.',
      registers,
      collect() {
        this.set(sources().consoles());
      },
    });
    new Gauge({
      name: 'xwc_event_streams_open',
      help: 'Live inventory streams (GET /api/events) open now.',
      registers,
      collect() {
        this.set(sources().eventStreams());
      },
    });
    new Gauge({
      name: 'xwc_session_store_up',
      help: '1 while the session store answers (always 1 without Redis).',
      registers,
      collect() {
        this.set(sources().sessionStore() ? 1 : 0);
      },
    });
    this.consoleOpens = new Counter({
      name: 'xwc_console_opens_total',
      help: 'Console viewers opened, by mode.',
      labelNames: ['mode'],
      registers,
    });
    this.consoleCloses = new Counter({
      name: 'xwc_console_closes_total',
      help: 'Console viewers closed, by mode, outcome (close kind) and WebSocket close code.',
      labelNames: ['mode', 'outcome', 'code'],
      registers,
    });
    this.consoleRefusals = new Counter({
      name: 'xwc_console_refusals_total',
      help: 'Console or share-link viewers refused before opening, by outcome (close kind).',
      labelNames: ['outcome'],
      registers,
    });
    this.consoleBytes = new Counter({
      name: 'xwc_console_bytes_total',
      help: 'Console bytes relayed, counted when each viewer closes: to_browser, to_host.',
      labelNames: ['direction'],
      registers,
    });
    this.upstreamConnects = new Counter({
      name: 'xwc_upstream_connects_total',
      help: "Connections to a host's console (TLS, trust check, CONNECT /console), by outcome (close kind or ok).",
      labelNames: ['outcome'],
      registers,
    });
    this.upstreamConnectSeconds = new Histogram({
      name: 'xwc_upstream_connect_seconds',
      help: "Time to reach a host's console and get its answer, by outcome.",
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.logins = new Counter({
      name: 'xwc_logins_total',
      help: 'Login attempts by outcome (success, failure, rate-limited, error) and reason (a XAPI code, limit scope).',
      labelNames: ['outcome', 'reason'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'xwc_rate_limited_total',
      help: 'Requests refused with 429 by a limit, by API area (session = logins, events, shares, …).',
      labelNames: ['area'],
      registers,
    });
    this.httpResponses = new Counter({
      name: 'xwc_http_responses_total',
      help: 'HTTP responses by API area and status class (2xx, 3xx, 4xx, 5xx).',
      labelNames: ['area', 'status'],
      registers,
    });
    this.xapiCalls = new Histogram({
      name: 'xwc_xapi_call_seconds',
      help: 'XAPI calls by method and outcome (ok, error: the pool refused, transport: it could not be reached).',
      labelNames: ['method', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.xapiErrors = new Counter({
      name: 'xwc_xapi_errors_total',
      help: "XAPI calls that failed, by method and code (XAPI's error code, or transport:<kind>).",
      labelNames: ['method', 'code'],
      registers,
    });
    subscribe(UPSTREAM_CONNECT_CHANNEL, this.onConnect as (message: unknown) => void);
  }

  /** Where the live-console and session-store gauges read their values. */
  observe(sources: { consoles: () => number; sessionStore: () => boolean }): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** Where the event-stream gauge reads its value (http/event-stream.ts holds the count). */
  countEventStreams(count: () => number): void {
    this.sources = { ...this.sources, eventStreams: count };
  }

  /** Every audit event passes here: consoles, logins and share-link guests are counted from what is audited. */
  audited(entry: AuditEvent): void {
    switch (entry.event) {
      case 'login':
        this.logins.inc({ outcome: entry.outcome, reason: entry.outcome === 'success' ? '' : (entry.reason ?? '') });
        return;
      case 'console-open':
        return this.opened(entry.consoleId, entry.mode);
      case 'share-open':
        return this.opened(entry.consoleId, 'guest');
      case 'console-close':
        this.consoleBytes.inc({ direction: 'to_host' }, entry.bytesToHost);
        return this.closed(entry.consoleId, entry.outcome, entry.bytesToBrowser);
      case 'share-close':
        return this.closed(entry.consoleId, entry.outcome, entry.bytesToBrowser);
      case 'console-refused':
      case 'share-refused':
        this.consoleRefusals.inc({ outcome: entry.outcome });
        return;
    }
  }

  /** Counts one answered request; `path` is the request's path, reduced to its API area. */
  responded(path: string, status: number): void {
    const area = areaOf(path);
    this.httpResponses.inc({ area, status: `${Math.floor(status / 100)}xx` });
    if (status === 429) this.rateLimited.inc({ area });
  }

  /** Times every call the gateway makes to the pool. */
  observeXapi(connection: XapiConnection): void {
    connection.on('call', ({ method, seconds, error }) => {
      const outcome = error === undefined ? 'ok' : error instanceof XapiError ? 'error' : 'transport';
      this.xapiCalls.observe({ method, outcome }, seconds);
      if (error !== undefined) this.xapiErrors.inc({ method, code: errorCode(error) });
    });
  }

  close(): void {
    unsubscribe(UPSTREAM_CONNECT_CHANNEL, this.onConnect as (message: unknown) => void);
  }

  private opened(consoleId: string, mode: string): void {
    this.modes.set(consoleId, mode);
    this.consolesOpen.inc({ mode });
    this.consoleOpens.inc({ mode });
  }

  private closed(consoleId: string, outcome: string, bytesToBrowser: number): void {
    const mode = this.modes.get(consoleId) ?? 'unknown';
    this.modes.delete(consoleId);
    if (mode !== 'unknown') this.consolesOpen.dec({ mode });
    const code = Object.hasOwn(CONSOLE_CLOSE, outcome)
      ? String(CONSOLE_CLOSE[outcome as keyof typeof CONSOLE_CLOSE].code)
      : '';
    this.consoleCloses.inc({ mode, outcome, code });
    this.consoleBytes.inc({ direction: 'to_browser' }, bytesToBrowser);
  }
}

/** The API areas a path falls in: a closed set, whatever the path holds. */
const AREAS = new Set([
  'session',
  'events',
  'consoles',
  'shares',
  'shared',
  'recordings',
  'objects',
  'stats',
  'catalogue',
]);

function areaOf(path: string): string {
  if (!path.startsWith('/api/')) return path === '/healthz' || path === '/readyz' ? 'health' : 'ui';
  const first = path.slice(5).split('/', 1)[0] ?? '';
  return AREAS.has(first) ? first : 'other';
}

function errorCode(error: unknown): string {
  if (error instanceof XapiError) return error.code;
  if (error instanceof XapiTransportError) return `transport:${error.kind}`;
  return 'unknown';
}
