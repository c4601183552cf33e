import { ApiError } from '../api/http.ts';
import {
  CERTIFICATE_ERRORS,
  LIMIT_CODES,
  parseCertificateChange,
  parseLimitRefusal,
  type CertificateChange,
  type LimitRefusal,
} from '../shared/contracts.ts';

/**
 * The login form's explanation of a failed login; after too many attempts, how long to wait and whether only the user
 * name that was tried is limited (`scope: 'user'`) or every name from this address.
 */
export function loginErrorMessage(error: unknown): {
  message: string;
  limit?: LimitRefusal;
  certificate?: CertificateChange;
} {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'AUTHENTICATION_FAILED':
        return { message: 'The user name or password is wrong.' };
      case LIMIT_CODES.login: {
        const limit = parseLimitRefusal(error.details);
        return {
          message:
            limit.scope === 'user'
              ? 'Too many failed logins for this user name.'
              : 'Too many failed logins from this address.',
          limit,
        };
      }
      case CERTIFICATE_ERRORS.changed: {
        const certificate = parseCertificateChange(error.details);
        return { message: error.message, ...(certificate ? { certificate } : {}) };
      }
      case 'POOL_UNREACHABLE':
        return { message: `The pool cannot be reached: ${error.message}` };
      case 'NETWORK_ERROR':
        return { message: 'The gateway cannot be reached. Check your network connection.' };
      case 'ORIGIN_REFUSED':
        return { message: 'The gateway refused this page’s origin. Open the console from the gateway’s own address.' };
      default:
        return { message: error.message };
    }
  }
  return { message: error instanceof Error ? error.message : 'Login failed.' };
}
