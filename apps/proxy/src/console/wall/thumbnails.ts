import type { ConsoleCloseKind, WallConsoleKey, WallTileState } from '@xwc/contracts';
import type { UserSession } from '../../auth/sessions.ts';
import type { Logger } from '../../log.ts';
import { CLOSE } from '../close-codes.ts';
import type { SharedConsole } from '../engine/shared-console.ts';
import { thumbnail } from './thumbnail.ts';

/** What one page watching a console is told. */
export interface ThumbnailWatcher {
  readonly session: UserSession;
  state(key: WallConsoleKey, state: WallTileState, stopped?: { code: number; reason: string }): void;
  thumbnail(key: WallConsoleKey, png: Buffer): void;
}

export interface ThumbnailSettings {
  /** Share of one core thumbnails may take (percent): the refresh interval stretches to stay within it. */
  cpuPercent: number;
}

/** Refresh bounds: no faster than once a second (a glance, not a video), no slower than every 30 s. */
export const MIN_INTERVAL_MS = 1000;
export const MAX_INTERVAL_MS = 30_000;
/** How often due thumbnails are looked for. */
const TICK_MS = 250;
/** Cost of one thumbnail before any was measured (ms): about what 1024×768 → 320×240 takes. */
const FIRST_COST_MS = 5;

/** One console's thumbnail, made once for every page that watches it. */
interface Source {
  readonly key: WallConsoleKey;
  console: SharedConsole | undefined;
  untap: () => void;
  /** Each watcher's hold on the console (its session may open the upstream). */
  readonly watchers: Map<ThumbnailWatcher, () => void>;
  state: WallTileState;
  stopped?: { code: number; reason: string };
  /** The screen changed since the last thumbnail. */
  dirty: boolean;
  lastAt: number;
  png: Buffer | undefined;
}

/**
 * The console wall's thumbnails: one per console however many pages show it, made from the console's one shared
 * framebuffer (a tap) and never from a connection of its own. A console nobody views is opened through the engine
 * and held by the watching pages' sessions, as a viewer-less member; it is let go when the last page stops watching.
 *
 * Pacing: thumbnails of changed screens are remade every `intervalMs`, which the gateway sets from what making one
 * costs (measured) and how many consoles are watched, so that the wall takes about `cpuPercent` of one core:
 * interval = consoles × cost ÷ share, within 1 s … 30 s. Unchanged screens cost nothing.
 */
export class Thumbnails {
  private readonly sources = new Map<WallConsoleKey, Source>();
  private readonly rateListeners = new Set<(intervalMs: number) => void>();
  private costMs = FIRST_COST_MS;
  private interval = MIN_INTERVAL_MS;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly open: (key: WallConsoleKey) => SharedConsole,
    private readonly settings: ThumbnailSettings,
    private readonly log: Logger,
    /** Measures what a thumbnail costs (ms). */
    private readonly clock: () => number = () => performance.now(),
  ) {}

  get intervalMs(): number {
    return this.interval;
  }

  /** Called with the new interval whenever load changes it. */
  onRate(listener: (intervalMs: number) => void): () => void {
    this.rateListeners.add(listener);
    return () => this.rateListeners.delete(listener);
  }

  /** Starts sending `watcher` the console's state and thumbnails; returns the way to stop. */
  watch(key: WallConsoleKey, watcher: ThumbnailWatcher): () => void {
    let source = this.sources.get(key);
    if (!source) {
      source = {
        key,
        console: undefined,
        untap: () => undefined,
        watchers: new Map(),
        state: 'opening',
        dirty: false,
        lastAt: 0,
        png: undefined,
      };
      this.sources.set(key, source);
      this.attach(source);
    }
    const held = source;
    held.watchers.set(watcher, held.console?.hold(watcher.session) ?? (() => undefined));
    watcher.state(key, held.state, held.stopped);
    if (held.png && held.state === 'live') watcher.thumbnail(key, held.png);
    this.start();
    this.pace();
    return () => {
      const release = held.watchers.get(watcher);
      if (!release) return;
      held.watchers.delete(watcher);
      release();
      if (held.watchers.size === 0) this.forget(held);
    };
  }

  /** Opens a stopped console again for its watchers (the VM started, the pool's idle close was seen). */
  retry(key: WallConsoleKey): void {
    const source = this.sources.get(key);
    if (!source || source.state !== 'stopped') return;
    this.attach(source);
    for (const watcher of source.watchers.keys()) {
      source.watchers.set(watcher, source.console?.hold(watcher.session) ?? (() => undefined));
    }
  }

  close(): void {
    for (const source of [...this.sources.values()]) this.forget(source);
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** The console's shared engine (the one viewers share) and a tap on its screen. */
  private attach(source: Source): void {
    const console = this.open(source.key);
    source.console = console;
    source.stopped = undefined;
    this.setState(source, 'opening');
    // A console already live has a picture now; a fresh connection's first update is about to come (a thumbnail made
    // before it would be blank), so only that one waits for `updated`.
    let alreadyLive = true;
    source.untap = console.addTap({
      attached: () => {
        if (alreadyLive) {
          source.dirty = true;
          source.lastAt = 0;
        }
        this.setState(source, 'live');
      },
      updated: () => {
        source.dirty = true;
      },
      closed: (why) => this.stopped(source, why ?? 'ended'),
    });
    alreadyLive = false;
  }

  private stopped(source: Source, why: ConsoleCloseKind): void {
    if (source.console === undefined) return;
    source.console = undefined;
    source.png = undefined;
    source.stopped = { code: CLOSE[why].code, reason: CLOSE[why].reason };
    this.setState(source, 'stopped');
  }

  private setState(source: Source, state: WallTileState): void {
    source.state = state;
    for (const watcher of source.watchers.keys()) watcher.state(source.key, state, source.stopped);
  }

  private forget(source: Source): void {
    // Untapped first: letting go of the console may close it, which this source no longer needs to hear.
    source.untap();
    for (const release of source.watchers.values()) release();
    source.watchers.clear();
    source.console = undefined;
    this.sources.delete(source.key);
    this.pace();
  }

  private start(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.ticker.unref();
  }

  /**
   * Makes the thumbnails that are due, the longest-waiting first, within this tick's share of the CPU budget: a wall
   * of many consoles that all changed at once is spread over several ticks instead of holding up the event loop.
   */
  private tick(): void {
    if (this.sources.size === 0) {
      clearInterval(this.ticker);
      this.ticker = undefined;
      return;
    }
    const now = Date.now();
    const due = [...this.sources.values()]
      .filter((s) => s.dirty && s.state === 'live' && s.console && now - s.lastAt >= this.interval)
      .sort((a, b) => a.lastAt - b.lastAt);
    const budgetMs = (TICK_MS * this.settings.cpuPercent) / 100;
    let spentMs = 0;
    for (const source of due) {
      if (spentMs >= budgetMs) break;
      const started = this.clock();
      let png: Buffer;
      try {
        png = thumbnail(source.console!.framebuffer);
      } catch (error) {
        this.log.warn('a console thumbnail could not be made', { object: source.key, error });
        source.dirty = false;
        continue;
      } finally {
        spentMs += this.clock() - started;
      }
      this.costMs = 0.8 * this.costMs + 0.2 * (this.clock() - started);
      source.png = png;
      source.dirty = false;
      source.lastAt = now;
      for (const watcher of source.watchers.keys()) watcher.thumbnail(source.key, source.png);
    }
    this.pace();
  }

  /** Sets the interval from the measured cost and the number of consoles watched; tells pages when it moved. */
  private pace(): void {
    const wanted = (this.sources.size * this.costMs * 100) / this.settings.cpuPercent;
    const interval = Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.ceil(wanted / TICK_MS) * TICK_MS));
    if (Math.abs(interval - this.interval) < Math.max(TICK_MS, this.interval * 0.2)) return;
    this.interval = interval;
    for (const listener of this.rateListeners) listener(interval);
  }
}
