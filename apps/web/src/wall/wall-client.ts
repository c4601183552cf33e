import { backoffDelay, CONSOLE_BACKOFF } from '../console/backoff.ts';
import {
  closeMeaning,
  parseWallNotice,
  reconnectsUnasked,
  readThumbnailFrame,
  type WallCommand,
  type WallConsoleKey,
  type WallNotice,
  type WallTileState,
} from '../shared/contracts.ts';
import { Store } from '../store/store.ts';

/**
 * The wall's one WebSocket (`/api/wall`): it tells the gateway which consoles are on screen and keeps each one's
 * state and newest thumbnail (as an object URL, the previous one revoked). Reconnects with backoff only after a close
 * whose shared policy says so (never after a refusal, a limit or a policy close such as a ping flood).
 */

export interface Tile {
  readonly state: WallTileState;
  /** The newest thumbnail (a blob: URL), kept while the console is live. */
  readonly url?: string;
  readonly code?: number;
  readonly reason?: string;
}

export interface WallStatus {
  readonly connected: boolean;
  /** How often thumbnails are refreshed now (the gateway's choice, by its load). */
  readonly intervalMs?: number;
  readonly maxConsoles: number;
  /** Why the wall is not (or not wholly) served. */
  readonly message?: string;
}

/** Whether a console stopped this way comes back once its VM runs: not running, no console yet, restarting. */
function comesBack(code: number): boolean {
  const { policy } = closeMeaning(code);
  return policy === 'wait-running' || policy === 'wait-console' || policy === 'reattach';
}
const AUTO_RETRY_MS = 10_000;
/** A replaced thumbnail's URL stays valid this long: the page may still be showing (or loading) it. */
const RETIRE_MS = 5000;

const retire = (url: string): void => void setTimeout(() => URL.revokeObjectURL(url), RETIRE_MS);

export class WallClient {
  readonly tiles = new Store<ReadonlyMap<WallConsoleKey, Tile>>(new Map());
  readonly status = new Store<WallStatus>({ connected: false, maxConsoles: 64 });
  private socket: WebSocket | undefined;
  private wanted: readonly WallConsoleKey[] = [];
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** When each console was last retried by `revive`. */
  private readonly revived = new Map<WallConsoleKey, number>();

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = undefined;
    for (const tile of this.tiles.get().values()) if (tile.url) URL.revokeObjectURL(tile.url);
    this.tiles.set(new Map());
  }

  /** The consoles on screen now (the gateway works on nothing else for this page). */
  watch(keys: readonly WallConsoleKey[]): void {
    this.wanted = keys;
    this.send({ type: 'watch', consoles: keys });
  }

  /** Opens a stopped console again. */
  retry(key: WallConsoleKey): void {
    this.send({ type: 'retry', console: key });
  }

  /**
   * Retries the consoles among `keys` that stopped because their VM was not running (or was restarting): they come
   * back by themselves once it runs. Each at most every AUTO_RETRY_MS, so a console that keeps failing is not hammered.
   */
  revive(keys: readonly WallConsoleKey[]): void {
    const now = Date.now();
    for (const key of keys) {
      const tile = this.tiles.get().get(key);
      if (tile?.state !== 'stopped' || !comesBack(tile.code ?? 0)) continue;
      if (now - (this.revived.get(key) ?? 0) < AUTO_RETRY_MS) continue;
      this.revived.set(key, now);
      this.retry(key);
    }
  }

  private send(command: WallCommand): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(command));
  }

  private connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/wall`);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.attempt = 0;
      this.send({ type: 'watch', consoles: this.wanted });
    });
    socket.addEventListener('message', (event: MessageEvent) => {
      if (socket !== this.socket) return;
      if (typeof event.data === 'string') {
        const notice = parseWallNotice(event.data);
        if (notice) this.onNotice(notice);
        return;
      }
      const frame = readThumbnailFrame(new Uint8Array(event.data as ArrayBuffer));
      if (frame) this.onThumbnail(frame.console, frame.png);
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.socket || this.stopped) return;
      this.socket = undefined;
      const meaning = closeMeaning(event.code, event.reason);
      if (!reconnectsUnasked(meaning.policy)) {
        this.status.set({ ...this.status.get(), connected: false, message: event.reason || meaning.message });
        return;
      }
      this.status.set({ ...this.status.get(), connected: false });
      this.timer = setTimeout(() => this.connect(), backoffDelay(this.attempt++, CONSOLE_BACKOFF));
    });
  }

  private onNotice(notice: WallNotice): void {
    switch (notice.type) {
      case 'hello': {
        const { maxConsoles, intervalMs } = notice;
        this.status.set({ connected: true, maxConsoles, intervalMs });
        return;
      }
      case 'rate':
        this.status.set({ ...this.status.get(), intervalMs: notice.intervalMs });
        return;
      case 'refused':
        this.status.set({ ...this.status.get(), message: notice.reason });
        return;
      case 'state': {
        const previous = this.tiles.get().get(notice.console);
        const live = notice.state === 'live';
        if (!live && previous?.url) retire(previous.url);
        this.update(notice.console, {
          state: notice.state,
          ...(live && previous?.url ? { url: previous.url } : {}),
          ...(notice.code === undefined ? {} : { code: notice.code }),
          ...(notice.reason === undefined ? {} : { reason: notice.reason }),
        });
        return;
      }
    }
  }

  private onThumbnail(key: WallConsoleKey, png: Uint8Array): void {
    const previous = this.tiles.get().get(key);
    if (previous?.url) retire(previous.url);
    const url = URL.createObjectURL(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }));
    this.update(key, { state: 'live', url });
  }

  private update(key: WallConsoleKey, tile: Tile): void {
    this.tiles.set((tiles) => new Map(tiles).set(key, tile));
  }
}
