import type { Writable } from 'node:stream';
import { pino } from 'pino';
import { currentRequestId } from './ops/request-id.ts';

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** Anything that looks like a XAPI session ref, a share-link token or a credential field is masked before it is written. */
const OPAQUE_REF = /OpaqueRef:[0-9a-fA-F-]{8,}/g;
const LINK_TOKEN = /xwcl_[A-Za-z0-9_-]{20,}/g;
const SECRET_KEYS = /pass(word)?|secret|session_?(id|ref)|cookie|authorization|private|token/i;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(OPAQUE_REF, 'OpaqueRef:…').replace(LINK_TOKEN, 'xwcl_…');
  if (value instanceof Error) return { name: value.name, message: redact(value.message) };
  if (Array.isArray(value)) return depth > 5 ? '[…]' : value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    if (depth > 5) return '{…}';
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value))
      out[key] = SECRET_KEYS.test(key) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * One JSON object per line (pino): `time`, `level`, `msg`, the `base` fields, the request id of the browser request
 * being served (`requestId`) and the caller's fields. Redaction is the logger's, not the callers': every message and
 * field passes through `redact`, so no call site can log a secret by forgetting to mask it.
 */
export function createLogger(sink: Writable, minimum: Level = 'info', base: Record<string, unknown> = {}): Logger {
  const logger = pino(
    {
      level: minimum,
      base,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const requestId = currentRequestId();
        return requestId ? { requestId } : {};
      },
    },
    sink,
  );
  const write =
    (level: Level) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (logger.isLevelEnabled(level)) logger[level](redact(fields ?? {}) as object, redact(msg) as string);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
