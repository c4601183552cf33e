import type { NextFunction, Request, Response } from 'express';
import { XapiError, XapiTransportError } from '@xwc/api-client';
import { SessionStoreUnavailable } from '../auth/session-store.ts';
import type { UserSession } from '../auth/sessions.ts';

/** An error with the HTTP status and JSON body the API documents (docs/api.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string, extra?: Record<string, unknown>): ApiError =>
  new ApiError(400, 'BAD_REQUEST', message, extra);
export const notFound = (message = 'Not found.'): ApiError => new ApiError(404, 'NOT_FOUND', message);
export const notLoggedIn = (message = 'Not logged in, or the session expired.'): ApiError =>
  new ApiError(401, 'NOT_LOGGED_IN', message);

const POWER_STATE_ERRORS = new Set(['VM_BAD_POWER_STATE', 'OTHER_OPERATION_IN_PROGRESS', 'OPERATION_NOT_ALLOWED']);

/** Maps what XAPI or the link to it reported onto the API's errors, without leaking refs or addresses. */
export function fromXapi(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof SessionStoreUnavailable) return new ApiError(503, 'SESSION_STORE_UNAVAILABLE', error.message);
  if (error instanceof XapiError) {
    switch (error.code) {
      case 'RBAC_PERMISSION_DENIED':
        return new ApiError(403, 'RBAC_PERMISSION_DENIED', 'Your role does not allow this.', {
          permission: error.params[0] ?? '',
        });
      case 'SESSION_INVALID':
        return notLoggedIn('The pool ended your session. Please log in again.');
      case 'HANDLE_INVALID':
      case 'UUID_INVALID':
        return notFound('No such object in the pool.');
      default:
        if (POWER_STATE_ERRORS.has(error.code)) {
          return new ApiError(409, 'BAD_POWER_STATE', `The pool refused: ${error.code}.`, { code: error.code });
        }
        return new ApiError(502, 'POOL_ERROR', `The pool refused the request: ${error.code}.`, { code: error.code });
    }
  }
  if (error instanceof XapiTransportError) {
    const message =
      error.kind === 'tls'
        ? "The pool's certificate was refused."
        : error.kind === 'timeout'
          ? 'The pool did not answer in time.'
          : 'The pool cannot be reached.';
    return new ApiError(503, 'POOL_UNREACHABLE', message);
  }
  return new ApiError(500, 'INTERNAL', 'Unexpected server error.');
}

export function sendError(res: Response, error: ApiError): void {
  if (error.status === 429 && typeof error.extra.retryAfter === 'number') {
    res.setHeader('Retry-After', String(error.extra.retryAfter));
  }
  res.status(error.status).json({ error: error.code, message: error.message, ...error.extra });
}

const sessionInvalid = (error: unknown): boolean => error instanceof XapiError && error.code === 'SESSION_INVALID';

/**
 * Wraps an async route so rejections become documented JSON errors. When XAPI says the session is
 * invalid and the session can be renewed (the pool restarted), the handler runs once more.
 */
export const route =
  (handler: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: NextFunction): void => {
    const run = async (): Promise<void> => {
      const session = res.locals.session as UserSession | undefined;
      const used = session?.xapi;
      try {
        await handler(req, res);
      } catch (error) {
        if (!sessionInvalid(error) || res.headersSent || !session || !used || !(await session.renew(used))) throw error;
        await handler(req, res);
      }
    };
    run().catch((error: unknown) => {
      if (res.headersSent) return next(error);
      sendError(res, fromXapi(error));
    });
  };
