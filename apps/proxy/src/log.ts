import type { Writable } from 'node:stream';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Anything that looks like a XAPI session ref or a credential field is masked before it is written. */
const OPAQUE_REF = /OpaqueRef:[0-9a-fA-F-]{8,}/g;
const SECRET_KEYS = /pass(word)?|secret|session_?(id|ref)|cookie|authorization|private/i;

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(OPAQUE_REF, 'OpaqueRef:…');
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

/** Structured JSON lines; every field passes through `redact`. */
export function createLogger(sink: Writable, minimum: Level = 'info', base: Record<string, unknown> = {}): Logger {
  const write = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < ORDER[minimum]) return;
    const line = {
      time: new Date().toISOString(),
      level,
      msg: redact(msg),
      ...base,
      ...(redact(fields ?? {}) as object),
    };
    sink.write(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (msg, fields) => write('debug', msg, fields),
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
