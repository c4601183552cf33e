import type { Request, Response } from 'express';
import type { EndReason, UserSession } from '../auth/sessions.ts';
import type { GatewayContext } from '../context.ts';
import { isXapiUuid } from '../console/location.ts';
import type { ConsoleScope, InventoryMessage } from '../pool/inventory.ts';
import { badRequest, sendError } from './errors.ts';
import { sessionOf } from './require-session.ts';

/** A stream whose client stops reading is dropped past this much unsent data; it reconnects and resyncs. */
const MAX_UNSENT_BYTES = 64 * 1024 * 1024;
const PING_EVERY_MS = 15_000;

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
  return (req: Request, res: Response): void => {
    const session: UserSession = sessionOf(res);
    const scope = scopeOf(req);
    if (scope === null) return sendError(res, badRequest('vm= and host= take a uuid.'));
    const inventory = ctx.inventories.of(session);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    res.write('retry: 3000\n\n');

    /** Writes one event whose data is already JSON, in the pieces it comes in. */
    const sendJson = (event: string, parts: readonly string[]): void => {
      if (res.writableLength > MAX_UNSENT_BYTES) {
        ctx.log.warn('dropping an event stream whose client stopped reading', { user: session.user });
        res.destroy();
        return;
      }
      res.write(`event: ${event}\ndata: `);
      for (const part of parts) res.write(part);
      res.write('\n\n');
    };
    const send = (event: string, data: unknown): void => sendJson(event, [JSON.stringify(data)]);
    const onMessage = (message: InventoryMessage): void => {
      if (message.type === 'status') {
        send('status', { state: message.state, ...(message.message ? { message: message.message } : {}) });
      } else if (!scope) {
        sendJson(message.type, message.parts);
      } else if (message.type === 'snapshot') {
        send('snapshot', { records: inventory.scopedRecords(scope) });
      } else {
        const mine = message.changes.filter((change) => inventory.changeInScope(scope, change));
        if (mine.length) send('changes', mine);
      }
    };
    const onEnded = (ended: UserSession, reason: EndReason): void => {
      if (ended.id !== session.id) return;
      send('session-ended', { message: ENDED_MESSAGES[reason] });
      res.end();
    };
    const unsubscribe = inventory.subscribe(onMessage);
    ctx.sessions.on('ended', onEnded);
    const ping = setInterval(() => {
      res.write(': ping\n\n');
      // An open tab counts as activity for the session's idle limit.
      void ctx.sessions.authenticate(req).catch(() => undefined);
    }, PING_EVERY_MS);

    res.on('close', () => {
      clearInterval(ping);
      unsubscribe();
      ctx.sessions.off('ended', onEnded);
      ctx.inventories.released(session);
    });
  };
}
