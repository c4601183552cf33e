import { parseLimitRefusal, type ApiErrorCode } from '../shared/contracts.ts';
import type { ApiError } from './http.ts';

/**
 * What the UI says for each API error code (the contract's `ApiErrorCode`, plus the codes the UI itself makes). A
 * `Record` over the union: a code added to the contract fails the type check here until it has its words.
 */

/** Failures the UI names itself: the gateway did not answer, or answered something that is not the API's. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'BAD_RESPONSE' | 'UNEXPECTED_ERROR';

export type UiErrorCode = ApiErrorCode | ClientErrorCode;

type Describe = (error: ApiError) => string;

/** The gateway's own sentence: specific to the request (it names the key, the limit, the host that failed). */
const gatewaySays: Describe = (error) => error.message;
const xapiCode = (error: ApiError): string =>
  typeof error.details.code === 'string' ? ` [${error.details.code}]` : '';

export const API_ERROR_MESSAGES: Readonly<Record<UiErrorCode, Describe>> = {
  BAD_REQUEST: gatewaySays,
  NOT_LOGGED_IN: gatewaySays,
  AUTHENTICATION_FAILED: () => 'The user name or password is wrong.',
  ORIGIN_REFUSED: () => 'The gateway refused this page’s origin. Open the console from the gateway’s own address.',
  FORBIDDEN: gatewaySays,
  RBAC_PERMISSION_DENIED: (error) => {
    const permission = typeof error.details.permission === 'string' ? ` (${error.details.permission})` : '';
    return `Your role does not allow this${permission}.`;
  },
  NOT_FOUND: gatewaySays,
  METHOD_NOT_ALLOWED: gatewaySays,
  BAD_POWER_STATE: gatewaySays,
  OPERATION_BLOCKED: gatewaySays,
  TOO_LARGE: gatewaySays,
  UNSUPPORTED_MEDIA_TYPE: gatewaySays,
  HOST_REFUSED: gatewaySays,
  INVALID_EXTENSION: gatewaySays,
  RECORDINGS_FORBIDDEN: gatewaySays,
  RANGE_NOT_SATISFIABLE: gatewaySays,
  INTERNAL: gatewaySays,
  POOL_ERROR: (error) => `${error.message}${xapiCode(error)}`,
  POOL_UNREACHABLE: (error) => `The pool cannot be reached: ${error.message}`,
  SESSION_STORE_UNAVAILABLE: gatewaySays,
  SHUTTING_DOWN: gatewaySays,
  RATE_LIMITED: (error) =>
    parseLimitRefusal(error.details).scope === 'user'
      ? 'Too many failed logins for this user name.'
      : 'Too many failed logins from this address.',
  TOO_MANY_STREAMS: gatewaySays,
  TOO_MANY_LINKS: gatewaySays,
  LINK_INVALID: gatewaySays,
  LINK_EXPIRED: gatewaySays,
  LINK_REVOKED: gatewaySays,
  LINK_ENDED: gatewaySays,
  LINK_USED: gatewaySays,
  LINK_OTHER_CONSOLE: gatewaySays,
  STATS_UNAVAILABLE: gatewaySays,
  STATS_TOO_LARGE: gatewaySays,
  STATS_BAD_REPLY: gatewaySays,
  NO_STATS: gatewaySays,
  POOL_CERTIFICATE_CHANGED: gatewaySays,
  POOL_CERTIFICATE_REFUSED: gatewaySays,
  NO_CERTIFICATE_CHANGE: gatewaySays,
  NOT_AN_ISO: gatewaySays,
  NOT_A_DVD_DRIVE: gatewaySays,
  DRIVE_NOT_EMPTY: gatewaySays,
  DRIVE_EMPTY: gatewaySays,
  DRIVE_BUSY: gatewaySays,
  VM_SUSPENDED: gatewaySays,
  ISO_UNAVAILABLE: gatewaySays,
  NETWORK_ERROR: () => 'The gateway cannot be reached. Check your network connection.',
  BAD_RESPONSE: gatewaySays,
  UNEXPECTED_ERROR: gatewaySays,
};
