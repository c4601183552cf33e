import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { API_ERRORS } from '@xwc/contracts';
import { SessionStoreUnavailable, type SessionStore } from './session-store.ts';

/**
 * While the session store is unreachable, API calls answer `503 SESSION_STORE_UNAVAILABLE` at once: clearer
 * than failing one by one, and never mistaken for a logout (a 401 would send the UI to its login page).
 * The health check and the static UI do not need the store.
 */
const BODY = JSON.stringify({
  error: API_ERRORS.sessionStoreUnavailable,
  message: new SessionStoreUnavailable().message,
});
const HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': String(Buffer.byteLength(BODY)),
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Retry-After': '5',
};

const needsStore = (url = ''): boolean => url.startsWith('/api/') && !/^\/api\/health(?:[?#]|$)/.test(url);

export function gateRequests(store: SessionStore, app: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (store.available || !needsStore(req.url)) return app(req, res);
    res.writeHead(503, HEADERS).end(BODY);
  };
}

/** The same answer to a console upgrade, before it happens. */
export function refuseUpgrade(socket: Duplex): void {
  const head = Object.entries({ ...HEADERS, Connection: 'close' })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 503 Service Unavailable\r\n${head}\r\n${BODY}`);
}
