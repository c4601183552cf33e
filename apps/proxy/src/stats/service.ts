import type { Request, Response } from 'express';
import {
  archiveSpan,
  isStatsRange,
  RRD_ARCHIVES,
  STATS_ERRORS,
  STATS_RANGES,
  type RrdArchive,
  type StatsReply,
} from '@xwc/contracts';
import type { UserSession } from '../auth/sessions.ts';
import { ApiError, badRequest, notLoggedIn } from '../http/errors.ts';
import type { Logger } from '../log.ts';
import type { PoolLink } from '../pool/link.ts';
import { SharedCache } from './cache.ts';
import { parseDump } from './dump.ts';
import { PoolHttp, PoolHttpError } from './pool-http.ts';
import { RrdFormatError, seriesOf, type RrdTable } from './rrd-table.ts';
import { StatsTargets, type StatsTarget } from './target.ts';
import { parseXport } from './xport.ts';

export interface StatsLimits {
  timeoutMs: number;
  maxReplyBytes: number;
}

/** What a statistics request asks for, parsed from its query once. */
export interface StatsQuery {
  archive: RrdArchive;
  /** Only rows after this time (Unix seconds). */
  since: number;
}

const YEAR_S = 366 * 86_400;
/** Clocks of the browser, the gateway and the pool differ a little: a start this far ahead is still "now". */
const CLOCK_SLACK_S = 60;
/** A halted VM's archived RRD changes only when it runs again: re-read at most this often. */
const ARCHIVE_TTL_MS = 60_000;
/** A host's reply that lacks a VM it should hold is fetched again, but not sooner than this after the last fetch. */
const REFETCH_AFTER_MS = 5_000;
const MAX_ATTEMPTS = 3;

const whole = (text: string, digits: number): number | undefined =>
  new RegExp(`^\\d{1,${digits}}$`).test(text) ? Number(text) : undefined;

/**
 * `range` (10m, 2h, 1w, 1y), `start` (Unix seconds: rows after it) and `interval` (seconds between rows, at least),
 * with xapi's meaning: the archive is the finest one of at least `interval` that reaches back to `start`.
 */
export function parseStatsQuery(query: Record<string, unknown>, now: number): StatsQuery {
  const text = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw badRequest(`Give ${name} once.`);
    return value;
  };
  const range = text('range') ?? '10m';
  if (!isStatsRange(range)) throw badRequest(`range must be one of ${Object.keys(STATS_RANGES).join(', ')}.`);
  const startText = text('start');
  const start = startText === undefined ? undefined : whole(startText, 11);
  if (startText !== undefined && start === undefined) throw badRequest('start must be a time in whole Unix seconds.');
  if (start !== undefined && start > now + CLOCK_SLACK_S) throw badRequest('start is in the future.');
  if (start !== undefined && start < now - YEAR_S) {
    throw badRequest('start is more than a year ago: the pool keeps a year of statistics.');
  }
  const intervalText = text('interval');
  const interval = intervalText === undefined ? STATS_RANGES[range].step : whole(intervalText, 9);
  if (interval === undefined || interval < 1)
    throw badRequest('interval must be a whole number of seconds (1 or more).');
  const from = start ?? now - archiveSpan(STATS_RANGES[range]);
  const candidates = RRD_ARCHIVES.filter((a) => a.step >= interval);
  // A step of slack, as the pool's clock may be a little ahead of ours.
  const reaches = (a: RrdArchive): boolean => Math.floor(now / a.step) * a.step - archiveSpan(a) - a.step <= from;
  const archive = candidates.find(reaches) ?? candidates.at(-1) ?? RRD_ARCHIVES.at(-1)!;
  return { archive, since: start ?? 0 };
}

/**
 * Performance statistics from the pool's RRDs: each host's `/rrd_updates` (host and resident VMs together) fetched
 * at most once per archive step however many people watch, parsed once into a table; a halted VM's archived RRD
 * from the master. Every viewer is first checked with their own session (StatsTargets).
 */
export class StatsService {
  /** Requests made to pool hosts (for tests and benchmarks: viewers share them). */
  fetches = 0;
  readonly #http: PoolHttp;
  readonly #targets: StatsTargets;
  readonly #updates = new SharedCache<RrdTable>(256);
  readonly #archives = new SharedCache<string>(256);

  constructor(
    private readonly link: PoolLink,
    private readonly limits: StatsLimits,
    private readonly log: Logger,
  ) {
    this.#http = new PoolHttp(link.trust.policy, { timeoutMs: limits.timeoutMs, maxBytes: limits.maxReplyBytes });
    this.#targets = new StatsTargets(link);
  }

  async reply(
    req: Request,
    res: Response,
    session: UserSession,
    cls: 'vm' | 'host',
    uuid: string,
    query: StatsQuery,
  ): Promise<StatsReply> {
    for (let attempt = 1; ; attempt++) {
      try {
        const target = await this.#targets.resolve(session, cls, uuid, attempt > 1);
        const table = target.live
          ? await this.#liveTable(req, res, session, target, query.archive)
          : parseDump(await this.#archive(req, res, session, target, uuid), uuid, query.archive.step);
        const { t, series } = seriesOf(table, cls, uuid, query.since);
        // A running VM missing from its host's reply has just moved or stopped: ask again where it is.
        if (target.live && cls === 'vm' && series.length === 0 && attempt < MAX_ATTEMPTS) {
          this.#updates.drop(updatesKey(target, query.archive), REFETCH_AFTER_MS);
          continue;
        }
        return { class: cls, uuid, powerState: target.powerState, live: target.live, step: table.step, t, series };
      } catch (error) {
        // Another viewer's fetch that this one waited for failed for that viewer alone: fetch again.
        if (error instanceof SharedFailure && attempt < MAX_ATTEMPTS && !res.closed) continue;
        throw this.#apiError(error instanceof SharedFailure ? error.cause : error);
      }
    }
  }

  #liveTable(req: Request, res: Response, session: UserSession, target: StatsTarget, archive: RrdArchive) {
    const now = Math.floor(Date.now() / 1000);
    // A step inside the archive's reach, so a pool clock a little ahead still picks this archive.
    const start = Math.floor(now / archive.step) * archive.step - archiveSpan(archive) + archive.step;
    const path = `/rrd_updates?start=${start}&interval=${archive.step}&host=true&cf=AVERAGE`;
    return this.#shared(this.#updates, updatesKey(target, archive), archive.step * 1000, async () =>
      parseXport((await this.#get(req, res, session, target, path)).toString('utf8')),
    );
  }

  #archive(req: Request, res: Response, session: UserSession, target: StatsTarget, uuid: string) {
    return this.#shared(this.#archives, `${target.host.address}|${uuid}`, ARCHIVE_TTL_MS, async () =>
      (await this.#get(req, res, session, target, `/vm_rrd?uuid=${uuid}`)).toString('utf8'),
    );
  }

  /** One fetch for everyone asking; a waiter sees another viewer's own failures as SharedFailure. */
  async #shared<T>(cache: SharedCache<T>, key: string, ttlMs: number, fetch: () => Promise<T>): Promise<T> {
    let fetched = false;
    try {
      return await cache.get(key, ttlMs, () => {
        fetched = true;
        return fetch();
      });
    } catch (error) {
      const viewerOnly =
        error instanceof PoolHttpError &&
        (error.kind === 'aborted' || (error.kind === 'status' && error.status === 401));
      throw !fetched && viewerOnly ? new SharedFailure(error) : error;
    }
  }

  #get(req: Request, res: Response, session: UserSession, target: StatsTarget, path: string): Promise<Buffer> {
    this.fetches++;
    return this.#http
      .get(req, res, {
        address: target.host.address,
        port: target.pool.port,
        addresses: target.pool.addresses,
        path,
        sessionRef: session.xapi.ref,
      })
      .catch((error: unknown) => {
        if (error instanceof PoolHttpError && error.kind !== 'aborted') {
          this.log.warn('could not fetch statistics from a pool host', {
            host: target.host.name,
            why: error.kind,
            detail: error.message,
          });
        }
        throw error;
      });
  }

  #apiError(error: unknown): unknown {
    if (error instanceof RrdFormatError) {
      return new ApiError(502, STATS_ERRORS.badReply, 'The host answered with something that is not statistics.');
    }
    if (!(error instanceof PoolHttpError)) return error;
    const seconds = Math.round(this.limits.timeoutMs / 1000);
    switch (error.kind) {
      case 'timeout':
        return new ApiError(503, STATS_ERRORS.unavailable, `The host did not answer within ${seconds} s.`);
      case 'unreachable':
      case 'aborted':
        return new ApiError(503, STATS_ERRORS.unavailable, 'The host that keeps these statistics cannot be reached.');
      case 'certificate':
        return new ApiError(503, STATS_ERRORS.unavailable, "The host's certificate was refused.");
      case 'too-large':
        return new ApiError(
          502,
          STATS_ERRORS.tooLarge,
          `The host's statistics are larger than ${Math.round(this.limits.maxReplyBytes / 1024)} KiB ` +
            '(STATS_MAX_REPLY_KIB); the reply was cut off.',
        );
      case 'status':
        if (error.status === 401) return notLoggedIn('The pool ended your session. Please log in again.');
        if (error.status === 403) {
          return new ApiError(403, 'RBAC_PERMISSION_DENIED', 'Your role does not allow this.', {
            permission: 'http/get_rrd_updates',
          });
        }
        if (error.status === 404) return new ApiError(404, STATS_ERRORS.none, 'This VM has no recorded statistics.');
        return new ApiError(
          502,
          STATS_ERRORS.badReply,
          `The host refused the statistics request (HTTP ${error.status}).`,
        );
    }
  }

  close(): void {
    this.#http.close();
  }
}

const updatesKey = (target: StatsTarget, archive: RrdArchive): string => `${target.host.address}|${archive.step}`;

/** Another viewer's fetch failed for reasons of that viewer's own (it left, its session ended). */
class SharedFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('a shared fetch failed');
  }
}
