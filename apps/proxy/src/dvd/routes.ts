import express, { type Router } from 'express';
import { XapiError } from '@xwc/api-client';
import { DVD_ERRORS, type ApiErrorCode, type DvdInsertBody } from '@xwc/contracts';
import type { GatewayContext } from '../context.ts';
import { isXapiUuid } from '../console/location.ts';
import { clientAddress } from '../http/client-address.ts';
import { ApiError, badRequest, route } from '../http/errors.ts';
import { parseUuid } from '../http/object-routes.ts';
import { requireSession, sessionOf } from '../http/require-session.ts';
import { cdDrives, isIso, isoLibraries } from './library.ts';

/** An insert or eject waits this long for the pool (a live guest's drive changes through its domain). */
const CHANGE_TIMEOUT_MS = 120_000;

/** `POST …/insert`'s body, checked once: exactly `{ "vdi": "<uuid>" }`. */
export function parseInsertBody(body: unknown): DvdInsertBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('The body must be a JSON object: { "vdi": "<uuid of an ISO>" }.');
  }
  const extra = Object.keys(body).filter((key) => key !== 'vdi');
  if (extra.length > 0) throw badRequest(`Unknown field "${extra[0]!.slice(0, 40)}": the body takes "vdi" only.`);
  const { vdi } = body as Record<string, unknown>;
  if (typeof vdi !== 'string' || !isXapiUuid(vdi)) throw badRequest('"vdi" must be the uuid of an ISO.');
  return { vdi };
}

/** XAPI's refusals of an insert or eject, in words a user can act on (status, the API's code, the sentence). */
const REFUSALS: Readonly<Record<string, readonly [number, ApiErrorCode, string]>> = {
  VBD_NOT_REMOVABLE_MEDIA: [
    400,
    DVD_ERRORS.notDrive,
    'That is a disk, not a DVD drive: only a DVD drive takes an ISO.',
  ],
  VBD_NOT_EMPTY: [409, DVD_ERRORS.full, 'The drive already holds a disc: eject it first.'],
  VBD_IS_EMPTY: [409, DVD_ERRORS.empty, 'The drive is already empty.'],
  OTHER_OPERATION_IN_PROGRESS: [
    409,
    DVD_ERRORS.busy,
    'The drive is busy with another insert or eject; try again when it ends.',
  ],
  VM_BAD_POWER_STATE: [409, DVD_ERRORS.suspended, "A suspended VM's DVD drive cannot change: resume the VM first."],
  VDI_NOT_MANAGED: [409, DVD_ERRORS.unmanaged, 'The pool no longer manages that ISO: rescan its library.'],
};

/** One of the refusals above with XAPI's code beside it; anything else is left to the API's usual mapping. */
function dvdRefusal(error: unknown): unknown {
  const known = error instanceof XapiError && Object.hasOwn(REFUSALS, error.code) ? REFUSALS[error.code] : undefined;
  if (!known) return error;
  const [status, code, message] = known;
  return new ApiError(status, code, message, { xapiCode: (error as XapiError).code });
}

/**
 * The DVD drive beside the console (docs/api.md, "DVD drives"): a VM's CD drives, the ISOs it can use, insert and
 * eject. Every call is made with the user's own session, so XAPI's RBAC decides who may change a drive.
 */
export function dvdRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  const session = requireSession(ctx.sessions);

  router.get(
    '/objects/vm/:uuid/cd-drives',
    session,
    route(async (req, res) => {
      const xapi = sessionOf(res).xapi;
      res.json(await cdDrives(xapi, await xapi.getByUuid('VM', parseUuid(String(req.params.uuid)))));
    }),
  );

  router.get(
    '/objects/vm/:uuid/isos',
    session,
    route(async (req, res) => {
      const xapi = sessionOf(res).xapi;
      res.json({ libraries: await isoLibraries(xapi, await xapi.getByUuid('VM', parseUuid(String(req.params.uuid)))) });
    }),
  );

  const change = (action: 'insert' | 'eject') =>
    route(async (req, res) => {
      const user = sessionOf(res);
      const uuid = parseUuid(String(req.params.uuid));
      const body = action === 'insert' ? parseInsertBody(req.body) : undefined;
      const source = clientAddress(req, ctx.config.trustProxy);
      const audit = (outcome: 'success' | 'failure', iso?: string, detail?: string): void =>
        ctx.audit(
          {
            event: 'dvd-change',
            user: user.user,
            object: `vbd/${uuid}`,
            action,
            ...(iso === undefined ? {} : { iso }),
            outcome,
            ...(detail === undefined ? {} : { detail }),
          },
          { source },
        );
      let iso: string | undefined;
      try {
        const vbd = await user.xapi.getByUuid('VBD', uuid);
        if (body) {
          const vdi = await user.xapi.getByUuid('VDI', body.vdi);
          const record = await isIso(user.xapi, vdi);
          if (!record) {
            throw new ApiError(
              400,
              DVD_ERRORS.notIso,
              'That is not an ISO of an ISO library (an SR of content type iso).',
            );
          }
          iso = record.name_label;
          await user.xapi.call('VBD.insert', [vbd, vdi], { timeoutMs: CHANGE_TIMEOUT_MS });
        } else {
          await user.xapi.call('VBD.eject', [vbd], { timeoutMs: CHANGE_TIMEOUT_MS });
        }
      } catch (error) {
        audit('failure', iso, error instanceof XapiError || error instanceof ApiError ? error.code : 'error');
        throw dvdRefusal(error);
      }
      audit('success', iso);
      res.json({});
    });

  router.post('/objects/vbd/:uuid/insert', session, change('insert'));
  router.post('/objects/vbd/:uuid/eject', session, change('eject'));
  return router;
}
