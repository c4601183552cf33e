import type { Duplex } from 'node:stream';
import type { Database } from '../db/database.ts';
import type { RequestHead } from '../http/request.ts';
import { consoleLimitExceeded, HTTP_200_OK, internalError } from '../http/responses.ts';
import { resolveConsole, type ConsoleDeps } from './access.ts';
import { idleTimeoutSeconds, watchIdle } from './idle-monitor.ts';
import type { ConsoleConnections } from './limits.ts';

export interface ConnectDeps extends ConsoleDeps {
  readonly connections: ConsoleConnections;
}

const limitEnabled = (db: Database): boolean => db.get('pool', db.refs('pool')[0]!)?.limit_console_sessions === true;

/**
 * `CONNECT /console?...` (`Console.real_proxy`): after the access checks and the per-VM session limit, the exact
 * 200 header block, then the socket is the console's raw byte stream in both directions, watched for idleness
 * when the pool (or, for a host console, the host) sets an idle timeout.
 */
export async function connectConsole(
  deps: ConnectDeps,
  host: string,
  req: RequestHead,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const access = await resolveConsole(deps, host, req, 'connect_console');
  if (!access.ok) return void socket.end(access.reply);
  // real_proxy reads the user from the request's session; Basic credentials leave none to find.
  if (!access.session) return void socket.end(internalError(req, 'Not_found'));
  const { vm, session } = access;
  const user = deps.db.value('session', session.ref, 'auth_user_name') as string;
  const added = deps.connections.tryAdd(vm, user, limitEnabled(deps.db));
  if (!added.ok) return void socket.end(consoleLimitExceeded(req, vm, added.users));
  socket.once('close', () => deps.connections.drop(vm, added.id));
  socket.write(HTTP_200_OK);
  if (head.length) socket.unshift(head);
  access.backend.serve(socket);
  const idle = idleTimeoutSeconds(deps.db, vm, host);
  if (idle !== undefined) watchIdle(socket, idle);
  socket.resume();
}
