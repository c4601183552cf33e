import express, { type Router } from 'express';
import { ACCEPT_CERTIFICATE_PATH } from '@xwc/contracts';
import type { GatewayContext } from '../context.ts';
import { clientAddress } from './client-address.ts';
import { route } from './errors.ts';

/** `POST /api/trust/accept`: a pool administrator accepts the master's renewed certificate (pool/certificate-change.ts). */
export function trustRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  router.post(
    ACCEPT_CERTIFICATE_PATH.replace(/^\/api/, ''),
    route(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      res.json(await ctx.certificates.accept(body, clientAddress(req, ctx.config.trustProxy)));
    }),
  );
  return router;
}
