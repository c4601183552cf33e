import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Request, RequestHandler, Response } from 'express';
import { createProxyServer } from 'http-proxy-3';
import type { Logger } from '../log.ts';
import { ApiError, writeUpgradeRefusal } from './errors.ts';
import { originAllowed, type OriginPolicy } from './origin.ts';
import { CONTENT_SECURITY_POLICY } from './security-headers.ts';

/** The WebSocket subprotocols of Vite's hot-reload client: the only upgrades that go to the dev server. */
const VITE_PROTOCOLS = new Set(['vite-hmr', 'vite-ping']);

/**
 * Production's CSP with one relaxation for development: scripts and styles that carry this run's nonce. Vite writes
 * the nonce on the inline React Refresh preamble and on the `<style>` elements it injects for hot-reloaded CSS
 * (its `html.cspNonce`); everything else is as strict as in production.
 */
export function devContentSecurityPolicy(nonce: string): string {
  return CONTENT_SECURITY_POLICY.replace("script-src 'self'", `script-src 'self' 'nonce-${nonce}'`).replace(
    "style-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
  );
}

/**
 * Development on one origin (`npm run dev`): the gateway serves the UI from Vite's dev server through http-proxy-3 —
 * pages, modules, and the hot-reload WebSocket — instead of apps/web/dist, so the browser sees one origin with the
 * same cookies, Host and Origin checks and (but for the nonce) CSP as in production.
 */
export class DevServerProxy {
  readonly #proxy;
  readonly #csp: string;

  constructor(
    target: URL,
    nonce: string,
    private readonly origin: OriginPolicy,
    private readonly log: Logger,
  ) {
    this.#proxy = createProxyServer({ target, ws: true, xfwd: false });
    this.#csp = devContentSecurityPolicy(nonce);
  }

  /** The UI's requests (GET and HEAD only, as in production), answered by the dev server. */
  readonly handler: RequestHandler = (req: Request, res: Response, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Content-Security-Policy', this.#csp);
    this.#proxy.web(req, res, {}, (error) => {
      this.log.warn('the Vite dev server did not answer', { path: req.path.slice(0, 200), error });
      if (!res.headersSent) res.status(502).type('text/plain').send('The Vite dev server is not answering.');
      else res.destroy();
    });
  };

  /** Whether an upgrade is the hot-reload client's. */
  handles(req: IncomingMessage): boolean {
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',');
    return protocols.some((p) => VITE_PROTOCOLS.has(p.trim()));
  }

  /** Relays the hot-reload WebSocket after the same Origin check as every other upgrade. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!originAllowed(req, this.origin)) {
      return writeUpgradeRefusal(
        socket,
        new ApiError(403, 'ORIGIN_REFUSED', 'Cross-site request refused (Origin not allowed).'),
      );
    }
    this.#proxy.ws(req, socket, head, {}, () => socket.destroy());
  }

  close(): void {
    this.#proxy.close();
  }
}
