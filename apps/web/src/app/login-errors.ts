import { ApiError } from '../api/http.ts';

/** The login form's explanation of a failed login, and how long to wait after too many attempts. */
export function loginErrorMessage(error: unknown): { message: string; retryAfter?: number } {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'AUTHENTICATION_FAILED':
        return { message: 'The user name or password is wrong.' };
      case 'RATE_LIMITED': {
        const seconds = Number(error.details.retryAfter);
        const retryAfter = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : 30;
        return { message: 'Too many login attempts.', retryAfter };
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
