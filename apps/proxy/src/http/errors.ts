import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { XapiError, XapiTransportError } from '@xwc/api-client';
import { CERTIFICATE_ERRORS, type ApiErrorCode } from '@xwc/contracts';
import { SessionStoreUnavailable } from '../auth/session-store.ts';
import { CertificateRefused, type CertificateProblem } from '../pool/trust.ts';
import type { UserSession } from '../auth/sessions.ts';
import type { Logger } from '../log.ts';

/** An error with the HTTP status and JSON body the API documents (docs/api.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
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
  if (error instanceof XapiTransportError && error.cause instanceof CertificateRefused) {
    return certificateRefusal(error.cause.problem);
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

/**
 * A refused pool certificate, said plainly (a login never fails silently for it): which check failed and the
 * fingerprints, which are public; the host's address is left to the operational log.
 */
function certificateRefusal(problem: CertificateProblem): ApiError {
  const { presented, recorded } = problem;
  if (problem.kind === 'changed') {
    return new ApiError(
      503,
      CERTIFICATE_ERRORS.changed,
      `The pool's certificate changed: recorded ${recorded}, now ${presented}. If it was renewed, a pool ` +
        'administrator can accept the new one; otherwise someone may be impersonating the pool.',
      { recorded, presented },
    );
  }
  const why = {
    ca: 'is not signed by the CA the gateway is configured with',
    name: 'does not name the address the gateway connects to',
    fingerprint: 'is not the one the gateway is configured to pin',
    'unknown-host': 'belongs to a host the pool has not reported',
  }[problem.kind];
  return new ApiError(
    503,
    CERTIFICATE_ERRORS.refused,
    `The pool's certificate was refused: it ${why} (presented ${presented}). The gateway's administrator must update its trust settings.`,
    { presented },
  );
}

export function sendError(res: Response, error: ApiError): void {
  if (error.status === 429 && typeof error.extra.retryAfter === 'number') {
    res.setHeader('Retry-After', String(error.extra.retryAfter));
  }
  res.status(error.status).json({ error: error.code, message: error.message, ...error.extra });
}

const isApiPath = (url: string): boolean => url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');

/** A refusal outside the API's routes: its JSON error under /api, one short plain-text line elsewhere. */
export function sendRefusal(req: Request, res: Response, error: ApiError): void {
  res.setHeader('Cache-Control', 'no-store');
  if (isApiPath(req.originalUrl)) return sendError(res, error);
  res.status(error.status).type('text/plain').send(error.message);
}

/** The same JSON refusal written on a socket whose upgrade is refused before any WebSocket exists. */
export function writeUpgradeRefusal(socket: Duplex, error: ApiError): void {
  const body = JSON.stringify({ error: error.code, message: error.message });
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Client errors that Express, its static files and its body parser raise, as the API names them. */
const CLIENT_ERRORS: Record<number, [code: ApiErrorCode, message: string]> = {
  400: ['BAD_REQUEST', 'Bad request.'],
  403: ['FORBIDDEN', 'Forbidden.'],
  404: ['NOT_FOUND', 'Not found.'],
  405: ['METHOD_NOT_ALLOWED', 'Method not allowed.'],
  413: ['TOO_LARGE', 'The request body is too large.'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON in UTF-8, not compressed.'],
};

/** One of the client errors above, with its fixed sentence. */
export function clientError(status: 400 | 403 | 404 | 405 | 413 | 415): ApiError {
  const [code, message] = CLIENT_ERRORS[status]!;
  return new ApiError(status, code, message);
}

/**
 * The last handler of the whole app. No response carries a stack, a file path, a library's name or its message:
 * known client errors get a fixed sentence with their status, anything else a 500, and the detail goes to the
 * log once.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const fields = { method: req.method, path: req.path.slice(0, 200), error };
    if (res.headersSent) {
      log.warn('request failed after its response began', fields);
      return next(error);
    }
    const found = error as { status?: unknown; statusCode?: unknown; type?: unknown } | null;
    const status = Number(found?.status ?? found?.statusCode);
    const known = CLIENT_ERRORS[status];
    if (known) {
      log.debug('request refused', { ...fields, status });
      const message = found?.type === 'entity.parse.failed' ? 'The request body is not valid JSON.' : known[1];
      return sendRefusal(req, res, new ApiError(status, known[0], message));
    }
    log.error('unexpected error while answering a request', {
      ...fields,
      stack: error instanceof Error ? error.stack : undefined,
    });
    sendRefusal(req, res, new ApiError(500, 'INTERNAL', 'Unexpected server error.'));
  };
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
