import { isApiErrorCode } from '../shared/contracts.ts';
import { API_ERROR_MESSAGES, type UiErrorCode } from './error-messages.ts';
import { isObject } from './wire.ts';

/**
 * JSON over fetch against the gateway (same origin, cookie session). Every failure becomes an ApiError carrying the
 * gateway's `error` code (one of the contract's) and human `message` (docs/api.md), NETWORK_ERROR when the gateway did
 * not answer, UNEXPECTED_ERROR when it answered something else than the API's errors.
 */

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: UiErrorCode,
    message: string,
    /** The rest of the error body: `key` for INVALID_EXTENSION, `retryAfter` for RATE_LIMITED, `permission`, … */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

type UnauthorizedListener = (error: ApiError) => void;
let onUnauthorized: UnauthorizedListener | undefined;

/** Called for any 401 NOT_LOGGED_IN outside the login call itself: the session ended under us. */
export function setUnauthorizedListener(listener: UnauthorizedListener | undefined): void {
  onUnauthorized = listener;
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Login and session probes handle 401 themselves. */
  readonly quietUnauthorized?: boolean;
  /** Extra request headers (a share link's token, for the page that opens it). */
  readonly headers?: Readonly<Record<string, string>>;
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const init: RequestInit = {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK_ERROR', 'The gateway did not answer. Check your connection and try again.');
  }
  const text = await response.text();
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (response.ok) return body as T;
  const error = toApiError(response, body);
  if (error.status === 401 && error.code === 'NOT_LOGGED_IN' && !options.quietUnauthorized) onUnauthorized?.(error);
  throw error;
}

function toApiError(response: Response, body: unknown): ApiError {
  if (isObject(body) && isApiErrorCode(body.error)) {
    const { error, message, ...details } = body;
    return new ApiError(response.status, error, typeof message === 'string' ? message : error, details);
  }
  return new ApiError(response.status, 'UNEXPECTED_ERROR', `The gateway answered ${response.status}.`);
}

/** A one-line explanation for any error, for toasts and inline messages. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return API_ERROR_MESSAGES[error.code](error);
  return error instanceof Error ? error.message : String(error);
}
