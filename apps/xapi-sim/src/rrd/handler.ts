import { RRD_ARCHIVES, type RrdArchive } from '@xwc/contracts';
import type { SimCore } from '../core.ts';
import { permitted } from '../api/rbac.ts';
import type { RequestHead } from '../http/request.ts';
import { escapeHtml, forbidden, HTTP_404_MISSING, internalError, unauthorised } from '../http/responses.ts';
import { RunLog } from './run-log.ts';
import { hostObject, vmObject, type RrdObject } from './sources.ts';
import { dump, lastRowTime, xport } from './xml.ts';

/** The statistics handlers every host serves beside the API (xapi-rrd.md), by path and RBAC action. */
export const RRD_PATHS: Readonly<Record<string, string>> = {
  '/rrd_updates': 'get_rrd_updates',
  '/host_rrd': 'get_host_rrd',
  '/vm_rrd': 'get_vm_rrd',
};

/** Statistics requests the simulated hosts of this process have answered (benchmarks count the pool's load). */
export const rrdRequests = { answered: 0 };

/** Per pool: when its VMs ran (made on the first statistics request). */
const runLogs = new WeakMap<SimCore, RunLog>();

class HttpFailure extends Error {
  constructor(readonly reply: Buffer) {
    super('refused');
  }
}

/** An OCaml exception's text in xapi's 500 page, as a bad query parameter raises it. */
const failure = (req: RequestHead, text: string): HttpFailure => new HttpFailure(internalError(req, escapeHtml(text)));

function integerParam(req: RequestHead, name: string): number | undefined {
  const text = req.query.get(name);
  if (text === undefined) return undefined;
  if (!/^-?\d{1,18}$/.test(text)) throw failure(req, 'Failure("int_of_string")');
  return Number(text);
}

function xmlReply(req: RequestHead, body: string): Buffer {
  const content = Buffer.from(body, 'utf8');
  const head = [
    `HTTP/${req.version === '1.0' ? '1.0' : '1.1'} 200 OK`,
    `content-length: ${content.length}`,
    'content-type: text/xml',
    `connection: ${req.close ? 'close' : 'keep-alive'}`,
    'cache-control: no-cache, no-store',
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), content]);
}

function redirect(req: RequestHead, address: string): Buffer {
  const port = /:(\d+)$/.exec(req.headers.get('host') ?? '')?.[1];
  const query = [...req.query].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  const location = `https://${address}${port ? `:${port}` : ''}${req.path}?${query}`;
  return Buffer.from(
    `HTTP/1.1 302 Found\r\nlocation: ${location}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
    'latin1',
  );
}

/**
 * `Rrd.find_best_rras`: the finest archive of at least `interval` seconds that reaches back to `start`; if none
 * does, the one that reaches furthest back.
 */
function chooseArchive(start: number, interval: number, now: number): RrdArchive {
  const candidates = RRD_ARCHIVES.filter((a) => a.step >= interval);
  if (candidates.length === 0) return RRD_ARCHIVES.at(-1)!;
  return candidates.find((a) => lastRowTime(now, a.step) - a.rows * a.step <= start) ?? candidates.at(-1)!;
}

/** Answers `/rrd_updates`, `/host_rrd` and `/vm_rrd` on the host `host` (a ref) as xapi does. */
export function answerRrd(core: SimCore, host: string, req: RequestHead): Buffer {
  rrdRequests.answered++;
  const action = RRD_PATHS[req.path]!;
  const sessionRef = req.cookies.get('session_id') ?? req.query.get('session_id');
  const session = sessionRef === undefined ? undefined : core.accounts.lookup(sessionRef);
  if (!session) return unauthorised(req, action);
  // `http/get_*_rrd` and `http/get_rrd_updates` are allowed to every role (_R_READ_ONLY).
  if (!permitted(session, 'read-only')) return forbidden(req);
  let runs = runLogs.get(core);
  if (!runs) runLogs.set(core, (runs = new RunLog(core.db)));
  runs.update();
  try {
    if (req.path === '/rrd_updates') return xmlReply(req, updates(core, runs, host, req));
    if (req.path === '/host_rrd')
      return xmlReply(req, dump(hostObject(core.db, host), Math.floor(Date.now() / 1000), runs));
    return vmRrd(core, runs, host, req);
  } catch (error) {
    if (error instanceof HttpFailure) return error.reply;
    throw error;
  }
}

function updates(core: SimCore, runs: RunLog, host: string, req: RequestHead): string {
  const { db } = core;
  const start = integerParam(req, 'start');
  if (start === undefined) throw failure(req, 'Not_found');
  const interval = integerParam(req, 'interval') ?? 0;
  const cf = req.query.get('cf') ?? 'AVERAGE';
  // Only averages are kept unless the pool asks for min/max archives (it does not here).
  if (!['AVERAGE', 'ave'].includes(cf)) throw failure(req, 'Rrd.No_RRA_Available');
  const now = Math.floor(Date.now() / 1000);
  const archive = chooseArchive(start, interval, now);
  const last = lastRowTime(now, archive.step);
  const times: number[] = [];
  for (let t = last, i = 0; i < archive.rows && t > start; i++, t -= archive.step) times.push(t);
  const objects: RrdObject[] = [];
  if (req.query.get('host') === 'true') objects.push(hostObject(db, host));
  const only = req.query.get('vm_uuid');
  for (const vm of db.value('host', host, 'resident_VMs') as string[]) {
    if (only !== undefined && db.get('VM', vm)?.uuid !== only) continue;
    if (runs.has(vm)) objects.push(vmObject(db, vm));
  }
  return xport(objects, times, archive.step, runs);
}

/**
 * `/vm_rrd?uuid=`: the VM's whole RRD where it lives: on the host it runs on (others redirect there) or, for a VM
 * that does not run, on the master, from its archive.
 */
function vmRrd(core: SimCore, runs: RunLog, host: string, req: RequestHead): Buffer {
  const { db } = core;
  const found = db.findByUuid(req.query.get('uuid') ?? '');
  if (found?.table !== 'VM' || !runs.has(found.ref)) return HTTP_404_MISSING;
  const vm = db.require('VM', found.ref);
  const master = db.get('pool', db.refs('pool')[0]!)?.master as string;
  const home = vm.power_state === 'Running' || vm.power_state === 'Paused' ? (vm.resident_on as string) : master;
  if (home !== host) return redirect(req, db.require('host', home).address as string);
  const last = Math.min(Date.now(), runs.lastRecorded(found.ref));
  return xmlReply(req, dump(vmObject(db, found.ref), Math.floor(last / 1000), runs));
}
