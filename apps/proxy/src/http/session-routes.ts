import express, { type Router } from 'express';
import { LIMIT_CODES } from '@xwc/contracts';
import { LoginError } from '../auth/sessions.ts';
import { clearedCookie, sessionCookie } from '../auth/cookie.ts';
import type { GatewayContext } from '../context.ts';
import { clientAddress, isSecure } from './client-address.ts';
import { rememberPool } from './pool-identity.ts';
import { ApiError, badRequest, route } from './errors.ts';
import { requireSession, sessionOf } from './require-session.ts';

/** `POST|GET|DELETE /api/session`: log in with the user's own pool credentials, read, log out. */
export function sessionRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  const { sessions, config } = ctx;

  router.post(
    '/session',
    route(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const source = clientAddress(req, config.trustProxy);
      try {
        const { token, session } = await sessions.login(body.username, body.password, source);
        ctx.inventories.warm(session);
        res.setHeader('Set-Cookie', sessionCookie(token, isSecure(req, config.trustProxy)));
        res.json({ user: session.user, role: session.role });
      } catch (error) {
        if (!(error instanceof LoginError)) throw error;
        if (error.kind === 'invalid') throw badRequest(error.message);
        if (error.kind === 'rate-limited' && error.limit) {
          throw new ApiError(429, LIMIT_CODES.login, error.message, { ...error.limit });
        }
        throw new ApiError(401, 'AUTHENTICATION_FAILED', error.message);
      }
    }),
  );

  router.get(
    '/session',
    requireSession(sessions),
    route(async (_req, res) => {
      const session = sessionOf(res);
      const pools = await session.xapi.getAllRecords('pool');
      const pool = [...pools.values()][0];
      if (pool) {
        const master = await session.xapi.getRecord('host', pool.master);
        rememberPool(ctx.link, { name: pool.name_label, brand: master.software_version.product_brand ?? '' });
      }
      res.json({
        user: session.user,
        role: session.role,
        pool: { uuid: pool?.uuid ?? '', name: pool?.name_label ?? '' },
      });
    }),
  );

  router.delete(
    '/session',
    route(async (req, res) => {
      const session = await sessions.authenticate(req);
      if (session) {
        ctx.audit(
          { event: 'logout', user: session.user, reason: 'user' },
          { source: clientAddress(req, config.trustProxy) },
        );
        await sessions.end(session, 'user');
      }
      res.setHeader('Set-Cookie', clearedCookie(isSecure(req, config.trustProxy)));
      res.status(204).end();
    }),
  );
  return router;
}
