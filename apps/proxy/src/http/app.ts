import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { GatewayContext } from '../context.ts';
import { extensionRoutes } from '../extensions/routes.ts';
import { isSecure } from './client-address.ts';
import { ApiError, notFound, sendError } from './errors.ts';
import { eventStream } from './event-stream.ts';
import { objectRoutes } from './object-routes.ts';
import { originAllowed, type OriginPolicy } from './origin.ts';
import { requireSession } from './require-session.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { sessionRoutes } from './session-routes.ts';
import { staticUi } from './static.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The HTTP side of the gateway: security headers, the Origin check on writes, the API, the UI. */
export function createApp(ctx: GatewayContext, origin: OriginPolicy, uiDir: string): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('etag', false);

  app.use((req, res, next) => {
    setSecurityHeaders(res, isSecure(req, ctx.config.trustProxy));
    next();
  });

  const api = express.Router();
  api.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!SAFE_METHODS.has(req.method) && !originAllowed(req, origin)) {
      return sendError(res, new ApiError(403, 'ORIGIN_REFUSED', 'Cross-site request refused (Origin not allowed).'));
    }
    next();
  });
  api.use(express.json({ limit: '256kb', strict: true }));
  api.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  api.use(sessionRoutes(ctx));
  api.get('/events', requireSession(ctx.sessions), eventStream(ctx));
  api.use(extensionRoutes(ctx));
  api.use(objectRoutes(ctx));
  api.use((_req, res) => sendError(res, notFound('No such API route.')));
  api.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown } | null)?.status;
    if (status === 400 || status === 413 || status === 415) {
      const message = status === 413 ? 'The request body is too large.' : 'The request body is not valid JSON.';
      return sendError(res, new ApiError(status, status === 413 ? 'TOO_LARGE' : 'BAD_REQUEST', message));
    }
    ctx.log.error('unhandled API error', { error });
    if (!res.headersSent) sendError(res, new ApiError(500, 'INTERNAL', 'Unexpected server error.'));
  });
  app.use('/api', api);
  app.use(staticUi(uiDir));
  return app;
}
