import express, { type Router } from 'express';
import type { GatewayContext } from '../context.ts';
import type { PoolLink } from '../pool/link.ts';
import { route } from './errors.ts';

/**
 * `GET /api/pool`, open before login: which pool the login page logs into. The address is the configured master's;
 * XAPI tells a pool's name and brand only to a session, so they are the ones the last session read (nothing secret).
 */

export interface PoolIdentity {
  readonly name: string;
  /** The master's software_version product_brand: XenServer, XCP-ng, … */
  readonly brand: string;
}

const seen = new WeakMap<PoolLink, PoolIdentity>();

export function rememberPool(link: PoolLink, identity: PoolIdentity): void {
  seen.set(link, identity);
}

export function poolIdentityRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  router.get(
    '/pool',
    route(async (_req, res) => {
      const known = seen.get(ctx.link);
      res.json({ address: ctx.link.connection.master, ...(known ? { name: known.name, brand: known.brand } : {}) });
    }),
  );
  return router;
}
