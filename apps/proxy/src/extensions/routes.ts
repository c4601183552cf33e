import express, { type Router } from 'express';
import { catalogueJson, planPatch, XapiError } from '@xwc/api-client';
import type { AuditEvent } from '../audit.ts';
import type { GatewayContext } from '../context.ts';
import { clientAddress } from '../http/client-address.ts';
import { ApiError, badRequest, fromXapi, route } from '../http/errors.ts';
import { objectView, parseClass, parseUuid } from '../http/object-routes.ts';
import { requireSession, sessionOf } from '../http/require-session.ts';
import { applyPlan } from './apply.ts';
import { planRawOtherConfig } from './raw-other-config.ts';

const MAX_KEYS = 256;

function patchBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a JSON object of {"<key>": "<value>" | null}.');
  }
  const keys = Object.keys(body);
  if (keys.length === 0) throw badRequest('Nothing to change.');
  if (keys.length > MAX_KEYS) throw badRequest(`At most ${MAX_KEYS} keys per request.`);
  return body as Record<string, unknown>;
}

/** `GET /api/catalogue`, `PATCH …/extensions` (validated, all or nothing) and `PATCH …/other-config` (raw keys). */
export function extensionRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  router.get('/catalogue', (_req, res) => {
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.json(catalogueJson());
  });

  router.patch(
    '/objects/:class/:uuid/:kind',
    requireSession(ctx.sessions),
    route(async (req, res) => {
      const kind = String(req.params.kind);
      if (kind !== 'extensions' && kind !== 'other-config') throw new ApiError(404, 'NOT_FOUND', 'Not found.');
      const session = sessionOf(res);
      const cls = parseClass(String(req.params.class));
      const uuid = parseUuid(String(req.params.uuid));
      const patch = patchBody(req.body);
      const keys = Object.keys(patch);
      const source = clientAddress(req, ctx.config.trustProxy);
      const object = `${cls.toLowerCase()}/${uuid}`;
      const audit = (outcome: Extract<AuditEvent, { event: 'extension-change' }>['outcome'], detail?: string): void =>
        ctx.audit(
          { event: 'extension-change', user: session.user, object, keys, outcome, ...(detail ? { detail } : {}) },
          { source },
        );

      const { ref, record } = await objectView(session.xapi, cls, uuid);
      const plan =
        kind === 'extensions'
          ? // No role here: XAPI's RBAC decides (and its refusal becomes a 403); the UI uses roles only to explain.
            planPatch(cls, record, patch as Record<string, string | null>, { ref })
          : planRawOtherConfig(cls, (record as { other_config?: Record<string, string> }).other_config ?? {}, patch);
      if (!plan.ok) {
        audit('invalid', `${plan.key}: ${plan.message}`);
        throw new ApiError(400, 'INVALID_EXTENSION', plan.message, { key: plan.key });
      }
      const outcome = await applyPlan(session.xapi, ref, plan.operations);
      if (!outcome.ok) {
        const denied = outcome.error instanceof XapiError && outcome.error.code === 'RBAC_PERMISSION_DENIED';
        audit(denied ? 'denied' : outcome.rolledBack ? 'failed-rolled-back' : 'failed', outcome.failed);
        if (!outcome.rolledBack) {
          ctx.log.error('an extension change failed and could not be fully undone', {
            object,
            keys,
            error: outcome.rollbackError,
          });
        }
        const error = fromXapi(outcome.error);
        throw new ApiError(error.status, error.code, error.message, { ...error.extra, rolledBack: outcome.rolledBack });
      }
      audit('success');
      res.json((await objectView(session.xapi, cls, uuid)).body);
    }),
  );
  return router;
}
