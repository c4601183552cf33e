import type { Accounts, SessionInfo, UserAccount } from '../auth/accounts.ts';
import type { Database } from '../db/database.ts';
import type { RequestHead } from '../http/request.ts';
import { escapeHtml, forbidden, HTTP_404_MISSING, internalError, unauthorised } from '../http/responses.ts';
import { permitted } from '../api/rbac.ts';
import type { ConsoleBackend, ConsoleProtocol } from './backend.ts';
import type { Displays } from './displays.ts';

export interface ConsoleDeps {
  readonly db: Database;
  readonly accounts: Accounts;
  readonly displays: Displays;
}

/** Where a `/console` request is allowed to go, or the exact reply that refuses it. */
export type ConsoleAccess =
  | {
      readonly ok: true;
      readonly vm: string;
      readonly protocol: ConsoleProtocol;
      readonly backend: ConsoleBackend;
      /** Absent when the caller authenticated with Basic credentials instead of a session. */
      readonly session?: SessionInfo;
    }
  | { readonly ok: false; readonly reply: Buffer };

/** `Console.Failure`, xapi's catch-all for a request it cannot route to a console: a 500 page. */
const consoleFailure = (req: RequestHead): ConsoleAccess => ({
  ok: false,
  reply: internalError(req, 'Console.Failure'),
});

/**
 * The checks xapi runs on `/console` before proxying, in its order (`Xapi_http.add_handler`, `Console.handler`):
 * 401 without a valid session, 403 below vm-operator, 500 when the request names no console it can resolve,
 * 403 for a control domain's console without pool-admin, 500 unless the VM runs on this host, 404 without a
 * console server.
 */
export async function resolveConsole(
  deps: ConsoleDeps,
  host: string,
  req: RequestHead,
  realm: 'connect_console' | 'connect_console_ws',
): Promise<ConsoleAccess> {
  const { db } = deps;
  const sessionRef = req.cookies.get('session_id') ?? req.query.get('session_id');
  let session: SessionInfo | undefined;
  let basic: UserAccount | undefined;
  if (sessionRef !== undefined) {
    session = deps.accounts.lookup(sessionRef);
    if (!session) return { ok: false, reply: unauthorised(req, realm) };
  } else {
    const credentials = basicCredentials(req);
    if (!credentials) return { ok: false, reply: unauthorised(req, realm) };
    try {
      basic = await deps.accounts.authenticate(credentials.username, credentials.password);
    } catch {
      return { ok: false, reply: unauthorised(req, realm) };
    }
  }
  const caller = (session ?? basic)!;
  if (!permitted(caller, 'vm-operator')) return { ok: false, reply: forbidden(req) };

  // console_of_request: a uuid (VM first, then console) wins over a ref.
  let ref = req.query.get('ref');
  const uuid = req.query.get('uuid');
  if (uuid !== undefined) {
    const found = db.findByUuid(uuid);
    if (!found || (found.table !== 'VM' && found.table !== 'console')) {
      return {
        ok: false,
        reply: internalError(req, escapeHtml(`Db_exn.Read_missing_uuid("console", "", ${JSON.stringify(uuid)})`)),
      };
    }
    ref = found.ref;
  }
  if (ref === undefined) return consoleFailure(req);
  let console: string | undefined;
  const table = db.tableOf(ref);
  if (table === 'VM') {
    console = (db.value('VM', ref, 'consoles') as string[]).find((c) => db.get('console', c)?.protocol === 'rfb');
  } else if (table === 'console') console = ref;
  if (console === undefined) return consoleFailure(req);

  const consoleRow = db.require('console', console);
  const vm = consoleRow.VM as string;
  const vmRow = db.get('VM', vm);
  if (!vmRow) return consoleFailure(req);
  if (vmRow.is_control_domain && !permitted(caller, 'pool-admin')) {
    return { ok: false, reply: forbidden(req) };
  }
  if (vmRow.power_state !== 'Running' || vmRow.resident_on !== host) return consoleFailure(req);
  const protocol = consoleRow.protocol as ConsoleProtocol;
  const backend = deps.displays.backend(vm, protocol);
  if (!backend) return { ok: false, reply: HTTP_404_MISSING };
  return { ok: true, vm, protocol, backend, ...(session ? { session } : {}) };
}

function basicCredentials(req: RequestHead): { username: string; password: string } | undefined {
  const header = req.headers.get('authorization');
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
