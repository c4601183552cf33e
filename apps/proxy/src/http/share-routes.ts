import express, { type Request, type Router } from 'express';
import type { XapiSession } from '@xwc/api-client';
import { LIMIT_CODES, LINK_ERRORS, LINK_LIFETIME, type LinkConsoleKind, type SharedConsoleView } from '@xwc/contracts';
import type { GatewayContext } from '../context.ts';
import { mayOpen } from '../console/access.ts';
import { isXapiUuid } from '../console/location.ts';
import { LinkLimited, REFUSALS, type ShareLinkSettings } from '../console/share/share-links.ts';
import { tokenFromAuthorization } from '../console/share/token.ts';
import { clientAddress } from './client-address.ts';
import { ApiError, badRequest, notFound, route } from './errors.ts';
import { requireSession, sessionOf } from './require-session.ts';

/** What `POST /api/shares` asks for, parsed. */
interface LinkRequest {
  kind: LinkConsoleKind;
  uuid: string;
  lifetimeMs: number;
  singleUse: boolean;
}

const FIELDS = new Set(['kind', 'uuid', 'expiresIn', 'singleUse']);

function parseLinkRequest(body: unknown, settings: ShareLinkSettings): LinkRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('Send a JSON body {"kind": "vm", "uuid": "…", "expiresIn": seconds, "singleUse": false}.');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) throw badRequest(`Unknown field "${unknown.slice(0, 40)}".`);
  const { kind, uuid, expiresIn, singleUse } = fields;
  if (kind !== 'vm' && kind !== 'host') throw badRequest('"kind" must be "vm" or "host".');
  if (typeof uuid !== 'string' || !isXapiUuid(uuid)) throw badRequest('"uuid" is not a uuid.');
  const min = LINK_LIFETIME.minSeconds;
  const max = settings.maxLifetimeMs / 1000;
  const seconds = expiresIn ?? settings.defaultLifetimeMs / 1000;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw badRequest(`"expiresIn" must be a whole number of seconds from ${min} to ${max}.`);
  }
  if (singleUse !== undefined && typeof singleUse !== 'boolean') throw badRequest('"singleUse" must be true or false.');
  return { kind, uuid, lifetimeMs: seconds * 1000, singleUse: singleUse ?? false };
}

/** The VM's or host's name as the maker's own session reads it (which also proves they can see it). */
async function objectName(xapi: XapiSession, kind: LinkConsoleKind, uuid: string): Promise<string> {
  if (kind === 'host') return xapi.getField('host', await xapi.getByUuid('host', uuid), 'name_label');
  return xapi.getField('VM', await xapi.getByUuid('VM', uuid), 'name_label');
}

/**
 * `/api/shares` (a logged-in user's share links: make, list, revoke) and `GET /api/shared/:kind/:uuid` (what a guest
 * holding a link's token may know of it; the token in `Authorization: Bearer`, never in the URL).
 */
export function shareRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  const shares = ctx.consoles.shares;
  const source = (req: Request): string => clientAddress(req, ctx.config.trustProxy);

  router.post(
    '/shares',
    requireSession(ctx.sessions),
    route(async (req, res) => {
      const wanted = parseLinkRequest(req.body, shares.settings);
      const session = sessionOf(res);
      if (!mayOpen(session, wanted.kind)) {
        throw new ApiError(403, 'FORBIDDEN', 'Your role may not open this console, so it may not share it either.');
      }
      await shares.admit(session).catch((error: unknown) => {
        if (!(error instanceof LinkLimited)) throw error;
        throw new ApiError(429, LIMIT_CODES.links, error.message, { retryAfter: error.retryAfter });
      });
      const target = {
        kind: wanted.kind,
        uuid: wanted.uuid,
        objectName: await objectName(session.xapi, wanted.kind, wanted.uuid),
      };
      const { link, token } = await shares.make(session, target, wanted.lifetimeMs, wanted.singleUse);
      ctx.audit(
        {
          event: 'share-create',
          user: session.user,
          object: `${link.kind}/${link.uuid}`,
          link: link.id,
          expiresAt: new Date(link.expiresAt).toISOString(),
          singleUse: link.singleUse,
        },
        { source: source(req) },
      );
      res.status(201).json({ link: shares.view(link), token, path: `/share/${link.kind}/${link.uuid}#${token}` });
    }),
  );

  router.get(
    '/shares',
    requireSession(ctx.sessions),
    route(async (_req, res) => {
      const links = await shares.visibleTo(sessionOf(res));
      res.json({ links: links.map((link) => shares.view(link)) });
    }),
  );

  router.delete(
    '/shares/:id',
    requireSession(ctx.sessions),
    route(async (req, res) => {
      const session = sessionOf(res);
      const link = await shares.revoke(session, String(req.params.id));
      if (!link) throw notFound('No such share link (or not one of yours).');
      ctx.audit(
        {
          event: 'share-revoke',
          user: session.user,
          object: `${link.kind}/${link.uuid}`,
          link: link.id,
          createdBy: link.createdBy,
        },
        { source: source(req) },
      );
      res.status(204).end();
    }),
  );

  router.get(
    '/shared/:kind/:uuid',
    route(async (req, res) => {
      const kind = String(req.params.kind);
      const uuid = String(req.params.uuid);
      if ((kind !== 'vm' && kind !== 'host') || !isXapiUuid(uuid)) throw notFound('No such console.');
      const token = tokenFromAuthorization(req);
      const link = token ? await shares.forToken(token) : undefined;
      if (!link) throw new ApiError(401, LINK_ERRORS.invalid, 'This share link is not valid.');
      let refusal = shares.refusal(link, kind, uuid);
      if (!refusal && !(await ctx.sessions.byId(link.creatorSession))) refusal = 'ended';
      if (refusal) {
        const { status, error, message } = REFUSALS[refusal];
        throw new ApiError(status, error, message);
      }
      const view: SharedConsoleView = {
        console: { kind: link.kind, uuid: link.uuid },
        objectName: link.objectName,
        sharedBy: link.createdBy,
        expiresAt: new Date(link.expiresAt).toISOString(),
        singleUse: link.singleUse,
        viewOnly: true,
      };
      res.json(view);
    }),
  );
  return router;
}
