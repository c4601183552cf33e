import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_WALL_COMMAND_BYTES, type ApiErrorCode, type WallConsoleKey } from '@xwc/contracts';
import type { Sessions } from '../../auth/sessions.ts';
import { ApiError, writeUpgradeRefusal } from '../../http/errors.ts';
import { originAllowed, type OriginPolicy } from '../../http/origin.ts';
import type { Logger } from '../../log.ts';
import { CLOSE, type CloseKind } from '../close-codes.ts';
import type { SharedConsole } from '../engine/shared-console.ts';
import type { SocketGuardLimits } from '../ws-guards.ts';
import { Thumbnails } from './thumbnails.ts';
import { WallPage } from './wall-page.ts';

export interface WallSettings {
  cpuPercent: number;
  maxConsoles: number;
  perSession: number;
}

export interface ConsoleWallDeps {
  /** The console's shared engine (made if need be): thumbnails are taken from it, never from a connection of their own. */
  open(key: WallConsoleKey): SharedConsole;
  sessions: Sessions;
  log: Logger;
  origin: OriginPolicy;
  limits: SocketGuardLimits;
  settings: WallSettings;
}

/**
 * `WS /api/wall`: a logged-in page's live thumbnails of the consoles it shows. Checked like a console upgrade (Origin,
 * session) before anything else; a login may hold `perSession` wall pages.
 */
export class ConsoleWall {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 2 * MAX_WALL_COMMAND_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  readonly thumbnails: Thumbnails;
  private readonly pages = new Map<string, Set<WallPage>>();

  constructor(private readonly deps: ConsoleWallDeps) {
    this.thumbnails = new Thumbnails(deps.open, deps.settings, deps.log);
  }

  handles(path: string): boolean {
    return path === '/api/wall';
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, accepting: boolean): Promise<void> {
    const refuse = (status: number, code: ApiErrorCode, message: string): void =>
      writeUpgradeRefusal(socket, new ApiError(status, code, message));
    if (!accepting) return refuse(503, 'SHUTTING_DOWN', 'The gateway is shutting down.');
    if (!originAllowed(req, this.deps.origin)) {
      return refuse(403, 'ORIGIN_REFUSED', 'This page may not open consoles (Origin not allowed).');
    }
    const session = await this.deps.sessions.authenticate(req).catch(() => undefined);
    if (!session) return refuse(401, 'NOT_LOGGED_IN', 'Not logged in, or the session expired.');
    const mine = this.pages.get(session.id) ?? new Set<WallPage>();
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      if (mine.size >= this.deps.settings.perSession) {
        ws.close(CLOSE.tooMany.code, 'Too many console walls are open; close one.');
        return;
      }
      const { maxConsoles } = this.deps.settings;
      const page = new WallPage(ws, session, this.thumbnails, { maxConsoles, limits: this.deps.limits }, () => {
        mine.delete(page);
        if (mine.size === 0) this.pages.delete(session.id);
      });
      mine.add(page);
      this.pages.set(session.id, mine);
    });
  }

  /** Closes a login's wall pages (logout, expiry). */
  closeSession(sessionId: string, kind: CloseKind): void {
    for (const page of [...(this.pages.get(sessionId) ?? [])]) page.end(kind);
  }

  close(kind: CloseKind): void {
    for (const set of [...this.pages.values()]) for (const page of [...set]) page.end(kind);
    this.thumbnails.close();
    this.wss.close();
  }
}
