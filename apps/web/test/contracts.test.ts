import { describe, expect, it } from 'vitest';
import { API_ERROR_MESSAGES } from '../src/api/error-messages.ts';
import { ApiError, describeError } from '../src/api/http.ts';
import {
  API_ERROR_CODES,
  closeMeaning,
  CONSOLE_CLOSE,
  reconnectsUnasked,
  WIRE_CLASSES,
  XAPI_CLASSES,
} from '../src/shared/contracts.ts';
import { XAPI_CLASS } from '../src/api/wire.ts';

/** The contracts shared with the gateway (@xwc/contracts), as the web app uses them. */

describe('API errors', () => {
  it('has words for every code the gateway sends', () => {
    const missing = API_ERROR_CODES.filter((code) => !Object.hasOwn(API_ERROR_MESSAGES, code));
    expect(missing).toEqual([]);
    for (const code of API_ERROR_CODES) {
      const said = describeError(new ApiError(400, code, 'The gateway’s sentence.', {}));
      expect(said.trim().length, code).toBeGreaterThan(10);
    }
  });

  it('adds what the error body carries', () => {
    expect(describeError(new ApiError(403, 'RBAC_PERMISSION_DENIED', 'x', { permission: 'vm.start' }))).toBe(
      'Your role does not allow this (vm.start).',
    );
    expect(describeError(new ApiError(502, 'POOL_ERROR', 'The pool refused.', { code: 'SR_FULL' }))).toBe(
      'The pool refused. [SR_FULL]',
    );
  });
});

describe('close codes', () => {
  it('has one entry per code, each with a message and a policy', () => {
    const codes = Object.values(CONSOLE_CLOSE).map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const entry of Object.values(CONSOLE_CLOSE)) expect(closeMeaning(entry.code).message).toBe(entry.message);
  });

  it('never reconnects unasked after a policy close, a refusal or a limit', () => {
    for (const kind of ['policy', 'notBinary', 'tooBig', 'protocolError', 'badViewer', 'forbidden', 'tooMany'] as const)
      expect(reconnectsUnasked(closeMeaning(CONSOLE_CLOSE[kind].code).policy), kind).toBe(false);
    expect(reconnectsUnasked(closeMeaning(CONSOLE_CLOSE.goingAway.code).policy)).toBe(true);
  });
});

describe('XAPI classes', () => {
  it('are the lower-cased wire classes the web app reads', () => {
    expect(WIRE_CLASSES).toEqual(XAPI_CLASSES.map((cls) => cls.toLowerCase()));
    for (const cls of WIRE_CLASSES) expect(XAPI_CLASS[cls].toLowerCase()).toBe(cls);
  });
});
