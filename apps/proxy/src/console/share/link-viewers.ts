import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiErrorCode, LinkConsoleKind } from '@xwc/contracts';
import type { Audit } from '../../audit.ts';
import type { Sessions } from '../../auth/sessions.ts';
import { clientAddress } from '../../http/client-address.ts';
import { ApiError, writeUpgradeRefusal } from '../../http/errors.ts';
import { originAllowed, type OriginPolicy } from '../../http/origin.ts';
import { mayOpen } from '../access.ts';
import { CLOSE, truncateReason, type CloseKind } from '../close-codes.ts';
import type { ConsoleEngine } from '../engine/console-engine.ts';
import type { SharedConsole, SharedViewer } from '../engine/shared-console.ts';
import { ViewerChannel, type ViewerChannelLimits, type ViewerEnd } from '../engine/viewer-channel.ts';
import { isXapiUuid } from '../location.ts';
import type { StoredLink } from './link-store.ts';
import { REFUSALS, type LinkRefusal, type ShareLinks } from './share-links.ts';
import { tokenFromProtocols } from './token.ts';

export interface LinkViewerDeps {
  links: ShareLinks;
  engine: ConsoleEngine;
  sessions: Sessions;
  audit: Audit;
  origin: OriginPolicy;
  trustProxy: boolean;
  limits: ViewerChannelLimits;
  /** The instance's console slots (CONSOLES_TOTAL): a guest holds one while connected. */
  slots: { take(): boolean; release(): void };
}

/** One guest on a console through a link. */
interface Guest {
  readonly link: StoredLink;
  readonly console: SharedConsole;
  readonly viewer: SharedViewer;
  readonly source: string;
  readonly opened: number;
  readonly expiry: NodeJS.Timeout;
}

const ROUTE = /^\/api\/shared\/(vm|host)\/([^/?#]+)$/;
/** Guests send what a viewer's RFB client sends before watching (pixel format, encodings, update requests). */
const MAX_GUEST_FRAME = 64 * 1024;

/**
 * `WS /api/shared/{vm,host}/:uuid` with the link's token in the subprotocol `xwc-link.<token>`: a guest without a pool
 * login watches one console through the engine, as a viewer who never gets the keyboard. The link's maker's session
 * opens the console if nobody has it open (the guest holds no XAPI session). A guest is cut off at once, with the
 * reason, when the link expires, is revoked (on any instance), or its maker's login ends.
 */
export class LinkViewers {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_GUEST_FRAME,
    perMessageDeflate: false,
    clientTracking: false,
    // The token's subprotocol is never echoed: the answer names only `binary`.
    handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false),
  });
  private readonly guests = new Map<string, Set<Guest>>();

  constructor(private readonly deps: LinkViewerDeps) {
    deps.links.onChange((id, change) => this.changed(id, change === 'revoked' ? 'linkRevoked' : 'linkEnded'));
    deps.sessions.on('ended', (session) => {
      for (const set of this.guests.values()) {
        for (const guest of set) if (guest.link.creatorSession === session.id) guest.viewer.channel.end('linkEnded');
      }
      void deps.links.sessionEnded(session.id).catch(() => undefined);
    });
  }

  handles(path: string): boolean {
    return ROUTE.test(path);
  }

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, accepting: boolean): Promise<void> {
    const { links, audit, sessions, trustProxy } = this.deps;
    const [, kind, uuid] = ROUTE.exec((req.url ?? '').split('?')[0]!) as unknown as [string, LinkConsoleKind, string];
    const object = `${kind}/${uuid}`;
    const source = clientAddress(req, trustProxy);
    const refuse = (status: number, code: ApiErrorCode, message: string): void =>
      writeUpgradeRefusal(socket, new ApiError(status, code, message));
    if (!accepting) return refuse(503, 'SHUTTING_DOWN', 'The gateway is shutting down.');
    if (!originAllowed(req, this.deps.origin)) {
      return refuse(403, 'ORIGIN_REFUSED', 'This page may not open consoles (Origin not allowed).');
    }
    if (!isXapiUuid(uuid)) return refuse(400, 'BAD_REQUEST', 'That is not a uuid.');
    const token = tokenFromProtocols(req);
    const link = token ? await links.forToken(token) : undefined;
    if (!link) {
      audit({ event: 'share-refused', object, outcome: 'invalid' }, { source });
      return refuse(401, 'LINK_INVALID', 'This share link is not valid.');
    }
    const refused = (outcome: string): void =>
      audit({ event: 'share-refused', object, outcome, link: link.id, sharedBy: link.createdBy }, { source });
    const refusal = links.refusal(link, kind, uuid);
    if (refusal === 'otherConsole') {
      refused(refusal);
      return refuse(REFUSALS.otherConsole.status, REFUSALS.otherConsole.error, REFUSALS.otherConsole.message);
    }
    // The token is proven from here on: refusals are close codes, which the page can read (an HTTP status it cannot).
    const closeWith = (why: LinkRefusal | CloseKind, reason?: string): void => {
      refused(why);
      const kindOfClose = why in REFUSALS ? REFUSALS[why as LinkRefusal].close : (why as CloseKind);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => undefined);
        ws.close(CLOSE[kindOfClose].code, truncateReason(reason ?? CLOSE[kindOfClose].reason));
      });
    };
    if (refusal) return closeWith(refusal);
    const maker = await sessions.byId(link.creatorSession);
    if (!maker) {
      void links.sessionEnded(link.creatorSession).catch(() => undefined);
      return closeWith('ended');
    }
    if (!mayOpen(maker, kind)) return closeWith('forbidden');
    if ((this.guests.get(link.id)?.size ?? 0) >= links.settings.viewersPerLink) {
      return closeWith('tooMany', 'Too many people are watching through this link.');
    }
    if (link.singleUse && !(await links.claim(link))) return closeWith('used');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      // The slot is taken only once there is a socket to give it back with (a browser may leave during the checks).
      if (!this.deps.slots.take()) {
        refused('tooMany');
        ws.close(CLOSE.tooMany.code, CLOSE.tooMany.reason);
        return;
      }
      this.join(ws, link, maker, object, source);
    });
  }

  /** Ends every guest (shutdown). */
  closeAll(kind: CloseKind): void {
    for (const set of [...this.guests.values()]) for (const guest of [...set]) guest.viewer.channel.end(kind);
    this.wss.close();
  }

  private join(ws: WebSocket, link: StoredLink, maker: SharedViewer['session'], object: string, source: string): void {
    const console = this.deps.engine.shared(object);
    const id = randomUUID();
    const viewer: SharedViewer = {
      id,
      session: maker,
      since: new Date(),
      canControl: false,
      canTake: false,
      viewOnly: true,
      guest: { link: link.id, sharedBy: link.createdBy },
      channel: new ViewerChannel(ws, this.deps.limits, {
        onCommand: (command) => console.command(viewer, command),
        onEnd: (end) => {
          console.leave(viewer, end);
          this.left(guest, end);
        },
      }),
    };
    const guest: Guest = {
      link,
      console,
      viewer,
      source,
      opened: Date.now(),
      expiry: setTimeout(() => viewer.channel.end('linkExpired'), Math.max(0, link.expiresAt - Date.now())),
    };
    guest.expiry.unref();
    let set = this.guests.get(link.id);
    if (!set) this.guests.set(link.id, (set = new Set()));
    set.add(guest);
    this.deps.audit(
      { event: 'share-open', sharedBy: link.createdBy, object, link: link.id, consoleId: id },
      { source },
    );
    console.join(viewer);
    void this.recheck(guest);
  }

  /**
   * A revocation or the maker's logout that landed while this guest was being let in was announced before the guest
   * was listed here: look once more, now that any later change will find it.
   */
  private async recheck(guest: Guest): Promise<void> {
    const { links, sessions } = this.deps;
    const [link, maker] = await Promise.all([
      links.get(guest.link.id).catch(() => guest.link),
      sessions.byId(guest.link.creatorSession).catch(() => guest.viewer.session),
    ]);
    const refusal = link ? links.refusal(link, guest.link.kind, guest.link.uuid) : 'revoked';
    if (!maker) guest.viewer.channel.end('linkEnded');
    else if (refusal && refusal !== 'used') guest.viewer.channel.end(REFUSALS[refusal].close);
  }

  private left(guest: Guest, end: ViewerEnd): void {
    clearTimeout(guest.expiry);
    const set = this.guests.get(guest.link.id);
    if (!set?.delete(guest)) return;
    if (set.size === 0) this.guests.delete(guest.link.id);
    this.deps.slots.release();
    this.deps.audit(
      {
        event: 'share-close',
        sharedBy: guest.link.createdBy,
        object: guest.console.key,
        link: guest.link.id,
        consoleId: guest.viewer.id,
        outcome: end,
        durationMs: Date.now() - guest.opened,
        bytesToBrowser: guest.viewer.channel.bytesSent,
      },
      { source: guest.source },
    );
  }

  /** A link was revoked or its maker's login ended (here or on another instance): its guests here are cut off. */
  private changed(id: string, kind: CloseKind): void {
    for (const guest of [...(this.guests.get(id) ?? [])]) guest.viewer.channel.end(kind);
  }
}
