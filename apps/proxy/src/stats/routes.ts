import express, { type Router } from 'express';
import type { GatewayContext } from '../context.ts';
import { parseUuid } from '../http/object-routes.ts';
import { notFound, route } from '../http/errors.ts';
import { requireSession, sessionOf } from '../http/require-session.ts';
import { parseStatsQuery } from './service.ts';

/** `GET /api/stats/{vm|host}/:uuid?range=&start=&interval=`: an object's performance statistics (docs/api.md). */
export function statsRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  router.get(
    '/stats/:class/:uuid',
    requireSession(ctx.sessions),
    route(async (req, res) => {
      const cls = String(req.params.class);
      if (cls !== 'vm' && cls !== 'host') throw notFound('Statistics are kept for VMs and hosts only.');
      const uuid = parseUuid(String(req.params.uuid));
      const query = parseStatsQuery(req.query as Record<string, unknown>, Math.floor(Date.now() / 1000));
      res.json(await ctx.stats.reply(req, res, sessionOf(res), cls, uuid, query));
    }),
  );
  return router;
}
