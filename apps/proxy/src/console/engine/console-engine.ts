import type { ConsoleViewer, ControlChange } from '@xwc/contracts';
import type { Audit } from '../../audit.ts';
import type { UserSession } from '../../auth/sessions.ts';
import type { Logger } from '../../log.ts';
import type { PoolLink } from '../../pool/link.ts';
import { ConsoleError } from '../close-codes.ts';
import { busyReason } from '../limit-reply.ts';
import type { ConsoleOwner } from '../resolve.ts';
import { ConsoleBusy } from '../tunnel.ts';
import {
  ConsoleHubs,
  type ConsoleRoute,
  type DirectConsole,
  type RouteHooks,
  type SharingPolicy,
} from './console-hubs.ts';
import { PresenceBoard } from './presence.ts';
import { RedisPresence } from './redis-presence.ts';
import type { SharedTextConsole } from '../text/text-console.ts';
import { objectOfTextKey, OTHER_VIEW_HOLDS, textConnector, TextConsoles, textKey } from '../text/text-consoles.ts';
import type { SharedConsole, SharedViewer } from './shared-console.ts';
import { poolIdleTimeout, upstreamConnector, type KnownIdleTimeout } from './upstream-connection.ts';
import type { ViewerEnd } from './viewer-channel.ts';

export interface ConsoleEngineOptions {
  link: PoolLink;
  audit: Audit;
  log: Logger;
  instance: string;
  /** Presence spans instances through Redis when set (entries sealed with the shared SESSION_SECRET). */
  redis?: { url: string; secret: string };
  limits: {
    sharing: SharingPolicy;
    connectTimeoutMs: number;
    controlIdleMs: number;
    reattachMs: number;
  };
  /** Recorded consoles: kept on the engine, and recorded when made (see console/recording/). */
  routeHooks?: RouteHooks;
  knownIdleTimeout?: KnownIdleTimeout;
  /** The client address a viewer connected from, for audit lines. */
  sourceOf(viewerId: string): string;
  onViewerEnd(viewer: SharedViewer, end: ViewerEnd, inputEvents: number): void;
}

/**
 * The gateway's consoles as a whole: which are direct and which shared (ConsoleHubs), how a shared console reaches
 * the pool, and presence across instances.
 */
export class ConsoleEngine {
  private readonly hubs: ConsoleHubs;
  private readonly texts: TextConsoles;
  private readonly board: PresenceBoard;

  constructor(private readonly options: ConsoleEngineOptions) {
    const { link, audit, log, limits } = options;
    this.board = new PresenceBoard(
      options.instance,
      options.redis ? new RedisPresence(options.redis.url, options.redis.secret, log) : undefined,
      (key) => this.remoteChanged(key),
    );
    this.hubs = new ConsoleHubs(
      limits.sharing,
      (key) => {
        const [owner, uuid] = key.split('/') as [ConsoleOwner, string];
        const connect = upstreamConnector({ link, owner, uuid, connectTimeoutMs: limits.connectTimeoutMs });
        return {
          ...this.consoleOptions(key, owner, uuid),
          connect: (request) => this.refineBusy(key, connect(request)),
          onUpstreamFault: (reason) => {
            log.warn('console upstream broke the RFB protocol', { object: key, reason });
            audit({ event: 'console-fault', object: key, reason }, { source: '' });
          },
        };
      },
      options.routeHooks,
    );
    this.texts = new TextConsoles((key) => {
      const [owner, uuid] = objectOfTextKey(key)!.split('/') as [ConsoleOwner, string];
      const connect = textConnector({ link, owner, uuid, connectTimeoutMs: limits.connectTimeoutMs });
      return { ...this.consoleOptions(key, owner, uuid), connect: (request) => this.refineBusy(key, connect(request)) };
    });
  }

  /** What every shared console of `key` has, graphical or text: the pool's idle timeout, presence, control audit. */
  private consoleOptions(key: string, owner: ConsoleOwner, uuid: string) {
    const { audit, limits } = this.options;
    return {
      poolIdleTimeout: (session: UserSession) =>
        poolIdleTimeout(session.xapi, owner, uuid, this.options.knownIdleTimeout),
      controlIdleMs: limits.controlIdleMs,
      reattachMs: limits.reattachMs,
      presence: {
        publish: (viewers: readonly ConsoleViewer[]) => this.board.publish(key, viewers),
        remote: () => this.board.remote(key),
      },
      onControl: (change: ControlChange, viewers: ReadonlyMap<string, SharedViewer>) => {
        if (change.kind !== 'granted' || change.how === 'first') return;
        const to = viewers.get(change.viewer);
        const from = change.from === undefined ? undefined : viewers.get(change.from);
        if (!to) return;
        audit(
          {
            event: 'console-control',
            user: to.session.user,
            object: key,
            how: change.how,
            ...(from ? { from: from.session.user } : {}),
          },
          { source: this.options.sourceOf(to.id) },
        );
      },
      onViewerEnd: this.options.onViewerEnd,
    };
  }

  /** A pool refusal (`503`) as viewers should read it: see `whoHolds`. */
  private refineBusy<T>(key: string, connecting: Promise<T>): Promise<T> {
    return connecting.catch(async (error: unknown) => {
      throw error instanceof ConsoleBusy ? await this.whoHolds(key, error) : error;
    });
  }

  route(key: string, wantsDirect: boolean, direct: () => DirectConsole): ConsoleRoute {
    return this.hubs.route(key, wantsDirect, direct);
  }

  /** The console's shared engine, made (moving a lone viewer onto it) if need be: for guests and thumbnails. */
  shared(key: string): SharedConsole {
    return this.hubs.engine(key);
  }

  /** The text (vt100) console of `vm/<uuid>` or `host/<uuid>`, made if need be: always shared, from its first viewer. */
  text(object: string): SharedTextConsole {
    return this.texts.open(textKey(object));
  }

  /** A lone viewer's presence changed (it started or ended): other instances learn of it. */
  publishDirect(key: string, viewer: ConsoleViewer | undefined): void {
    this.board.publish(key, viewer ? [viewer] : []);
  }

  /** Viewers of `key` on other instances, as last read. */
  remote(key: string): readonly ConsoleViewer[] {
    return this.board.remote(key);
  }

  /**
   * The pool refused because someone holds the console: when they are on another instance of this gateway (a load
   * balancer that split a console's viewers), say so rather than "another client".
   */
  async whoHolds(key: string, busy: ConsoleBusy): Promise<ConsoleError> {
    const other = this.otherView(key);
    if (other) return new ConsoleError('busy', other);
    const elsewhere = await this.board.elsewhere(key);
    if (elsewhere.length === 0) return busy;
    return new ConsoleError('busy', busyReason([...new Set(elsewhere.map((v) => v.user))], 'another gateway'));
  }

  close(): Promise<void> {
    return this.board.close();
  }

  /**
   * xapi's one connection per VM (`limit_console_sessions`) counts a VM's text and graphical consoles together: when
   * our own view of the VM's other console holds it, say so.
   */
  private otherView(key: string): string | undefined {
    const object = objectOfTextKey(key);
    if (object !== undefined) return this.hubs.find(object) ? OTHER_VIEW_HOLDS.graphical : undefined;
    return this.texts.find(textKey(key))?.connectedUp ? OTHER_VIEW_HOLDS.text : undefined;
  }

  private remoteChanged(key: string): void {
    this.texts.find(key)?.broadcastPresence();
    const found = this.hubs.find(key);
    if (found?.kind === 'shared') found.console.broadcastPresence();
    else if (found?.kind === 'direct') found.console.announce(this.board.remote(key));
  }
}
