import type { ConsoleViewer } from '@xwc/contracts';
import { SharedConsole, type SharedConsoleOptions } from './shared-console.ts';

/**
 * When a console goes through the engine:
 * - `on-demand`: a lone viewer is bridged byte for byte to the pool (the lightest path: no framebuffer); the second
 *   viewer, or a viewer who only watches, moves the console onto the engine, the first viewer rejoining at once.
 * - `always`: every console is shared through the engine from its first viewer.
 */
export type SharingPolicy = 'on-demand' | 'always';

/** A lone viewer's byte-for-byte console. */
export interface DirectConsole {
  /** The viewer's login (it keeps the keyboard when the console becomes shared). */
  readonly session: string;
  /** Closes it (the viewer rejoins the shared console) and resolves once the pool's slot is free. */
  evict(): Promise<void>;
  /** The lone viewer, as presence lists it. */
  viewer(): ConsoleViewer;
  /** Re-announces presence to the lone viewer (others joined on other instances). */
  announce(remote: readonly ConsoleViewer[]): void;
}

/** What else decides a console's route: a recorded console must be on the engine (only it can record). */
export interface RouteHooks {
  mustShare(key: string): boolean;
  /** A shared console was made (the recorder attaches here). */
  created(console: SharedConsole): void;
}

const NO_HOOKS: RouteHooks = { mustShare: () => false, created: () => undefined };

export type ConsoleRoute = { kind: 'direct'; release: () => void } | { kind: 'shared'; console: SharedConsole };

/**
 * Which consoles this instance has open, by console (`vm/<uuid>` or `host/<uuid>`), and how each is served. Decisions
 * are made synchronously so two viewers arriving together cannot both take the direct path.
 */
export class ConsoleHubs {
  private readonly direct = new Map<string, DirectConsole>();
  private readonly shared = new Map<string, SharedConsole>();

  constructor(
    private readonly policy: SharingPolicy,
    private readonly options: (key: string) => Omit<SharedConsoleOptions, 'onClosed'>,
    private readonly hooks: RouteHooks = NO_HOOKS,
  ) {}

  /**
   * Routes a new viewer: direct when it is alone and allowed to be, else to the console's shared engine (made here,
   * evicting a direct viewer of the same console if there is one). The caller joins the viewer at once.
   */
  route(key: string, wantsDirect: boolean, direct: () => DirectConsole): ConsoleRoute {
    const open = this.find(key);
    if (!open && wantsDirect && this.policy === 'on-demand' && !this.hooks.mustShare(key)) {
      const entry = direct();
      this.direct.set(key, entry);
      return { kind: 'direct', release: () => this.direct.get(key) === entry && this.direct.delete(key) };
    }
    return { kind: 'shared', console: this.engine(key) };
  }

  /**
   * The console's shared engine, made if need be (a viewer who only watches, a share-link guest, a thumbnail): a lone
   * viewer's direct connection is moved onto it, so the pool still sees one connection.
   */
  engine(key: string): SharedConsole {
    const existing = this.shared.get(key);
    if (existing && !existing.closed) return existing;
    const lone = this.direct.get(key);
    if (lone) this.direct.delete(key);
    const console = new SharedConsole(
      key,
      { ...this.options(key), onClosed: () => this.shared.get(key) === console && this.shared.delete(key) },
      lone ? { session: lone.session, freeing: lone.evict() } : undefined,
    );
    this.shared.set(key, console);
    this.hooks.created(console);
    return console;
  }

  /** How `key` is served on this instance right now, if at all. */
  find(
    key: string,
  ): { kind: 'direct'; console: DirectConsole } | { kind: 'shared'; console: SharedConsole } | undefined {
    const shared = this.shared.get(key);
    if (shared && !shared.closed) return { kind: 'shared', console: shared };
    const direct = this.direct.get(key);
    return direct ? { kind: 'direct', console: direct } : undefined;
  }
}
