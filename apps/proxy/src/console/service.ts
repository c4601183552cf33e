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
import { roleAtLeast } from '@xwc/api-client';
import { parseConsoleCommand, type ApiErrorCode, type ConsoleNotice, type ConsoleViewer } from '@xwc/contracts';
import { ApiError, writeUpgradeRefusal } from '../http/errors.ts';
import { mayOpen } from './access.ts';
import { bridge, type Bridge, type BridgeLimits } from './bridge.ts';
import { CLOSE, ConsoleError, truncateReason, type CloseKind } from './close-codes.ts';
import type { SharingPolicy } from './engine/console-hubs.ts';
import { ConsoleEngine } from './engine/console-engine.ts';
import type { Recordings } from './recording/recordings.ts';
import { poolIdleTimeout, type KnownIdleTimeout } from './engine/upstream-connection.ts';
import type { SharedConsole, SharedViewer } from './engine/shared-console.ts';
import type { SharedTextConsole } from './text/text-console.ts';
import { textKey } from './text/text-consoles.ts';
import { ViewerChannel, type ViewerEnd } from './engine/viewer-channel.ts';
import { MemoryLinkStore } from './share/link-store.ts';
import { LinkViewers } from './share/link-viewers.ts';
import { RedisLinkStore } from './share/redis-link-store.ts';
import { ShareLinks, type ShareLinkSettings } from './share/share-links.ts';
import { ConsoleWall, type WallSettings } from './wall/console-wall.ts';
import { isXapiUuid } from './location.ts';
import { resolveConsole, type ConsoleOwner } from './resolve.ts';
import { ConsoleBusy, openTunnel, type Tunnel } from './tunnel.ts';

export interface ConsoleLimits extends BridgeLimits {
  perUser: number;
  total: number;
  connectTimeoutMs: number;
  sharing: SharingPolicy;
  controlIdleMs: number;
  reattachMs: number;
  links: ShareLinkSettings;
  wall: WallSettings;
}

interface LiveConsole {
  id: string;
  session: UserSession;
  /** When the viewer connected (ms since the epoch). */
  opened: number;
  /** Direct path: set once bytes flow; until then closing aborts the set-up. */
  bridge?: Bridge;
  /** Direct path: resolves once the connection to the pool is closed (its slot free again). */
  upstreamClosed?: Promise<void>;
  /** Shared path: the console and this viewer's place in it. */
  shared?: { console: SharedConsole | SharedTextConsole; viewer: SharedViewer };
  abort: AbortController;
  ws?: WebSocket;
}

/** A console's WebSocket: the graphical one (RFB), or with `/text` its text one (vt100). */
const ROUTE = /^\/api\/consoles\/(vm|host)\/([^/?#]+)(\/text)?$/;
/** Client frames carry key, pointer and clipboard messages; nothing legitimate comes near this. */
const MAX_CLIENT_FRAME = 1024 * 1024;

/** The pool's idle clock and ours differ by a round trip and their polling: allow for it. */
const POOL_IDLE_SLACK_MS = 1500;

const END_KIND: Record<EndReason, CloseKind> = {
  user: 'loggedOut',
  expired: 'notLoggedIn',
  'ended-by-pool': 'notLoggedIn',
};

/**
 * `WS /api/consoles/{vm,host}/:uuid` (graphical) and `…/:uuid/text` (text): checks Origin, session, caps and role
 * alike for both, before the upgrade (answering with an HTTP status when they fail) or just after it (a close code),
 * then resolves the console afresh, opens the CONNECT tunnel with the user's own XAPI session and bridges it to the
 * browser, or joins the viewer to the console's shared engine.
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
  private readonly engine: ConsoleEngine;
  /** Read-only share links: the links themselves, and their guests' upgrades (console/share/). */
  readonly shares: ShareLinks;
  private readonly guests: LinkViewers;
  /** The console wall's thumbnails and pages (console/wall/). */
  private readonly wall: ConsoleWall;

  constructor(
    private readonly deps: {
      sessions: Sessions;
      link: PoolLink;
      audit: Audit;
      log: Logger;
      origin: OriginPolicy;
      trustProxy: boolean;
      limits: ConsoleLimits;
      /** This gateway instance (presence across instances). */
      instance: string;
      redis?: { url: string; secret: string };
      /** Console recording: its policy is read before a viewer is routed (a recorded console is never direct). */
      recordings?: Recordings;
      /** The pool's console idle timeouts, when the live inventory has them: why an upstream ended is then no call. */
      knownIdleTimeout?: KnownIdleTimeout;
    },
  ) {
    deps.sessions.on('ended', (session, reason) => this.closeSession(session.id, END_KIND[reason]));
    this.engine = new ConsoleEngine({
      link: deps.link,
      audit: deps.audit,
      log: deps.log,
      instance: deps.instance,
      ...(deps.redis ? { redis: deps.redis } : {}),
      limits: deps.limits,
      ...(deps.knownIdleTimeout ? { knownIdleTimeout: deps.knownIdleTimeout } : {}),
      ...(deps.recordings
        ? {
            routeHooks: {
              mustShare: (key: string) => deps.recordings!.mustShare(key),
              created: (console: SharedConsole) => deps.recordings!.attach(console),
            },
          }
        : {}),
      sourceOf: (id) => this.sources.get(id) ?? '',
      onViewerEnd: (viewer, end, inputEvents) => this.sharedViewerEnded(viewer, end, inputEvents),
    });
    const { sessions, audit, log, origin, trustProxy, limits, redis } = deps;
    this.shares = new ShareLinks(
      redis ? new RedisLinkStore(redis.url, redis.secret, log) : new MemoryLinkStore(),
      limits.links,
    );
    this.guests = new LinkViewers({
      links: this.shares,
      engine: this.engine,
      sessions,
      audit,
      origin,
      trustProxy,
      limits,
      // A guest takes one of the instance's console slots (CONSOLES_TOTAL) while connected.
      slots: {
        take: () => {
          if (this.total >= limits.total) return false;
          this.total++;
          return true;
        },
        release: () => {
          this.total--;
        },
      },
    });
    this.wall = new ConsoleWall({
      open: (key) => this.engine.shared(key),
      sessions,
      log,
      origin,
      limits,
      settings: limits.wall,
    });
  }

  /** Client addresses of shared viewers, for their audit lines. */
  private readonly sources = new Map<string, string>();

  /** Whether this request is a console upgrade (handled, or refused with an HTTP status). */
  handles(req: IncomingMessage): boolean {
    const path = (req.url ?? '').split('?')[0]!;
    return ROUTE.test(path) || this.guests.handles(path) || this.wall.handles(path);
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const { sessions, origin, trustProxy, limits } = this.deps;
    const [path, query = ''] = (req.url ?? '').split('?', 2) as [string, string?];
    if (this.guests.handles(path)) return this.guests.upgrade(req, socket, head, this.accepting);
    if (this.wall.handles(path)) return this.wall.upgrade(req, socket, head, this.accepting);
    const [, owner, uuid, text] = ROUTE.exec(path)!;
    const viewOnly = new URLSearchParams(query).get('view') === 'only';
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
        { event: 'console-refused', user: session.user, object: `${owner}/${uuid}${text ?? ''}`, outcome: 'too-many' },
        { source },
      );
      // Upgraded only to be closed with 4029: a browser cannot read an HTTP refusal, only a close code.
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => undefined);
        ws.close(CLOSE.tooMany.code, CLOSE.tooMany.reason);
      });
      return;
    }
    await this.deps.recordings?.prepare(session, owner as ConsoleOwner, uuid!);
    const live: LiveConsole = { id: randomUUID(), session, opened: Date.now(), abort: new AbortController() };
    this.track(live);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // Protocol violations surface as 'error' (then 'close'); unhandled, one would end the process.
      ws.on('error', () => undefined);
      // Nothing is listening for console data until the tunnel is up: hold it in the socket, not drop it.
      ws.pause();
      live.ws = ws;
      this.open(live, ws, owner as ConsoleOwner, uuid!, source, viewOnly, text !== undefined);
    });
  }

  /**
   * Sends the viewer down the direct path (alone on the console) or into the console's shared engine; a text view to
   * the VM's shared text console.
   */
  private open(
    live: LiveConsole,
    ws: WebSocket,
    owner: ConsoleOwner,
    uuid: string,
    source: string,
    viewOnly: boolean,
    text: boolean,
  ): void {
    const { session } = live;
    const object = text ? textKey(`${owner}/${uuid}`) : `${owner}/${uuid}`;
    // Checked before routing, so a viewer who may not open this console cannot move others off the direct path.
    if (!mayOpen(session, owner)) {
      this.deps.audit({ event: 'console-refused', user: session.user, object, outcome: 'forbidden' }, { source });
      ws.resume();
      ws.close(CLOSE.forbidden.code, CLOSE.forbidden.reason);
      return this.untrack(live);
    }
    if (text) return this.join(this.engine.text(`${owner}/${uuid}`), live, ws, object, source, viewOnly, 'text');
    const route = this.engine.route(object, !viewOnly, () => ({
      session: session.id,
      evict: () => this.evict(live),
      viewer: () => this.aloneViewer(live),
      announce: (remote) => this.announceAlone(live, remote),
    }));
    if (route.kind === 'direct') {
      void this.serve(live, ws, owner, uuid, source).finally(route.release);
      return;
    }
    this.join(route.console, live, ws, object, source, viewOnly, 'shared');
  }

  private join(
    console: SharedConsole | SharedTextConsole,
    live: LiveConsole,
    ws: WebSocket,
    object: string,
    source: string,
    viewOnly: boolean,
    mode: 'shared' | 'text',
  ): void {
    const { session } = live;
    const { limits } = this.deps;
    const viewer: SharedViewer = {
      id: live.id,
      session,
      since: new Date(),
      canControl: true,
      canTake: roleAtLeast(session.role, 'pool-admin'),
      viewOnly,
      channel: new ViewerChannel(ws, limits, {
        onCommand: (command) => console.command(viewer, command),
        onEnd: (end) => console.leave(viewer, end),
      }),
    };
    live.shared = { console, viewer };
    this.sources.set(live.id, source);
    const recording = this.deps.recordings?.recordingOf(object);
    this.deps.audit(
      {
        event: 'console-open',
        user: session.user,
        object,
        consoleId: live.id,
        mode,
        ...(recording ? { recording } : {}),
      },
      { source },
    );
    console.join(viewer);
  }

  private sharedViewerEnded(viewer: SharedViewer, end: ViewerEnd, inputEvents: number): void {
    const live = [...(this.bySession.get(viewer.session.id) ?? [])].find((l) => l.id === viewer.id);
    const source = this.sources.get(viewer.id) ?? '';
    this.sources.delete(viewer.id);
    if (!live?.shared) return;
    this.untrack(live);
    this.deps.audit(
      {
        event: 'console-close',
        user: viewer.session.user,
        object: live.shared.console.key,
        objectName: live.shared.console.objectName,
        consoleId: live.id,
        outcome: end,
        durationMs: Date.now() - live.opened,
        bytesToBrowser: viewer.channel.bytesSent,
        bytesToHost: 0,
        inputEvents,
      },
      { source },
    );
  }

  /** Closes a lone viewer's direct console so that it rejoins the shared one; resolves once the pool's slot is free. */
  private evict(live: LiveConsole): Promise<void> {
    const closed = live.upstreamClosed ?? Promise.resolve();
    this.end(live, 'rejoin');
    return closed;
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
      const failure =
        error instanceof ConsoleBusy
          ? await this.engine.whoHolds(object, error)
          : error instanceof ConsoleError
            ? error
            : new ConsoleError('internal');
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
    audit(
      { event: 'console-open', user: session.user, object, objectName: name, consoleId: live.id, mode: 'direct' },
      { source },
    );
    const socket = tunnel.socket;
    live.upstreamClosed = new Promise((resolve) => socket.once('close', () => resolve()));
    live.bridge = bridge(ws, socket, {
      limits,
      initial: tunnel.initial,
      endKind: (lastInput) => this.endOfUpstream(session, owner, uuid, lastInput),
      onText: (text) => this.directCommand(live, text),
    });
    this.greetAlone(live, object);
    const result = await live.bridge.done;
    this.engine.publishDirect(object, undefined);
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

  /** The lone viewer of a direct console, as presence lists it: it has the keyboard. */
  private aloneViewer(live: LiveConsole): ConsoleViewer {
    const { session, id } = live;
    return {
      id,
      user: session.user,
      role: session.role,
      since: new Date(live.opened).toISOString(),
      viewOnly: false,
      keyboard: true,
      remote: false,
    };
  }

  /** Tells a lone viewer who is on its console: itself, and anyone on other instances. */
  private announceAlone(live: LiveConsole, remote: readonly ConsoleViewer[]): void {
    const notice: ConsoleNotice = { type: 'presence', viewers: [this.aloneViewer(live), ...remote], requests: [] };
    if (live.ws?.readyState === live.ws?.OPEN) live.ws?.send(JSON.stringify(notice));
  }

  /** The first text frames of a direct console: who this viewer is, and who is on the console. */
  private greetAlone(live: LiveConsole, key: string): void {
    const canTake = roleAtLeast(live.session.role, 'pool-admin');
    live.ws?.send(JSON.stringify({ type: 'welcome', viewer: live.id, canControl: true, canTake } as ConsoleNotice));
    this.engine.publishDirect(key, this.aloneViewer(live));
    this.announceAlone(live, this.engine.remote(key));
  }

  /** Commands on the direct path: asking to watch only moves the console onto the engine, where that is enforced. */
  private directCommand(live: LiveConsole, text: string): void {
    const command = parseConsoleCommand(text);
    if (!command) return this.end(live, 'badViewer');
    if (command.type === 'view-only' && command.on) this.end(live, 'rejoin');
  }

  /** Why a direct console's upstream ended: the pool's idle timeout, or the console moved (reboot, migration). */
  private async endOfUpstream(
    session: UserSession,
    owner: ConsoleOwner,
    uuid: string,
    lastInput: number,
  ): Promise<CloseKind> {
    const timeout = await poolIdleTimeout(session.xapi, owner, uuid, this.deps.knownIdleTimeout).catch(() => 0);
    return timeout > 0 && Date.now() - lastInput + POOL_IDLE_SLACK_MS >= timeout * 1000 ? 'poolIdle' : 'ended';
  }

  /** Closes every console of one login (logout, expiry, the pool ending the session). */
  closeSession(sessionId: string, kind: CloseKind): void {
    for (const live of [...(this.bySession.get(sessionId) ?? [])]) this.end(live, kind);
    this.wall.closeSession(sessionId, kind);
  }

  /** Stops taking consoles; with `drainMs`, lets live ones run that long before closing them. */
  async shutdown(drainMs = 0): Promise<void> {
    this.accepting = false;
    const deadline = Date.now() + drainMs;
    while (this.total > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    for (const set of [...this.bySession.values()]) for (const live of [...set]) this.end(live, 'goingAway');
    this.guests.closeAll('goingAway');
    this.wall.close('goingAway');
    this.wss.close();
    await Promise.all([this.engine.close(), this.shares.close()]);
  }

  get count(): number {
    return this.total;
  }

  private end(live: LiveConsole, kind: CloseKind): void {
    if (live.shared) return live.shared.viewer.channel.end(kind);
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
function refuse(socket: Duplex, status: number, code: ApiErrorCode, message: string): void {
  writeUpgradeRefusal(socket, new ApiError(status, code, message));
}
