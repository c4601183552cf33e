import type { ConsoleCommand, ConsoleNotice, ConsoleViewer, ControlChange } from '@xwc/contracts';
import type { UserSession } from '../../auth/sessions.ts';
import { ConsoleError, type CloseKind } from '../close-codes.ts';
import { InputControl, isRefusal } from './input-control.ts';
import type { ViewerChannel, ViewerEnd } from './viewer-channel.ts';

/** One person's connection to a shared console. */
export interface SharedViewer {
  readonly id: string;
  readonly session: UserSession;
  readonly since: Date;
  readonly canControl: boolean;
  readonly canTake: boolean;
  readonly channel: ViewerChannel;
  viewOnly: boolean;
  /**
   * A guest watching through a share link: `session` is then the link maker's (the authority that may open the
   * upstream; the guest holds none). Guests join with `canControl` false, are listed as the link's, and are not sent
   * the guest OS's clipboard (it may hold what the screen does not show, such as a copied password).
   */
  readonly guest?: { readonly link: string; readonly sharedBy: string };
}

/** What every shared console (graphical or text) is told by its registry and tells it back. */
export interface RoomOptions {
  /** The pool's own idle timeout for this console, in seconds (0 = off), read when the upstream ends. */
  readonly poolIdleTimeout: (session: UserSession) => Promise<number>;
  /** The controller loses the keyboard after this long without input (0 = never). */
  readonly controlIdleMs: number;
  /** How long a console that went away (reboot, migration) is looked for before viewers are told it ended. */
  readonly reattachMs: number;
  /** A console change worth an audit line (hand-overs). */
  readonly onControl: (change: ControlChange, viewers: ReadonlyMap<string, SharedViewer>) => void;
  /** Every viewer has gone and the console is closed: the registry forgets it. */
  readonly onClosed: () => void;
  /** Presence across gateway instances: this console's local viewers out, the others' in. */
  readonly presence: {
    publish(viewers: readonly ConsoleViewer[]): void;
    remote(): readonly ConsoleViewer[];
  };
  /** How each viewer ended, for bookkeeping (caps, audit). */
  readonly onViewerEnd: (viewer: SharedViewer, end: ViewerEnd, inputEvents: number) => void;
}

/** A live connection to the console at the pool, whatever its protocol. */
export interface RoomUpstream {
  close(): void;
}

type State<U> =
  /** Opening the first connection to the pool; viewers wait with their sockets open. */
  | { readonly kind: 'connecting' }
  | { readonly kind: 'live'; readonly upstream: U }
  /** The console went away under the viewers (reboot, migration); looking for it again. */
  | { readonly kind: 'reattaching' }
  | { readonly kind: 'closed' };

/** The pool says a console is idle a little before our clock does: allow for the two clocks and the round trip. */
const IDLE_SLACK_MS = 1500;
/** While another of our own connections is letting go of the pool's single slot, a 503 is retried this long. */
const SLOT_HANDOVER_MS = 3000;
const TRANSIENT: readonly CloseKind[] = ['unavailable', 'unreachable', 'badUpstream', 'ended'];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * What a console shared by several viewers is, whatever it carries: its viewers and those holding it open without one,
 * input control (one keyboard holder), presence, the one upstream connection to the pool and its life — opened with
 * a member's session, re-attached under the viewers when the console moves (reboot, migration), closed with the reason
 * when the pool idles it out or it fails. Subclasses serve viewers from the upstream in their protocol.
 */
export abstract class ConsoleRoom<U extends RoomUpstream> {
  protected state: State<U> = { kind: 'connecting' };
  protected readonly viewers = new Map<string, SharedViewer>();
  protected readonly control: InputControl;
  protected readonly abort = new AbortController();
  /** The VM's or host's name, once an upstream connected. */
  objectName = '';
  private readonly inputCounts = new Map<string, number>();
  /** Logins keeping the console open without a viewer (a wall's thumbnail): they may open its upstream too. */
  private readonly holders = new Set<{ readonly session: UserSession }>();
  /** Viewers whose input waits for the upstream socket to drain. */
  private readonly paused = new Set<SharedViewer>();
  private readonly controlTimer: NodeJS.Timeout;
  private lastUpstreamInput = Date.now();
  private started = false;
  /** When the room's first connection may meet our own other connection still letting go of the pool's slot. */
  private slotBusyUntil = 0;

  constructor(
    readonly key: string,
    protected readonly options: RoomOptions,
  ) {
    this.control = new InputControl({ idleReleaseMs: options.controlIdleMs });
    this.controlTimer = setInterval(() => this.changed(this.control.tick()), 1000);
    this.controlTimer.unref();
  }

  get closed(): boolean {
    return this.state.kind === 'closed';
  }

  /** Holds a connection to the pool now (for a VM, its one slot under `limit_console_sessions`). */
  get connectedUp(): boolean {
    return this.state.kind === 'live';
  }

  join(viewer: SharedViewer): void {
    if (this.closed) return viewer.channel.end('goingAway');
    this.viewers.set(viewer.id, viewer);
    this.inputCounts.set(viewer.id, 0);
    this.start();
    viewer.channel.notify({
      type: 'welcome',
      viewer: viewer.id,
      canControl: viewer.canControl,
      canTake: viewer.canTake,
    });
    this.welcome(viewer);
    this.announce(this.control.join(viewer, viewer.viewOnly, this.keepKeyboardFrom(viewer)));
    if (this.state.kind === 'live') this.serve(viewer);
    else if (this.state.kind === 'reattaching') viewer.channel.notify({ type: 'upstream', state: 'reattaching' });
    this.broadcastPresence();
  }

  /**
   * Keeps the console open without a viewer, for as long as the returned release is not called: the same single
   * upstream a viewer would share, opened with `session` if nobody else's is there.
   */
  hold(session: UserSession): () => void {
    if (this.closed) return () => undefined;
    const holder = { session };
    this.holders.add(holder);
    this.start();
    return () => {
      if (this.holders.delete(holder) && this.viewers.size === 0 && this.holders.size === 0) this.shutdown();
    };
  }

  /** A viewer's text-frame command: the keyboard and watching only (others go to `otherCommand`). */
  command(viewer: SharedViewer, command: ConsoleCommand): void {
    const outcome = this.control.apply(viewer.id, command);
    if (outcome === undefined) return this.otherCommand(viewer, command);
    if (command.type === 'view-only') viewer.viewOnly = command.on;
    if (isRefusal(outcome)) return viewer.channel.notify({ type: 'refused', reason: outcome.refused });
    this.changed(outcome, true);
  }

  /** Ends every viewer (logout of all of them, shutdown, a failure) and the upstream. */
  close(kind: CloseKind, reason?: string): void {
    this.closing(kind);
    for (const viewer of [...this.viewers.values()]) viewer.channel.end(kind, reason);
    this.shutdown();
  }

  /** A viewer's socket ended (any cause). */
  leave(viewer: SharedViewer, end: ViewerEnd): void {
    if (!this.viewers.delete(viewer.id)) return;
    this.paused.delete(viewer);
    this.forget(viewer);
    const inputs = this.inputCounts.get(viewer.id) ?? 0;
    this.inputCounts.delete(viewer.id);
    this.announce(this.control.leave(viewer.id));
    this.options.onViewerEnd(viewer, end, inputs);
    if (this.viewers.size === 0 && this.holders.size === 0) {
      this.options.presence.publish([]);
      this.shutdown();
    } else this.broadcastPresence();
  }

  /** Tells every viewer who is on the console (here and on other instances), and the other instances who is here. */
  broadcastPresence(): void {
    const local = this.presence();
    this.options.presence.publish(local);
    const viewers = [...local, ...this.options.presence.remote()];
    this.broadcast({ type: 'presence', viewers, requests: [...this.control.requests] });
    this.presenceChanged(viewers);
  }

  protected presence(): ConsoleViewer[] {
    const controller = this.control.controller;
    return [...this.viewers.values()].map((v) => ({
      id: v.id,
      user: v.guest ? 'guest' : v.session.user,
      role: v.guest ? 'guest' : v.session.role,
      since: v.since.toISOString(),
      viewOnly: v.viewOnly,
      keyboard: v.id === controller,
      remote: false,
      ...(v.guest ? { via: v.guest.sharedBy } : {}),
    }));
  }

  protected broadcast(notice: ConsoleNotice): void {
    for (const viewer of this.viewers.values()) viewer.channel.notify(notice);
  }

  /** Announces keyboard changes, then (when any, or `always`) who is on the console now. */
  protected changed(changes: readonly ControlChange[], always = false): void {
    this.announce(changes);
    if (always || changes.length) this.broadcastPresence();
  }

  /** Tells every viewer of keyboard changes; presence (who has it now) follows from the caller. */
  private announce(changes: readonly ControlChange[]): void {
    for (const change of changes) {
      this.broadcast({ type: 'control', change });
      this.options.onControl(change, this.viewers);
      this.controlChanged(change);
    }
  }

  /**
   * A viewer's input: whether it goes to the guest (the keyboard holder's, while the console is live). `deliberate`
   * input (a key, a click) takes a free keyboard; a pointer merely passing over the screen does not.
   */
  protected admit(viewer: SharedViewer, deliberate: boolean): U | undefined {
    viewer.channel.noteInput();
    const { allowed, changes } = this.control.input(viewer.id, deliberate);
    this.changed(changes);
    return allowed && this.state.kind === 'live' ? this.state.upstream : undefined;
  }

  /** Counts input sent to the guest; `accepted` false (the pool's socket is full) pauses the viewer until it drains. */
  protected sent(viewer: SharedViewer, accepted: boolean, activity = true): void {
    if (activity) this.lastUpstreamInput = Date.now();
    this.inputCounts.set(viewer.id, (this.inputCounts.get(viewer.id) ?? 0) + 1);
    if (!accepted) {
      this.paused.add(viewer);
      viewer.channel.pauseInput();
    }
  }

  protected resumeInput(): void {
    for (const viewer of this.paused) viewer.channel.resumeInput();
    this.paused.clear();
  }

  /** The first member's session opens the upstream, once `before` (our own other connection letting go) is done. */
  private start(): void {
    if (this.started) return;
    this.started = true;
    void this.before().then((freed) => {
      if (freed) this.slotBusyUntil = Date.now() + SLOT_HANDOVER_MS;
      return this.attach(false);
    });
  }

  /** Connects (or re-connects) upstream; viewers stay. Failure ends every viewer with what went wrong. */
  private async attach(again: boolean): Promise<void> {
    const deadline = Date.now() + (again ? this.options.reattachMs : 0);
    let delay = 250;
    for (let attempt = 0; ; attempt++) {
      const session = this.sessionForUpstream(attempt);
      if (!session || this.closed) return this.shutdown();
      try {
        const upstream = await this.open(session);
        if (this.closed) return upstream.close();
        this.state = { kind: 'live', upstream };
        this.lastUpstreamInput = Date.now();
        this.connected(upstream);
        for (const viewer of this.viewers.values()) this.serve(viewer);
        this.resumeInput();
        if (again) this.broadcast({ type: 'upstream', state: 'live' });
        return;
      } catch (error) {
        if (this.closed) return;
        const failure = error instanceof ConsoleError ? error : new ConsoleError('internal');
        this.failed(error);
        const now = Date.now();
        const slotBusy = failure.kind === 'busy' && now < this.slotBusyUntil;
        const transient = again && TRANSIENT.includes(failure.kind);
        if (!slotBusy && (!transient || now >= deadline)) {
          return this.close(transient ? 'ended' : failure.kind, failure.reason);
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /**
   * The upstream ended: broken (`fault`: close the console), idle at the pool (tell viewers why), or moved (find it
   * again under the viewers).
   */
  protected async lost(upstream: U, fault?: CloseKind): Promise<void> {
    if (this.state.kind !== 'live' || this.state.upstream !== upstream) return;
    this.state = { kind: 'reattaching' };
    if (fault) return this.close(fault);
    // Viewers learn at once that keys no longer reach the guest: asking the pool for its idle timeout can take as long
    // as the pool takes to answer (a master moving).
    this.broadcast({ type: 'upstream', state: 'reattaching' });
    const session = this.sessionForUpstream(0);
    const idleFor = Date.now() - this.lastUpstreamInput;
    const timeout = session ? await this.options.poolIdleTimeout(session).catch(() => 0) : 0;
    if (this.closed) return;
    if (timeout > 0 && idleFor + IDLE_SLACK_MS >= timeout * 1000) return this.close('poolIdle');
    await this.attach(true);
  }

  /**
   * The controller's session opens connections; else the longest-present viewer's, then those holding the console
   * without a viewer (each try takes the next).
   */
  private sessionForUpstream(attempt: number): UserSession | undefined {
    const viewers = [...this.viewers.values()];
    const controller = viewers.find((v) => v.id === this.control.controller);
    const ordered = [
      ...(controller ? [controller, ...viewers.filter((v) => v !== controller)] : viewers),
      ...this.holders,
    ];
    return ordered[attempt % Math.max(1, ordered.length)]?.session;
  }

  protected shutdown(): void {
    if (this.closed) return;
    const previous = this.state;
    this.state = { kind: 'closed' };
    clearInterval(this.controlTimer);
    this.abort.abort();
    if (previous.kind === 'live') previous.upstream.close();
    this.ended();
    this.options.onClosed();
  }

  /** Opens the upstream with `session` (resolve, tunnel, protocol handshake); rejects with a ConsoleError. */
  protected abstract open(session: UserSession): Promise<U>;
  /** Starts serving a viewer from the live upstream (called once per viewer per upstream at most). */
  protected abstract serve(viewer: SharedViewer): void;

  /** Resolves once the pool's slot can be asked for; true when our own other connection just let go of it. */
  protected before(): Promise<boolean> {
    return Promise.resolve(false);
  }
  /** An upstream is now live (first connection or a re-attach), before viewers are served from it. */
  protected connected(_upstream: U): void {}
  /** An upstream could not be opened (before the retry decision). */
  protected failed(_error: unknown): void {}
  /** Extra things a joining viewer is told after `welcome`. */
  protected welcome(_viewer: SharedViewer): void {}
  /** Whether this joiner must not get the keyboard for arriving first (someone is expected to take it back). */
  protected keepKeyboardFrom(_viewer: SharedViewer): boolean {
    return false;
  }
  /** Commands input control does not handle. */
  protected otherCommand(_viewer: SharedViewer, _command: ConsoleCommand): void {}
  /** A viewer left: drop what was kept for it. */
  protected forget(_viewer: SharedViewer): void {}
  protected presenceChanged(_viewers: readonly ConsoleViewer[]): void {}
  protected controlChanged(_change: ControlChange): void {}
  /** The room is being closed with `kind` (before its viewers are ended). */
  protected closing(_kind: CloseKind): void {}
  /** The room has closed (its upstream too): release what the subclass holds. */
  protected ended(): void {}
}
