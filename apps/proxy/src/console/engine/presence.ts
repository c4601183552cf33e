import type { ConsoleViewer } from '@xwc/contracts';

/** One instance's viewers of one console, as shared with the other instances. */
export interface PresenceEntry {
  readonly instance: string;
  readonly viewers: readonly ConsoleViewer[];
  /** When the instance last published it (ms since the epoch); stale entries are of a dead instance. */
  readonly at: number;
}

/** Where instances meet (Redis when REDIS_URL is set); fire-and-forget, failures only cost remote presence. */
export interface PresenceTransport {
  publish(key: string, entry: PresenceEntry): Promise<void>;
  remove(key: string, instance: string): Promise<void>;
  read(key: string): Promise<PresenceEntry[]>;
  /** Calls back with the console key whenever any instance published or removed its entry for it. */
  subscribe(onChange: (key: string) => void): void;
  close(): Promise<void>;
}

/** An instance republishes what it has this often, so that others can tell a live entry from a dead one. */
export const PRESENCE_HEARTBEAT_MS = 20_000;
/** Entries older than this belong to an instance that stopped (crashed, partitioned). */
export const PRESENCE_STALE_MS = 3 * PRESENCE_HEARTBEAT_MS;

/**
 * Who is on which console across gateway instances. Each instance publishes its own viewers per console and reads the
 * others' when told something changed; viewers then see everyone, with `remote` set for those on other instances.
 */
export class PresenceBoard {
  private readonly local = new Map<string, readonly ConsoleViewer[]>();
  private readonly remoteByKey = new Map<string, readonly ConsoleViewer[]>();
  private readonly heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly instance: string,
    private readonly transport: PresenceTransport | undefined,
    /** Remote viewers of a console this instance serves changed: re-announce its presence. */
    private readonly onRemoteChange: (key: string) => void,
  ) {
    if (!transport) return;
    transport.subscribe((key) => {
      if (this.local.has(key)) void this.refresh(key, transport);
    });
    this.heartbeat = setInterval(() => {
      for (const [key, viewers] of this.local) this.send(key, viewers);
    }, PRESENCE_HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** This instance's viewers of `key` changed (an empty list: none left). */
  publish(key: string, viewers: readonly ConsoleViewer[]): void {
    if (viewers.length === 0) {
      if (!this.local.delete(key)) return;
      this.remoteByKey.delete(key);
      void this.transport?.remove(key, this.instance).catch(() => undefined);
      return;
    }
    const first = !this.local.has(key);
    this.local.set(key, viewers);
    this.send(key, viewers);
    if (first && this.transport) void this.refresh(key, this.transport);
  }

  /** Viewers of `key` on other instances, as last read. */
  remote(key: string): readonly ConsoleViewer[] {
    return this.remoteByKey.get(key) ?? [];
  }

  /** Reads who is on `key` elsewhere right now (e.g. to say who holds a console the pool refused). */
  async elsewhere(key: string): Promise<readonly ConsoleViewer[]> {
    if (!this.transport) return [];
    const entries = await this.transport.read(key).catch(() => []);
    return this.fresh(entries);
  }

  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    await Promise.all([...this.local.keys()].map((key) => this.transport?.remove(key, this.instance)));
    await this.transport?.close();
  }

  private send(key: string, viewers: readonly ConsoleViewer[]): void {
    void this.transport?.publish(key, { instance: this.instance, viewers, at: Date.now() }).catch(() => undefined);
  }

  private async refresh(key: string, transport: PresenceTransport): Promise<void> {
    const entries = await transport.read(key).catch(() => undefined);
    if (!entries || !this.local.has(key)) return;
    this.remoteByKey.set(key, this.fresh(entries));
    this.onRemoteChange(key);
  }

  private fresh(entries: readonly PresenceEntry[]): ConsoleViewer[] {
    const now = Date.now();
    return entries
      .filter((e) => e.instance !== this.instance && now - e.at < PRESENCE_STALE_MS)
      .flatMap((e) => e.viewers.map((v) => ({ ...v, remote: true })));
  }
}
