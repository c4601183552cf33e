import { ApiError, describeError } from '../api/http.ts';
import {
  CERTIFICATE_ERRORS,
  LIMIT_CODES,
  parseCertificateChange,
  parseLimitRefusal,
  type CertificateChange,
  type LimitRefusal,
} from '../shared/contracts.ts';

/**
 * The login form's explanation of a failed login (the shared error table's words); after too many attempts, how long
 * to wait and whether only the user name that was tried is limited (`scope: 'user'`) or every name from this address;
 * for a changed pool certificate, both fingerprints.
 */
export function loginErrorMessage(error: unknown): {
  message: string;
  limit?: LimitRefusal;
  certificate?: CertificateChange;
} {
  if (!(error instanceof ApiError)) return { message: error instanceof Error ? error.message : 'Login failed.' };
  const message = describeError(error);
  if (error.code === LIMIT_CODES.login) return { message, limit: parseLimitRefusal(error.details) };
  const certificate = error.code === CERTIFICATE_ERRORS.changed ? parseCertificateChange(error.details) : undefined;
  return { message, ...(certificate ? { certificate } : {}) };
}
