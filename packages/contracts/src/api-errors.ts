import { CERTIFICATE_ERRORS } from './certificates.ts';
import { DVD_ERRORS } from './dvd-drives.ts';
import { LIMIT_CODES } from './limits.ts';
import { LINK_ERRORS } from './share-links.ts';
import { STATS_ERRORS } from './stats.ts';

/**
 * The `error` codes of the gateway's JSON refusals (docs/api.md). The gateway's `ApiError` takes only an
 * `ApiErrorCode`, and the web app keeps a `Record<ApiErrorCode, …>` of what it says for each, so a code added here
 * fails the type check until the UI has words for it. Feature tables (limits, links, statistics, certificates, DVD) keep
 * their codes beside their other contracts and are part of the union.
 */
export const API_ERRORS = {
  badRequest: 'BAD_REQUEST',
  notLoggedIn: 'NOT_LOGGED_IN',
  authenticationFailed: 'AUTHENTICATION_FAILED',
  originRefused: 'ORIGIN_REFUSED',
  forbidden: 'FORBIDDEN',
  /** XAPI refused the call for the user's role; carries `permission`. */
  rbacDenied: 'RBAC_PERMISSION_DENIED',
  notFound: 'NOT_FOUND',
  methodNotAllowed: 'METHOD_NOT_ALLOWED',
  /** Carries `code` (XAPI's). */
  badPowerState: 'BAD_POWER_STATE',
  /** Carries `code` and `reason` (the VM's `blocked_operations` entry). */
  operationBlocked: 'OPERATION_BLOCKED',
  tooLarge: 'TOO_LARGE',
  unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  hostRefused: 'HOST_REFUSED',
  /** Carries `key`. */
  invalidExtension: 'INVALID_EXTENSION',
  recordingsForbidden: 'RECORDINGS_FORBIDDEN',
  /** Carries `size`. */
  rangeNotSatisfiable: 'RANGE_NOT_SATISFIABLE',
  internal: 'INTERNAL',
  /** Carries `code` (XAPI's). */
  poolError: 'POOL_ERROR',
  poolUnreachable: 'POOL_UNREACHABLE',
  sessionStoreUnavailable: 'SESSION_STORE_UNAVAILABLE',
  /** A WebSocket upgrade refused while the gateway drains. */
  shuttingDown: 'SHUTTING_DOWN',
} as const;

type ValueOf<T> = T[keyof T];

export type ApiErrorCode =
  | ValueOf<typeof API_ERRORS>
  | ValueOf<typeof LIMIT_CODES>
  | ValueOf<typeof LINK_ERRORS>
  | ValueOf<typeof STATS_ERRORS>
  | ValueOf<typeof CERTIFICATE_ERRORS>
  | ValueOf<typeof DVD_ERRORS>;

export const API_ERROR_CODES: readonly ApiErrorCode[] = [
  ...Object.values(API_ERRORS),
  ...Object.values(LIMIT_CODES),
  ...Object.values(LINK_ERRORS),
  ...Object.values(STATS_ERRORS),
  ...Object.values(CERTIFICATE_ERRORS),
  ...Object.values(DVD_ERRORS),
];

const KNOWN: ReadonlySet<string> = new Set(API_ERROR_CODES);

export const isApiErrorCode = (value: unknown): value is ApiErrorCode => typeof value === 'string' && KNOWN.has(value);
