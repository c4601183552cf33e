import express, { type Router } from 'express';
import {
  classFromLowerCase,
  readExtensions,
  XapiError,
  type KnownClass,
  type XapiRef,
  type XapiSession,
} from '@xwc/api-client';
import { RDP_REFUSED, rdpTarget } from '@xwc/contracts';
import type { GatewayContext } from '../context.ts';
import { isXapiUuid } from '../console/location.ts';
import { clientAddress } from './client-address.ts';
import { ApiError, badRequest, notFound, route } from './errors.ts';
import { rdpFile } from './rdp-file.ts';
import { requireSession, sessionOf } from './require-session.ts';

/** How long a first inventory request waits for the pool's snapshot. */
const SNAPSHOT_WAIT_MS = 60_000;

export function parseClass(name: string): KnownClass {
  const cls = /^[a-z_]{2,32}$/.test(name) ? classFromLowerCase(name) : undefined;
  if (!cls) throw notFound(`Unknown class "${name.slice(0, 40)}".`);
  return cls;
}

export function parseUuid(uuid: string): string {
  if (!isXapiUuid(uuid)) throw badRequest('That is not a uuid.');
  return uuid;
}

/** The record and its catalogue extensions, read fresh from XAPI: what GET and PATCH answer. */
export async function objectView(xapi: XapiSession, cls: KnownClass, uuid: string) {
  const ref: XapiRef = await xapi.getByUuid(cls, uuid);
  const record = await xapi.getRecord(cls, ref);
  const extensions = readExtensions(cls, record).map(({ key, entry, value, raw, isSet, problem }) => ({
    key,
    entry,
    value,
    raw,
    isSet,
    ...(problem ? { problem } : {}),
  }));
  return { ref, record, body: { class: cls.toLowerCase(), uuid, record: { ...record, $ref: ref }, extensions } };
}

/**
 * A user blocked the operation on this VM (`blocked_operations`): the reason they gave is the answer. The ref XAPI
 * sends along stays here.
 */
function blockedAnswer(error: unknown): unknown {
  if (!(error instanceof XapiError) || error.code !== 'OPERATION_BLOCKED') return error;
  const reason = error.params[1] ?? '';
  return new ApiError(409, 'OPERATION_BLOCKED', `Blocked on this VM: ${reason}`, { code: error.code, reason });
}

const POWER_CALLS: Record<string, (vm: XapiRef) => [string, unknown[]]> = {
  start: (vm) => ['VM.start', [vm, false, false]],
  shutdown: (vm) => ['VM.clean_shutdown', [vm]],
  hard_shutdown: (vm) => ['VM.hard_shutdown', [vm]],
  reboot: (vm) => ['VM.clean_reboot', [vm]],
  hard_reboot: (vm) => ['VM.hard_reboot', [vm]],
  suspend: (vm) => ['VM.suspend', [vm]],
  resume: (vm) => ['VM.resume', [vm, false, false]],
};

/** `/api/objects/…`: the inventory, one object with its extensions, power actions, migration, RDP files. */
export function objectRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  router.use('/objects', requireSession(ctx.sessions));

  router.get(
    '/objects/:class',
    route(async (req, res) => {
      const cls = parseClass(String(req.params.class));
      const inventory = ctx.inventories.of(sessionOf(res));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('inventory timeout')), SNAPSHOT_WAIT_MS);
      });
      try {
        await Promise.race([inventory.ready(cls), timeout]);
      } catch (error) {
        if (error instanceof XapiError) throw error;
        throw new ApiError(503, 'POOL_UNREACHABLE', 'The pool did not send its inventory in time.');
      } finally {
        clearTimeout(timer);
        ctx.inventories.released(sessionOf(res));
      }
      const name = cls.toLowerCase();
      res.type('json').send(`{"class":${JSON.stringify(name)},"records":${inventory.recordsJson(name)}}`);
    }),
  );

  router.get(
    '/objects/:class/:uuid',
    route(async (req, res) => {
      const cls = parseClass(String(req.params.class));
      const { body } = await objectView(sessionOf(res).xapi, cls, parseUuid(String(req.params.uuid)));
      res.json(body);
    }),
  );

  router.post(
    '/objects/vm/:uuid/power',
    route(async (req, res) => {
      const session = sessionOf(res);
      const uuid = parseUuid(String(req.params.uuid));
      const action = String((req.body as Record<string, unknown> | undefined)?.action ?? '');
      const call = Object.hasOwn(POWER_CALLS, action) ? POWER_CALLS[action] : undefined;
      if (!call) throw badRequest(`action must be one of ${Object.keys(POWER_CALLS).join(', ')}.`);
      const source = clientAddress(req, ctx.config.trustProxy);
      try {
        const vm = await session.xapi.getByUuid('VM', uuid);
        const [method, args] = call(vm);
        await session.xapi.call(method, args as never, { timeoutMs: 600_000 });
        ctx.audit({ event: 'power', user: session.user, object: `vm/${uuid}`, action, outcome: 'success' }, { source });
      } catch (error) {
        const detail = error instanceof Error ? error.message : 'error';
        ctx.audit(
          { event: 'power', user: session.user, object: `vm/${uuid}`, action, outcome: 'failure', detail },
          { source },
        );
        throw blockedAnswer(error);
      }
      res.json({});
    }),
  );

  router.post(
    '/objects/vm/:uuid/migrate',
    route(async (req, res) => {
      const session = sessionOf(res);
      const uuid = parseUuid(String(req.params.uuid));
      const hostUuid = parseUuid(String((req.body as Record<string, unknown> | undefined)?.host ?? ''));
      const source = clientAddress(req, ctx.config.trustProxy);
      const vm = await session.xapi.getByUuid('VM', uuid);
      const host = await session.xapi.getByUuid('host', hostUuid);
      try {
        await session.xapi.call('VM.pool_migrate', [vm, host, { live: 'true' }], { timeoutMs: 3_600_000 });
        ctx.audit(
          {
            event: 'power',
            user: session.user,
            object: `vm/${uuid}`,
            action: `migrate:${hostUuid}`,
            outcome: 'success',
          },
          { source },
        );
      } catch (error) {
        const detail = error instanceof Error ? error.message : 'error';
        ctx.audit(
          {
            event: 'power',
            user: session.user,
            object: `vm/${uuid}`,
            action: `migrate:${hostUuid}`,
            outcome: 'failure',
            detail,
          },
          { source },
        );
        throw blockedAnswer(error);
      }
      res.json({});
    }),
  );

  // A replug (unplug, then plug) is how a NIC takes its network's new MTU; XAPI's RBAC decides who may (PIF:
  // pool-operator, VIF: vm-admin) and its errors (a management interface, a halted VM) are the answer.
  router.post(
    '/objects/:class/:uuid/replug',
    route(async (req, res) => {
      const session = sessionOf(res);
      const cls = parseClass(String(req.params.class));
      if (cls !== 'PIF' && cls !== 'VIF') throw badRequest('Only pif and vif objects can be replugged.');
      const uuid = parseUuid(String(req.params.uuid));
      const source = clientAddress(req, ctx.config.trustProxy);
      const object = `${cls.toLowerCase()}/${uuid}`;
      try {
        const ref = await session.xapi.getByUuid(cls, uuid);
        await session.xapi.call(`${cls}.unplug`, [ref], { timeoutMs: 120_000 });
        await session.xapi.call(`${cls}.plug`, [ref], { timeoutMs: 120_000 });
        ctx.audit({ event: 'power', user: session.user, object, action: 'replug', outcome: 'success' }, { source });
      } catch (error) {
        const detail = error instanceof Error ? error.message : 'error';
        ctx.audit(
          { event: 'power', user: session.user, object, action: 'replug', outcome: 'failure', detail },
          { source },
        );
        throw error;
      }
      res.json({});
    }),
  );

  // Dismissing an alert is XAPI's message.destroy: pool-operator and above; lesser roles get XAPI's refusal (403).
  router.delete(
    '/objects/message/:uuid',
    route(async (req, res) => {
      const xapi = sessionOf(res).xapi;
      const message = await xapi.getByUuid('message', parseUuid(String(req.params.uuid)));
      await xapi.call('message.destroy', [message]);
      res.json({});
    }),
  );

  router.get(
    '/objects/vm/:uuid/rdp',
    route(async (req, res) => {
      const xapi = sessionOf(res).xapi;
      const vm = await xapi.getRecord('VM', await xapi.getByUuid('VM', parseUuid(String(req.params.uuid))));
      const metrics =
        vm.guest_metrics === 'OpaqueRef:NULL' ? undefined : await xapi.getRecord('VM_guest_metrics', vm.guest_metrics);
      const target = rdpTarget(metrics ?? { other: {}, networks: {} });
      if (!target.ok) throw notFound(RDP_REFUSED[target.reason]);
      const file = rdpFile(target.address);
      const name = vm.name_label.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64) || 'vm';
      res.setHeader('Content-Type', 'application/x-rdp');
      res.setHeader('Content-Disposition', `attachment; filename="${name}.rdp"`);
      res.send(file);
    }),
  );
  return router;
}
