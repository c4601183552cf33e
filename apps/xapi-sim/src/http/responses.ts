import type { RequestHead } from './request.ts';

/**
 * Response bytes exactly as xapi writes them (`http.ml`, `http_svr.ml`): bare header blocks without a body,
 * HTML error pages, and RPC replies.
 */

const CRLF = '\r\n';
const NO_CACHE = 'no-cache, no-store';

const block = (lines: readonly string[]): Buffer => Buffer.from(lines.map((l) => l + CRLF).join('') + CRLF, 'latin1');

/** `get_return_version`: 1.0 for an HTTP/1.0 request, otherwise 1.1. */
export const returnVersion = (req: RequestHead | undefined): string => (req?.version === '1.0' ? '1.0' : '1.1');

// Bare header blocks (`Http.http_*`, written by `Http_svr.headers`).
export const HTTP_200_OK = block(['HTTP/1.1 200 OK', 'Connection: keep-alive', `Cache-Control: ${NO_CACHE}`]);
export const HTTP_404_MISSING = block(['HTTP/1.1 404 Not Found', 'Connection: close', `Cache-Control: ${NO_CACHE}`]);
export const HTTP_503_UNAVAILABLE = block([
  'HTTP/1.0 503 Service Unavailable',
  'Connection: close',
  `Cache-Control: ${NO_CACHE}`,
]);
export const HTTP_501_NOT_IMPLEMENTED = block([
  'HTTP/1.0 501 Method Not Implemented',
  'Connection: close',
  `Cache-Control: ${NO_CACHE}`,
]);

/** `Http_svr.response_error_html`. */
export function htmlError(
  req: RequestHead | undefined,
  status: string,
  body: string,
  extraHeaders: readonly string[] = [],
): Buffer {
  const content = Buffer.from(body, 'utf8');
  const head = block([
    `HTTP/${returnVersion(req)} ${status}`,
    `content-length: ${content.length}`,
    'content-type: text/html',
    'connection: close',
    `cache-control: ${NO_CACHE}`,
    ...extraHeaders,
  ]);
  return Buffer.concat([head, content]);
}

export const unauthorised = (req: RequestHead | undefined, realm: string): Buffer =>
  htmlError(
    req,
    '401 Unauthorised',
    '<html><body><h1>HTTP 401 unauthorised</h1>Please check your credentials and retry.</body></html>',
    [`WWW-Authenticate: Basic realm="${realm}"`],
  );

export const forbidden = (req: RequestHead | undefined): Buffer =>
  htmlError(
    req,
    '403 Forbidden',
    '<html><body><h1>HTTP 403 forbidden</h1>Access to the requested resource is forbidden.</body></html>',
  );

/** `response_internal_error`: `extra` goes in as given (callers escape it where xapi does). */
export const internalError = (req: RequestHead | undefined, extra?: string): Buffer =>
  htmlError(
    req,
    '500 Internal Error',
    '<html><body><h1>HTTP 500 internal server error</h1>An unexpected error occurred; please wait a while and try ' +
      'again. If the problem persists, please contact your support representative.' +
      (extra === undefined ? '' : `<h1> Additional information </h1>${extra}`) +
      '</body></html>',
  );

const KNOWN_METHODS = new Set(['GET', 'POST', 'PUT', 'CONNECT', 'OPTIONS']);

/** `response_method_not_implemented`; methods xapi does not know print as `Unknown <METHOD>`. */
export const methodNotImplemented = (req: RequestHead): Buffer =>
  htmlError(
    req,
    '501 Method not implemented',
    `<html><body><h1>HTTP 501 Method Not Implemented</h1><p>${escapeHtml(
      KNOWN_METHODS.has(req.method) ? req.method : `Unknown ${req.method}`,
    )} not supported.<br /></p></body></html>`,
  );

export const headerFieldsTooLarge = (): Buffer =>
  htmlError(
    undefined,
    '431 Request Header Fields Too Large',
    '<html><body><h1>HTTP 431 request header fields too large</h1>Exceeded the maximum header size.</body></html>',
  );

/**
 * `Console.respond_console_limit_exceeded` (`Http_svr.response_custom_error`): the HTML page naming who holds the
 * VM's console, HTML-escaped, most recent connection first; xapi's default `include_console_username_in_error`.
 */
export function consoleLimitExceeded(req: RequestHead, vm: string, users: readonly string[]): Buffer {
  const names = users.map(escapeHtml);
  const who = names.length === 1 ? `User '${names[0]!}' is` : `Users '${names.join(', ')}' are`;
  return htmlError(
    req,
    '503 Connection Limit Exceeded',
    `<html><body><h1>Connection Limit Exceeded</h1><p>${who} currently connected to this console (VM ${vm}). ` +
      'No more connections are allowed when limit_console_sessions is enabled.</p></body></html>',
  );
}

/** `Http_svr.escape_html`: exception text in 500 pages, user names in the console-limit page. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[<>'"&]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', "'": '&apos;', '"': '&quot;', '&': '&amp;' })[c]!,
  );
}

const CORS = ['Access-Control-Allow-Origin: *', 'Access-Control-Allow-Headers: X-Requested-With'];

/** `Http_svr.response_fct` for an RPC reply: HTTP 200 whatever the API outcome. */
export function rpcResponse(req: RequestHead, contentType: string, body: string | Buffer): Buffer {
  const content = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const head = block([
    `HTTP/${returnVersion(req)} 200 OK`,
    `content-length: ${content.length}`,
    `connection: ${req.close ? 'close' : 'keep-alive'}`,
    `cache-control: ${NO_CACHE}`,
    `content-type: ${contentType}`,
    ...CORS,
  ]);
  return Buffer.concat([head, content]);
}

/** `Http_svr.respond_to_options`: the CORS preflight answer. */
export function optionsResponse(req: RequestHead): Buffer {
  const requested = req.headers.get('access-control-request-headers');
  return block([
    `HTTP/${returnVersion(req)} 200 OK`,
    'content-length: 0',
    `connection: ${req.close ? 'close' : 'keep-alive'}`,
    `cache-control: ${NO_CACHE}`,
    'Access-Control-Allow-Origin: *',
    `Access-Control-Allow-Headers: ${requested === undefined ? '' : `${requested}, `}X-Requested-With`,
    'Access-Control-Allow-Methods: PUT',
  ]);
}
