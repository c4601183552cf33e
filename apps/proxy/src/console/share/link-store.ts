import type { LinkConsoleKind, LinkState } from '@xwc/contracts';

/** A share link as the gateway keeps it: the token only as its hash. */
export interface StoredLink {
  readonly id: string;
  readonly tokenHash: string;
  readonly kind: LinkConsoleKind;
  readonly uuid: string;
  /** The VM's or host's name when the link was made. */
  readonly objectName: string;
  readonly createdBy: string;
  /** The maker's login (its id in the session store): the authority that opens the console for the guests. */
  readonly creatorSession: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly singleUse: boolean;
  readonly usedAt?: number;
  readonly revokedAt?: number;
  readonly revokedBy?: string;
  /** When the maker's login was seen ending. */
  readonly endedAt?: number;
}

/** Why a link stopped: the first of revocation, its maker's logout, expiry; a single-use link once opened is `used`. */
export function linkState(link: StoredLink, now: number): LinkState {
  if (link.revokedAt !== undefined) return 'revoked';
  if (link.endedAt !== undefined) return 'ended';
  if (now >= link.expiresAt) return 'expired';
  if (link.singleUse && link.usedAt !== undefined) return 'used';
  return 'active';
}

/** A link is kept this long after it expires, so that its guests are told why rather than "no such link". */
export const LINK_RETENTION_MS = 3600_000;

/** How a link changed, announced to every instance (whose guests of it are then cut off). */
export type LinkChange = 'revoked' | 'ended';

/** Where links live: this process (one instance), or Redis (several instances see the same links at once). */
export interface LinkStore {
  add(link: StoredLink): Promise<void>;
  get(id: string): Promise<StoredLink | undefined>;
  byTokenHash(hash: string): Promise<StoredLink | undefined>;
  /** Every link still kept (active, or ended less than LINK_RETENTION_MS ago). */
  all(): Promise<StoredLink[]>;
  /** Marks a link revoked or ended (idempotent: the first mark stays) and tells every instance. */
  mark(id: string, change: LinkChange, at: number, by?: string): Promise<void>;
  /** Marks a single-use link used; false when it already was (one winner, across instances too). */
  claim(id: string, at: number): Promise<boolean>;
  /** Counts a link made by `user` in the current minute; returns the count so far, this one included. */
  countCreation(user: string, now: number): Promise<number>;
  /** Calls back with a link's id whenever any instance marked it. */
  onChange(listener: (id: string, change: LinkChange) => void): void;
  close(): Promise<void>;
}

export const minuteOf = (now: number): number => Math.floor(now / 60_000);

/** The default store: in process memory, forgotten at restart (links are short-lived), swept as they age out. */
export class MemoryLinkStore implements LinkStore {
  private readonly links = new Map<string, StoredLink>();
  private readonly byHash = new Map<string, string>();
  private readonly creations = new Map<string, number>();
  private readonly listeners: ((id: string, change: LinkChange) => void)[] = [];
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async add(link: StoredLink): Promise<void> {
    this.links.set(link.id, link);
    this.byHash.set(link.tokenHash, link.id);
  }

  async get(id: string): Promise<StoredLink | undefined> {
    return this.links.get(id);
  }

  async byTokenHash(hash: string): Promise<StoredLink | undefined> {
    const id = this.byHash.get(hash);
    return id === undefined ? undefined : this.links.get(id);
  }

  async all(): Promise<StoredLink[]> {
    this.sweep();
    return [...this.links.values()];
  }

  async mark(id: string, change: LinkChange, at: number, by?: string): Promise<void> {
    const link = this.links.get(id);
    if (!link) return;
    if ((change === 'revoked' ? link.revokedAt : link.endedAt) !== undefined) return;
    this.links.set(
      id,
      change === 'revoked'
        ? { ...link, revokedAt: at, ...(by === undefined ? {} : { revokedBy: by }) }
        : { ...link, endedAt: at },
    );
    for (const listener of this.listeners) listener(id, change);
  }

  async claim(id: string, at: number): Promise<boolean> {
    const link = this.links.get(id);
    if (!link || link.usedAt !== undefined) return false;
    this.links.set(id, { ...link, usedAt: at });
    return true;
  }

  async countCreation(user: string, now: number): Promise<number> {
    const key = `${minuteOf(now)}\0${user}`;
    const count = (this.creations.get(key) ?? 0) + 1;
    this.creations.set(key, count);
    return count;
  }

  onChange(listener: (id: string, change: LinkChange) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const link of [...this.links.values()]) {
      if (now < link.expiresAt + LINK_RETENTION_MS) continue;
      this.links.delete(link.id);
      this.byHash.delete(link.tokenHash);
    }
    const minute = minuteOf(now);
    for (const key of [...this.creations.keys()]) {
      if (Number(key.split('\0')[0]) < minute) this.creations.delete(key);
    }
  }
}
