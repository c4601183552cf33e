import express, { type Express, type Request } from 'express';
import type { GatewayContext } from '../context.ts';
import { dvdRoutes } from '../dvd/routes.ts';
import { extensionRoutes } from '../extensions/routes.ts';
import { statsRoutes } from '../stats/routes.ts';
import { isSecure } from './client-address.ts';
import { ApiError, badRequest, clientError, errorHandler, notFound, sendError, sendRefusal } from './errors.ts';
import { eventStream } from './event-stream.ts';
import type { AllowedHosts } from './host-check.ts';
import { objectRoutes } from './object-routes.ts';
import { originAllowed, type OriginPolicy } from './origin.ts';
import { recordingRoutes } from './recording-routes.ts';
import { requireSession } from './require-session.ts';
import { setSecurityHeaders } from './security-headers.ts';
import { poolIdentityRoutes } from './pool-identity.ts';
import { sessionRoutes } from './session-routes.ts';
import { shareRoutes } from './share-routes.ts';
import { staticUi } from './static.ts';
import { trustRoutes } from './trust-routes.ts';
import type { DevServerProxy } from './dev-server.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RequestGuards {
  origin: OriginPolicy;
  hosts: AllowedHosts;
}

/** The HTTP side of the gateway: security headers, Host and Origin checks, the API, the UI, one error handler. */
export function createApp(ctx: GatewayContext, guards: RequestGuards, uiDir: string, dev?: DevServerProxy): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('etag', false);

  app.use((req, res, next) => {
    setSecurityHeaders(res, isSecure(req, ctx.config.trustProxy));
    next();
  });
  app.use((req, res, next) => {
    const refusal = guards.hosts.refusal(req) ?? targetRefusal(req);
    if (!refusal) return next();
    ctx.log.debug('request refused', { status: refusal.status, why: refusal.message, host: req.headers.host });
    sendRefusal(req, res, refusal);
  });

  const api = express.Router();
  api.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!SAFE_METHODS.has(req.method) && !originAllowed(req, guards.origin)) {
      return sendError(res, new ApiError(403, 'ORIGIN_REFUSED', 'Cross-site request refused (Origin not allowed).'));
    }
    next();
  });
  api.use((req, res, next) => {
    // JSON in UTF-8 only: a library would otherwise decode UTF-7 or UTF-16 into what the routes read.
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return sendError(res, clientError(415));
    next();
  });
  api.use(express.json({ limit: '256kb', strict: true, inflate: false }));
  api.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  api.use(sessionRoutes(ctx));
  api.use(poolIdentityRoutes(ctx));
  api.use(trustRoutes(ctx));
  api.get('/events', requireSession(ctx.sessions), eventStream(ctx));
  api.use(extensionRoutes(ctx));
  api.use(shareRoutes(ctx));
  api.use(recordingRoutes(ctx));
  api.use(dvdRoutes(ctx));
  api.use(objectRoutes(ctx));
  api.use(statsRoutes(ctx));
  api.use((_req, res) => sendError(res, notFound('No such API route.')));
  app.use('/api', api);
  // In development the UI comes from Vite's dev server instead of the build (http/dev-server.ts).
  app.use(dev ? dev.handler : staticUi(uiDir));
  // The UI is only read: GET and HEAD (answered above) are all it takes.
  app.use((req, res) => {
    res.setHeader('Allow', 'GET, HEAD');
    sendRefusal(req, res, clientError(405));
  });
  app.use(errorHandler(ctx.log));
  return app;
}

/** Only origin-form targets whose path decodes: an absolute-form target would name a host the Host check never saw. */
function targetRefusal(req: Request): ApiError | undefined {
  if (!req.url.startsWith('/')) return badRequest('The request target must be a path.');
  try {
    decodeURIComponent(req.path);
  } catch {
    return badRequest('The URL is not validly percent-encoded.');
  }
  return undefined;
}
