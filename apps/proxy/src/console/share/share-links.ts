import { LINK_ERRORS, type ApiErrorCode, type LinkConsoleKind, type ShareLinkView } from '@xwc/contracts';
import { roleAtLeast } from '@xwc/api-client';
import type { UserSession } from '../../auth/sessions.ts';
import type { CloseKind } from '../close-codes.ts';
import { linkState, type LinkChange, type LinkStore, type StoredLink } from './link-store.ts';
import { linkTokenHash, newLinkId, newLinkToken, type LinkToken } from './token.ts';

export interface ShareLinkSettings {
  defaultLifetimeMs: number;
  maxLifetimeMs: number;
  perMinute: number;
  perUser: number;
  viewersPerLink: number;
}

/** A link that may not be used (any more), and how each way of presenting it is answered. */
export type LinkRefusal = 'otherConsole' | 'expired' | 'revoked' | 'ended' | 'used';

export const REFUSALS: Record<LinkRefusal, { status: number; error: ApiErrorCode; message: string; close: CloseKind }> =
  {
    otherConsole: {
      status: 403,
      error: LINK_ERRORS.otherConsole,
      message: 'This share link is for another console.',
      close: 'forbidden',
    },
    expired: { status: 410, error: LINK_ERRORS.expired, message: 'This share link expired.', close: 'linkExpired' },
    revoked: { status: 410, error: LINK_ERRORS.revoked, message: 'This share link was revoked.', close: 'linkRevoked' },
    ended: {
      status: 410,
      error: LINK_ERRORS.ended,
      message: 'This share link ended: the person who shared it is no longer logged in.',
      close: 'linkEnded',
    },
    used: {
      status: 410,
      error: LINK_ERRORS.used,
      message: 'This share link was for one viewing, and it has been used.',
      close: 'linkUsed',
    },
  };

/** Past the creation limits: how long until a link may be made again. */
export class LinkLimited extends Error {
  constructor(
    message: string,
    readonly retryAfter: number,
  ) {
    super(message);
  }
}

/** What a link is made for: one console, named as its maker's session read it. */
export interface LinkTarget {
  readonly kind: LinkConsoleKind;
  readonly uuid: string;
  readonly objectName: string;
}

/**
 * Read-only share links: made by a user who may open the console, listed and revoked by their maker and by pool
 * admins, checked when a guest presents one. A link lives until it expires, is revoked, or its maker's login ends;
 * a single-use one also stops being openable once opened.
 */
export class ShareLinks {
  constructor(
    private readonly store: LinkStore,
    readonly settings: ShareLinkSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts an attempt to make a link, before any work is done for it: throws LinkLimited past the per-minute limit
   * (every attempt counts) or when the user has as many links open as allowed.
   */
  async admit(maker: UserSession): Promise<void> {
    const now = this.now();
    const { perMinute, perUser } = this.settings;
    if ((await this.store.countCreation(maker.user, now)) > perMinute) {
      throw new LinkLimited(
        `You made more than ${perMinute} share links in a minute; wait a moment.`,
        Math.max(1, Math.ceil((60_000 - (now % 60_000)) / 1000)),
      );
    }
    const open = (await this.store.all()).filter((l) => l.createdBy === maker.user && linkState(l, now) === 'active');
    if (open.length >= perUser) {
      throw new LinkLimited(`You have ${open.length} share links open (at most ${perUser}); revoke one first.`, 60);
    }
  }

  /** Makes a link (after `admit`). The token is in this answer only: the gateway keeps its hash. */
  async make(
    maker: UserSession,
    target: LinkTarget,
    lifetimeMs: number,
    singleUse: boolean,
  ): Promise<{ link: StoredLink; token: LinkToken }> {
    const now = this.now();
    const token = newLinkToken();
    const link: StoredLink = {
      id: newLinkId(),
      tokenHash: linkTokenHash(token),
      ...target,
      createdBy: maker.user,
      creatorSession: maker.id,
      createdAt: now,
      expiresAt: now + lifetimeMs,
      singleUse,
    };
    await this.store.add(link);
    return { link, token };
  }

  /** The links `session` may see and revoke: its user's own; every link for pool admins. Newest first. */
  async visibleTo(session: UserSession): Promise<StoredLink[]> {
    const admin = roleAtLeast(session.role, 'pool-admin');
    const links = await this.store.all();
    return links.filter((l) => admin || l.createdBy === session.user).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Revokes a link `session` may see and returns it; undefined when it sees no such link. */
  async revoke(session: UserSession, id: string): Promise<StoredLink | undefined> {
    const link = await this.store.get(id);
    if (!link || (link.createdBy !== session.user && !roleAtLeast(session.role, 'pool-admin'))) return undefined;
    await this.store.mark(id, 'revoked', this.now(), session.user);
    return (await this.store.get(id)) ?? link;
  }

  /** The link a token opens, whatever its state; undefined for a token no link has. */
  forToken(token: LinkToken): Promise<StoredLink | undefined> {
    return this.store.byTokenHash(linkTokenHash(token));
  }

  /** Why `link` may not be used for this console now, if it may not. */
  refusal(link: StoredLink, kind: LinkConsoleKind, uuid: string): LinkRefusal | undefined {
    if (link.kind !== kind || link.uuid !== uuid) return 'otherConsole';
    const state = linkState(link, this.now());
    return state === 'active' ? undefined : state;
  }

  /** A single-use link is opened: false when someone else opened it first. */
  claim(link: StoredLink): Promise<boolean> {
    return this.store.claim(link.id, this.now());
  }

  get(id: string): Promise<StoredLink | undefined> {
    return this.store.get(id);
  }

  /** The maker's login ended: each of its links stops, on every instance. */
  async sessionEnded(sessionId: string): Promise<void> {
    const links = await this.store.all();
    const now = this.now();
    await Promise.all(
      links
        .filter((l) => l.creatorSession === sessionId && l.endedAt === undefined)
        .map((l) => this.store.mark(l.id, 'ended', now)),
    );
  }

  onChange(listener: (id: string, change: LinkChange) => void): void {
    this.store.onChange(listener);
  }

  view(link: StoredLink): ShareLinkView {
    return {
      id: link.id,
      console: { kind: link.kind, uuid: link.uuid },
      objectName: link.objectName,
      createdBy: link.createdBy,
      createdAt: new Date(link.createdAt).toISOString(),
      expiresAt: new Date(link.expiresAt).toISOString(),
      singleUse: link.singleUse,
      state: linkState(link, this.now()),
      ...(link.revokedBy === undefined ? {} : { revokedBy: link.revokedBy }),
    };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
