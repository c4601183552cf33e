import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Audit } from '../audit.ts';
import type { EndReason, Sessions, UserSession } from '../auth/sessions.ts';
import { clientAddress } from '../http/client-address.ts';
import { originAllowed, type OriginPolicy } from '../http/origin.ts';
import type { Logger } from '../log.ts';
import type { PoolLink } from '../pool/link.ts';
import { bridge, type Bridge, type BridgeLimits } from './bridge.ts';
import { CLOSE, ConsoleError, truncateReason, type CloseKind } from './close-codes.ts';
import { isXapiUuid } from './location.ts';
import { resolveConsole, type ConsoleOwner } from './resolve.ts';
import { openTunnel, type Tunnel } from './tunnel.ts';

export interface ConsoleLimits extends BridgeLimits {
  perUser: number;
  total: number;
  connectTimeoutMs: number;
}

interface LiveConsole {
  id: string;
  session: UserSession;
  /** Set once bytes flow; until then closing aborts the set-up. */
  bridge?: Bridge;
  abort: AbortController;
  ws?: WebSocket;
}

const ROUTE = /^\/api\/consoles\/(vm|host)\/([^/?#]+)$/;
/** Client frames carry key, pointer and clipboard messages; nothing legitimate comes near this. */
const MAX_CLIENT_FRAME = 1024 * 1024;

const END_KIND: Record<EndReason, CloseKind> = {
  user: 'loggedOut',
  expired: 'notLoggedIn',
  'ended-by-pool': 'notLoggedIn',
};

/**
 * `WS /api/consoles/{vm,host}/:uuid`: checks Origin, session and caps before the upgrade (answering
 * with an HTTP status when they fail), then resolves the console afresh, opens the CONNECT tunnel
 * with the user's own XAPI session and bridges it to the browser.
 */
export class ConsoleService {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CLIENT_FRAME,
    perMessageDeflate: false,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });
  private readonly bySession = new Map<string, Set<LiveConsole>>();
  private total = 0;
  private accepting = true;

  constructor(
    private readonly deps: {
      sessions: Sessions;
      link: PoolLink;
      audit: Audit;
      log: Logger;
      origin: OriginPolicy;
      trustProxy: boolean;
      limits: ConsoleLimits;
    },
  ) {
    deps.sessions.on('ended', (session, reason) => this.closeSession(session.id, END_KIND[reason]));
  }

  /** Whether this request is a console upgrade (handled, or refused with an HTTP status). */
  handles(req: IncomingMessage): boolean {
    return ROUTE.test((req.url ?? '').split('?')[0]!);
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { sessions, origin, trustProxy, limits } = this.deps;
    const [, owner, uuid] = ROUTE.exec((req.url ?? '').split('?')[0]!)!;
    const source = clientAddress(req, trustProxy);
    if (!this.accepting) return refuse(socket, 503, 'SHUTTING_DOWN', 'The gateway is shutting down.');
    if (!originAllowed(req, origin)) {
      return refuse(socket, 403, 'ORIGIN_REFUSED', 'This page may not open consoles (Origin not allowed).');
    }
    const session = await sessions.authenticate(req).catch(() => undefined);
    if (!session) return refuse(socket, 401, 'NOT_LOGGED_IN', 'Not logged in, or the session expired.');
    if (!isXapiUuid(uuid!)) return refuse(socket, 400, 'BAD_REQUEST', 'That is not a uuid.');
    const mine = this.bySession.get(session.id)?.size ?? 0;
    if (mine >= limits.perUser || this.total >= limits.total) {
      this.deps.audit(
        { event: 'console-refused', user: session.user, object: `${owner}/${uuid}`, outcome: 'too-many' },
        { source },
      );
      // Upgraded only to be closed with 4029: a browser cannot read an HTTP refusal, only a close code.
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => undefined);
        ws.close(CLOSE.tooMany.code, CLOSE.tooMany.reason);
      });
      return;
    }
    const live: LiveConsole = { id: randomUUID(), session, abort: new AbortController() };
    this.track(live);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // Protocol violations surface as 'error' (then 'close'); unhandled, one would end the process.
      ws.on('error', () => undefined);
      // Nothing is listening for console data until the tunnel is up: hold it in the socket, not drop it.
      ws.pause();
      live.ws = ws;
      void this.serve(live, ws, owner as ConsoleOwner, uuid!, source);
    });
  }

  private async serve(
    live: LiveConsole,
    ws: WebSocket,
    owner: ConsoleOwner,
    uuid: string,
    source: string,
  ): Promise<void> {
    const { audit, link, limits, log } = this.deps;
    const { session } = live;
    const object = `${owner}/${uuid}`;
    const early = (): void => live.abort.abort();
    ws.once('close', early);
    let tunnel: Tunnel | undefined;
    let name: string;
    try {
      for (let attempt = 0; ; attempt++) {
        let resolved;
        const used = session.xapi;
        try {
          resolved = await resolveConsole(used, link, owner, uuid);
        } catch (error) {
          // The pool may have restarted and forgotten the session: renew it once and look again.
          if (
            !(error instanceof ConsoleError) ||
            error.kind !== 'notLoggedIn' ||
            attempt > 0 ||
            !(await session.renew(used))
          ) {
            throw error;
          }
          continue;
        }
        name = resolved.name;
        if (live.abort.signal.aborted) return this.untrack(live);
        try {
          tunnel = await openTunnel({
            target: resolved.target,
            trust: link.trust.policy,
            sessionRef: session.xapi.ref,
            timeoutMs: limits.connectTimeoutMs,
            signal: live.abort.signal,
          });
          break;
        } catch (error) {
          // The VM moved or restarted between reading its console and connecting: look again once.
          if (!(error instanceof ConsoleError) || error.kind !== 'notRunning' || attempt > 0) throw error;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    } catch (error) {
      const failure = error instanceof ConsoleError ? error : new ConsoleError('internal');
      if (!(error instanceof ConsoleError)) log.error('console set-up failed', { error });
      audit({ event: 'console-refused', user: session.user, object, outcome: failure.kind }, { source });
      ws.off('close', early);
      ws.resume();
      if (ws.readyState === ws.OPEN) ws.close(CLOSE[failure.kind].code, truncateReason(failure.reason));
      return this.untrack(live);
    }
    ws.off('close', early);
    if (live.abort.signal.aborted || ws.readyState !== ws.OPEN) {
      tunnel.socket.destroy();
      return this.untrack(live);
    }
    const started = Date.now();
    audit({ event: 'console-open', user: session.user, object, objectName: name, consoleId: live.id }, { source });
    live.bridge = bridge(ws, tunnel.socket, limits, tunnel.initial);
    const result = await live.bridge.done;
    this.untrack(live);
    audit(
      {
        event: 'console-close',
        user: session.user,
        object,
        objectName: name,
        consoleId: live.id,
        outcome: result.kind,
        durationMs: Date.now() - started,
        bytesToBrowser: result.bytesToBrowser,
        bytesToHost: result.bytesToHost,
        inputEvents: result.inputEvents,
      },
      { source },
    );
  }

  /** Closes every console of one login (logout, expiry, the pool ending the session). */
  closeSession(sessionId: string, kind: CloseKind): void {
    for (const live of [...(this.bySession.get(sessionId) ?? [])]) this.end(live, kind);
  }

  /** Stops taking consoles; with `drainMs`, lets live ones run that long before closing them. */
  async shutdown(drainMs = 0): Promise<void> {
    this.accepting = false;
    const deadline = Date.now() + drainMs;
    while (this.total > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const set of [...this.bySession.values()]) for (const live of [...set]) this.end(live, 'goingAway');
    this.wss.close();
  }

  get count(): number {
    return this.total;
  }

  private end(live: LiveConsole, kind: CloseKind): void {
    if (live.bridge) return live.bridge.close(kind);
    live.abort.abort();
    live.ws?.resume();
    if (live.ws?.readyState === live.ws?.OPEN) live.ws?.close(CLOSE[kind].code, CLOSE[kind].reason);
    this.untrack(live);
  }

  private track(live: LiveConsole): void {
    let set = this.bySession.get(live.session.id);
    if (!set) this.bySession.set(live.session.id, (set = new Set()));
    set.add(live);
    this.total++;
  }

  private untrack(live: LiveConsole): void {
    const set = this.bySession.get(live.session.id);
    if (!set?.delete(live)) return;
    this.total--;
    if (set.size === 0) this.bySession.delete(live.session.id);
  }
}

/** Answers a refused upgrade with a real HTTP status and a JSON body, then closes. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: code, message });
  const reason = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    503: 'Service Unavailable',
  }[status];
  socket.end(
    `HTTP/1.1 ${status} ${reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}
