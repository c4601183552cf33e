import type { Request, Response } from 'express';
import { LIMIT_CODES } from '@xwc/contracts';
import type { EndReason, UserSession } from '../auth/sessions.ts';
import type { GatewayContext } from '../context.ts';
import { isXapiUuid } from '../console/location.ts';
import { changesJson, type ConsoleScope, type InventoryMessage } from '../pool/inventory.ts';
import { ApiError, badRequest, sendError } from './errors.ts';
import { EventSender } from './event-sender.ts';
import { sessionOf } from './require-session.ts';
import { StreamSlots, type StreamCap } from './stream-slots.ts';

const PING_EVERY_MS = 15_000;
/** When a refused window should try again: soon enough that closing another window frees it quickly. */
const REFUSED_RETRY_S = 10;

const REFUSALS: Record<StreamCap, string> = {
  session: 'Too many live views are open for this login. Close another window or tab; this one retries by itself.',
  total: 'The gateway is serving as many live views as it allows. This window retries by itself.',
};

const ENDED_MESSAGES: Record<EndReason, string> = {
  user: 'You logged out.',
  expired: 'Your session expired. Please log in again.',
  'ended-by-pool': 'The pool ended your session (it may have restarted). Please log in again.',
};

/**
 * `?vm=<uuid>` or `?host=<uuid>`: a console window's stream, only what it needs (the pool, hosts, that VM).
 * Undefined for the whole inventory; null when the query names something that is not a uuid.
 */
function scopeOf(req: Request): ConsoleScope | undefined | null {
  const { vm, host } = req.query;
  if (typeof vm === 'string' && isXapiUuid(vm)) return { vm };
  if (typeof host === 'string' && isXapiUuid(host)) return { host };
  return vm !== undefined || host !== undefined ? null : undefined;
}

/** `GET /api/events`: the user's live inventory as Server-Sent Events (see docs/api.md). */
export function eventStream(ctx: GatewayContext) {
  const limits = ctx.config.events;
  const slots = new StreamSlots(limits);
  ctx.metrics.countEventStreams(() => slots.open);
  return (req: Request, res: Response): void => {
    const session: UserSession = sessionOf(res);
    const scope = scopeOf(req);
    if (scope === null) return sendError(res, badRequest('vm= and host= take a uuid.'));
    const release = slots.take(session.id);
    if (typeof release === 'string') {
      ctx.log.info('refused an event stream past the cap', { user: session.user, cap: release });
      return sendError(
        res,
        new ApiError(429, LIMIT_CODES.eventStreams, REFUSALS[release], { retryAfter: REFUSED_RETRY_S }),
      );
    }
    const inventory = ctx.inventories.of(session);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    res.write('retry: 3000\n\n');

    const sender = new EventSender(
      res,
      { backlogChars: limits.backlogBytes, stallTimeoutMs: limits.stallTimeoutMs },
      (why) => {
        ctx.log.warn('closing an event stream whose client stopped reading', { user: session.user, why });
        res.destroy();
      },
    );
    const send = (event: string, data: unknown): void => sender.send(event, [JSON.stringify(data)]);
    const onMessage = (message: InventoryMessage): void => {
      if (message.type === 'status') {
        send('status', { state: message.state, ...(message.message ? { message: message.message } : {}) });
      } else if (!scope) {
        const kind = message.type === 'snapshot' ? 'snapshot' : message.load ? 'load' : 'change';
        sender.send(message.type, message.parts, kind);
      } else if (message.type === 'snapshot') {
        sender.send('snapshot', [inventory.scopedSnapshotJson(scope)], 'snapshot');
      } else {
        const mine = message.changes.filter((change) => inventory.changeInScope(scope, change));
        if (mine.length) sender.send('changes', [changesJson(mine)]);
      }
    };
    const onEnded = (ended: UserSession, reason: EndReason): void => {
      if (ended.id !== session.id) return;
      send('session-ended', { message: ENDED_MESSAGES[reason] });
      sender.end();
    };
    const unsubscribe = inventory.subscribe(onMessage);
    ctx.sessions.on('ended', onEnded);
    const ping = setInterval(() => {
      sender.comment('ping');
      // An open tab counts as activity for the session's idle limit.
      void ctx.sessions.authenticate(req).catch(() => undefined);
    }, PING_EVERY_MS);

    res.on('close', () => {
      clearInterval(ping);
      sender.stop();
      unsubscribe();
      ctx.sessions.off('ended', onEnded);
      release();
      ctx.inventories.released(session);
    });
  };
}
