import fs from 'node:fs';
import express, { type Request, type Response, type Router } from 'express';
import { roleAtLeast } from '@xwc/api-client';
import { isRecordingId } from '../console/recording/recording-store.ts';
import type { GatewayContext } from '../context.ts';
import { clientAddress } from './client-address.ts';
import { ApiError, badRequest, notFound, route, sendError } from './errors.ts';
import { requireSession, sessionOf } from './require-session.ts';

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range (the player asks for one at a time), parsed against `size`. */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [, from, to] = match as unknown as [string, string, string];
  if (from === '') {
    const n = Number(to);
    return n === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || (to !== '' && Number(to) < start)) return 'unsatisfiable';
  return { start, end };
}

/**
 * `/api/recordings`: the list, one recording's timeline and keyframes, and its file (with ranges, for the player and
 * for download). Pool admins only — they can open every console, so they may see every recording — and every
 * refusal, play and download is audited.
 */
export function recordingRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  const { recordings, audit } = ctx;
  router.use('/recordings', requireSession(ctx.sessions), (req, res, next) => {
    const session = sessionOf(res);
    if (roleAtLeast(session.role, 'pool-admin')) return next();
    const recording = /^\/([^/]+)/.exec(req.path)?.[1];
    audit(
      {
        event: 'recording-access',
        user: session.user,
        action: actionOf(req),
        ...(recording && isRecordingId(recording) ? { recording } : {}),
        outcome: 'forbidden',
      },
      { source: clientAddress(req, ctx.config.trustProxy) },
    );
    sendError(res, new ApiError(403, 'RECORDINGS_FORBIDDEN', 'Only pool admins may list and play console recordings.'));
  });

  const idOf = (req: Request): string => {
    const id = String(req.params.id);
    if (!isRecordingId(id)) throw badRequest('That is not a recording id.');
    return id;
  };
  const found = async (id: string) => {
    const stored = await recordings.store.read(id);
    if (!stored) throw notFound('No such recording (it may have been deleted by the retention policy).');
    return stored;
  };
  const accessed = (req: Request, res: Response, action: string, recording?: string) =>
    audit(
      {
        event: 'recording-access',
        user: sessionOf(res).user,
        action,
        ...(recording ? { recording } : {}),
        outcome: 'success',
      },
      { source: clientAddress(req, ctx.config.trustProxy) },
    );

  router.get(
    '/recordings',
    route(async (req, res) => {
      accessed(req, res, 'list');
      res.json({
        recordings: await recordings.list(),
        ...(recordings.unusable
          ? { problem: `The recordings directory cannot be used (${recordings.unusable}).` }
          : {}),
      });
    }),
  );

  router.get(
    '/recordings/:id',
    route(async (req, res) => {
      const id = idOf(req);
      const stored = await found(id);
      accessed(req, res, 'play', id);
      const { index } = stored;
      res.json({
        ...recordings.summary(stored),
        playableBytes: index.playableBytes,
        keyframes: index.keyframes,
        events: index.events,
        eventsDropped: index.eventsDropped,
      });
    }),
  );

  router.get(
    '/recordings/:id/file',
    route(async (req, res) => {
      const id = idOf(req);
      const stored = await found(id);
      const size = stored.bytes;
      const download = req.query.download === '1';
      if (download) accessed(req, res, 'download', id);
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Content-Type', 'application/octet-stream');
      if (download) res.setHeader('Content-Disposition', `attachment; filename="${id}.xwcrec"`);
      const header = req.headers.range;
      const range = header === undefined ? { start: 0, end: size - 1 } : parseRange(header, size);
      if (range === undefined) throw badRequest('The Range header must be one range: bytes=start-end.');
      if (range === 'unsatisfiable') {
        res.setHeader('Content-Range', `bytes */${size}`);
        throw new ApiError(416, 'RANGE_NOT_SATISFIABLE', `The recording has ${size} bytes; that range is beyond it.`, {
          size,
        });
      }
      if (header !== undefined) {
        res.status(206);
        res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      }
      res.setHeader('Content-Length', String(Math.max(0, range.end - range.start + 1)));
      if (range.end < range.start) return void res.end();
      const stream = fs.createReadStream(recordings.store.pathOf(id), { start: range.start, end: range.end });
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    }),
  );
  return router;
}

function actionOf(req: Request): string {
  if (/\/file$/.test(req.path)) return req.query.download === '1' ? 'download' : 'play';
  return req.path === '/' || req.path === '' ? 'list' : 'play';
}
