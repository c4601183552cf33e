import type { WebSocket } from 'ws';
import {
  parseWallCommand,
  thumbnailFrame,
  type WallConsoleKey,
  type WallNotice,
  type WallTileState,
} from '@xwc/contracts';
import type { UserSession } from '../../auth/sessions.ts';
import { mayOpen } from '../access.ts';
import { CLOSE, truncateReason, type CloseKind } from '../close-codes.ts';
import type { ConsoleOwner } from '../resolve.ts';
import { guardSocket, type SocketGuardLimits } from '../ws-guards.ts';
import { THUMBNAIL_MAX } from './thumbnail.ts';
import type { ThumbnailWatcher, Thumbnails } from './thumbnails.ts';

/** Thumbnail bytes a page may leave unread before the next ones wait (only the newest per console is kept). */
const HIGH_WATER = 1024 * 1024;
/** How often a page that could not take its thumbnails is looked at again. */
const FLUSH_MS = 250;
/** How long a close handshake may take before the socket is simply destroyed. */
const CLOSE_GRACE_MS = 2000;

/**
 * One wall page's WebSocket: the page says which consoles are on its screen, and gets each one's state and
 * thumbnails. Consoles its user may not open are answered with the reason and never opened.
 */
export class WallPage implements ThumbnailWatcher {
  private readonly watching = new Map<WallConsoleKey, () => void>();
  /** The newest thumbnail of each console the socket could not take yet. */
  private readonly waiting = new Map<WallConsoleKey, Buffer>();
  private readonly guards: { stop(): void };
  private readonly flusher: NodeJS.Timeout;
  private readonly stopRate: () => void;
  private ended = false;

  constructor(
    private readonly ws: WebSocket,
    readonly session: UserSession,
    private readonly thumbnails: Thumbnails,
    private readonly options: { maxConsoles: number; limits: SocketGuardLimits },
    private readonly onEnd: () => void,
  ) {
    this.guards = guardSocket(ws, options.limits, (verdict) =>
      verdict === 'peer-gone' ? this.gone() : this.end(verdict),
    );
    ws.on('message', (data: Buffer, isBinary: boolean) => this.receive(data, isBinary));
    ws.on('close', () => this.gone());
    ws.on('error', () => this.gone());
    this.flusher = setInterval(() => this.flush(), FLUSH_MS);
    this.flusher.unref();
    this.stopRate = thumbnails.onRate((intervalMs) => this.notify({ type: 'rate', intervalMs }));
    this.notify({
      type: 'hello',
      width: THUMBNAIL_MAX.width,
      height: THUMBNAIL_MAX.height,
      maxConsoles: options.maxConsoles,
      intervalMs: thumbnails.intervalMs,
    });
  }

  state(key: WallConsoleKey, state: WallTileState, stopped?: { code: number; reason: string }): void {
    if (state !== 'live') this.waiting.delete(key);
    this.notify({ type: 'state', console: key, state, ...(state === 'stopped' && stopped ? stopped : {}) });
  }

  thumbnail(key: WallConsoleKey, png: Buffer): void {
    if (this.ended) return;
    this.waiting.set(key, png);
    this.flush();
  }

  /** Closes the page's socket with a console close code (logout, shutdown, a bad command). */
  end(kind: CloseKind, reason: string = CLOSE[kind].reason): void {
    if (this.ended) return;
    if (this.ws.readyState === this.ws.OPEN) {
      this.ws.close(CLOSE[kind].code, truncateReason(reason));
      setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
    } else this.ws.terminate();
    this.finish();
  }

  private flush(): void {
    for (const [key, png] of this.waiting) {
      if (this.ended || this.ws.readyState !== this.ws.OPEN || this.ws.bufferedAmount > HIGH_WATER) return;
      this.waiting.delete(key);
      this.ws.send(thumbnailFrame(key, png), { binary: true });
    }
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.ended) return;
    const command = isBinary ? undefined : parseWallCommand(data.toString('utf8'));
    if (!command) return this.end('badViewer', 'The page sent an unknown wall command.');
    if (command.type === 'retry') {
      if (this.watching.has(command.console)) this.thumbnails.retry(command.console);
      return;
    }
    const { maxConsoles } = this.options;
    if (command.consoles.length > maxConsoles) {
      return this.notify({
        type: 'refused',
        reason: `A wall shows at most ${maxConsoles} live consoles at once; scroll, or pick fewer.`,
      });
    }
    const wanted = new Set(command.consoles);
    for (const [key, stop] of this.watching) {
      if (wanted.has(key)) continue;
      stop();
      this.watching.delete(key);
      this.waiting.delete(key);
    }
    for (const key of wanted) {
      if (this.watching.has(key)) continue;
      if (!mayOpen(this.session, key.split('/')[0] as ConsoleOwner)) {
        this.state(key, 'stopped', { code: CLOSE.forbidden.code, reason: CLOSE.forbidden.reason });
        continue;
      }
      this.watching.set(key, this.thumbnails.watch(key, this));
    }
  }

  private notify(notice: WallNotice): void {
    if (!this.ended && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(notice));
  }

  /** The browser went away (or stopped answering pings). */
  private gone(): void {
    this.ws.terminate();
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.guards.stop();
    clearInterval(this.flusher);
    this.stopRate();
    for (const stop of this.watching.values()) stop();
    this.watching.clear();
    this.waiting.clear();
    this.onEnd();
  }
}
