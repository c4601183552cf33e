import type { ConsoleCommand, ConsoleNotice, ConsoleViewer, ControlChange } from '@xwc/contracts';
import { Framebuffer, RfbSession, type InputMessage } from '@xwc/rfb';
import type { UserSession } from '../../auth/sessions.ts';
import { ConsoleError, type CloseKind } from '../close-codes.ts';
import type { ConsoleTap } from './console-tap.ts';
import { InputControl, isRefusal, type Outcome } from './input-control.ts';
import { UpstreamFault } from './rfb-upstream.ts';
import type { ConnectUpstream, Upstream } from './upstream.ts';
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

export interface SharedConsoleOptions {
  readonly connect: ConnectUpstream;
  /** The pool's own idle timeout for this console, in seconds (0 = off), read when the upstream ends. */
  readonly poolIdleTimeout: (session: UserSession) => Promise<number>;
  /** The controller loses the keyboard after this long without input (0 = never). */
  readonly controlIdleMs: number;
  /** How long a console that went away (reboot, migration) is looked for before viewers are told it ended. */
  readonly reattachMs: number;
  /** A console change worth an audit line (hand-overs). */
  readonly onControl: (change: ControlChange, viewers: ReadonlyMap<string, SharedViewer>) => void;
  /** The upstream broke the protocol: for the audit and the log. */
  readonly onUpstreamFault: (reason: string) => void;
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

type State =
  /** Opening the first connection to the pool; viewers wait with their sockets open. */
  | { readonly kind: 'connecting' }
  | { readonly kind: 'live'; readonly upstream: Upstream }
  /** The console went away under the viewers (reboot, migration); looking for it again. */
  | { readonly kind: 'reattaching' }
  | { readonly kind: 'closed' };

/** The pool says a console is idle a little before our clock does: allow for the two clocks and the round trip. */
const IDLE_SLACK_MS = 1500;
/** How long the keyboard is kept for a lone viewer moving onto the shared console (it rejoins at once). */
const KEYBOARD_RETURN_MS = 5000;
/** While another of our own connections is letting go of the pool's single slot, a 503 is retried this long. */
const SLOT_HANDOVER_MS = 3000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * One console shared by every viewer on this gateway instance: one upstream connection decoding into one
 * framebuffer, one RFB server session per viewer reading from it, and input control deciding whose keys reach the
 * guest. Viewers keep their sockets across reboots and migrations while the upstream is re-attached beneath them.
 */
export class SharedConsole {
  readonly framebuffer = new Framebuffer(1, 1);
  private state: State = { kind: 'connecting' };
  private readonly viewers = new Map<string, SharedViewer>();
  private readonly sessions = new Map<string, RfbSession>();
  private readonly inputCounts = new Map<string, number>();
  private readonly control: InputControl;
  private readonly abort = new AbortController();
  private lastUpstreamInput = Date.now();
  private desktopName = '';
  /** The VM's or host's name, once an upstream connected. */
  objectName = '';
  private clipboard: string | undefined;
  private readonly taps = new Set<ConsoleTap>();
  /** Notices every viewer gets now and on joining (the recording indicator), by type. */
  private readonly pinned = new Map<ConsoleNotice['type'], ConsoleNotice>();
  /** Viewers whose input waits for the upstream socket to drain. */
  private readonly paused = new Set<SharedViewer>();
  private readonly controlTimer: NodeJS.Timeout;

  private started = false;
  /** Logins keeping the console open without a viewer (a wall's thumbnail): they may open its upstream too. */
  private readonly holders = new Set<{ readonly session: UserSession }>();
  /** How the console was closed, for its taps (undefined: everyone left). */
  private endedAs: CloseKind | undefined;
  /** When our own direct connection to this console let go of the pool's slot (0: there was none). */
  private slotFreedAt = 0;

  /** The login whose lone viewer had the keyboard before this console was shared: it gets it back on rejoining. */
  private keyboardFor: string | undefined;
  private readonly keyboardWait: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    private readonly options: SharedConsoleOptions,
    /** Set when this console replaces one of our own direct connections: that viewer and the slot it is freeing. */
    private readonly replacing?: { readonly session: string; readonly freeing: Promise<void> },
  ) {
    this.control = new InputControl({ idleReleaseMs: options.controlIdleMs });
    this.keyboardFor = replacing?.session;
    if (replacing) {
      this.keyboardWait = setTimeout(() => {
        this.keyboardFor = undefined;
        this.announce(this.control.offerFirst());
        this.broadcastPresence();
      }, KEYBOARD_RETURN_MS);
      this.keyboardWait.unref();
    }
    this.controlTimer = setInterval(() => {
      const changes = this.control.tick();
      if (changes.length === 0) return;
      this.announce(changes);
      this.broadcastPresence();
    }, 1000);
    this.controlTimer.unref();
  }

  get closed(): boolean {
    return this.state.kind === 'closed';
  }

  join(viewer: SharedViewer): void {
    if (this.closed) return viewer.channel.end('goingAway');
    this.viewers.set(viewer.id, viewer);
    this.start();
    this.inputCounts.set(viewer.id, 0);
    viewer.channel.notify({
      type: 'welcome',
      viewer: viewer.id,
      canControl: viewer.canControl,
      canTake: viewer.canTake,
    });
    const returning = this.keyboardFor === viewer.session.id;
    if (returning) {
      this.keyboardFor = undefined;
      clearTimeout(this.keyboardWait);
    }
    for (const notice of this.pinned.values()) viewer.channel.notify(notice);
    this.announce(this.control.join(viewer, viewer.viewOnly, this.keyboardFor !== undefined));
    if (this.state.kind === 'live') this.serve(viewer);
    else if (this.state.kind === 'reattaching') viewer.channel.notify({ type: 'upstream', state: 'reattaching' });
    this.broadcastPresence();
  }

  /** The first member's session opens the upstream, once our own direct connection (if any) has let go. */
  private start(): void {
    if (this.started) return;
    this.started = true;
    void (this.replacing?.freeing ?? Promise.resolve()).then(() => {
      if (this.replacing) this.slotFreedAt = Date.now();
      return this.attach(false);
    });
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

  /** Follows the console without viewing it (see ConsoleTap); told of the screen at once if there is one. */
  addTap(tap: ConsoleTap): () => void {
    this.taps.add(tap);
    if (this.state.kind === 'live') this.tell(tap, (t) => t.attached?.(this.framebuffer, this.desktopName));
    return () => this.taps.delete(tap);
  }

  /** Tells every viewer `notice` now, and every later viewer as it joins (replacing a pinned notice of its type). */
  pin(notice: ConsoleNotice): void {
    this.pinned.set(notice.type, notice);
    this.broadcast(notice);
  }

  /** Calls a tap's hook; a tap that throws is detached rather than allowed to break the console. */
  private tell(tap: ConsoleTap, call: (tap: ConsoleTap) => void): void {
    try {
      call(tap);
    } catch {
      this.taps.delete(tap);
    }
  }

  private tellAll(call: (tap: ConsoleTap) => void): void {
    for (const tap of [...this.taps]) this.tell(tap, call);
  }

  /** A viewer's text-frame command. */
  command(viewer: SharedViewer, command: ConsoleCommand): void {
    const { control } = this;
    let outcome: Outcome;
    switch (command.type) {
      case 'request-control':
        outcome = control.request(viewer.id);
        break;
      case 'withdraw-request':
        outcome = control.withdraw(viewer.id);
        break;
      case 'release-control':
        outcome = control.release(viewer.id);
        break;
      case 'take-control':
        outcome = control.take(viewer.id);
        break;
      case 'hand-over':
        outcome = control.handOver(viewer.id, command.to);
        break;
      case 'deny-control':
        outcome = control.deny(viewer.id, command.to);
        break;
      case 'view-only':
        viewer.viewOnly = command.on;
        outcome = control.setViewOnly(viewer.id, command.on);
        break;
      case 'secret':
        return this.tellAll((t) => t.secret?.(viewer.id, command.on));
    }
    if (isRefusal(outcome)) return viewer.channel.notify({ type: 'refused', reason: outcome.refused });
    this.announce(outcome);
    this.broadcastPresence();
  }

  /** Ends every viewer (logout of all of them, shutdown) and the upstream. */
  close(kind: CloseKind, reason?: string): void {
    this.endedAs ??= kind;
    for (const viewer of [...this.viewers.values()]) viewer.channel.end(kind, reason);
    this.shutdown();
  }

  /** A viewer's socket ended (any cause). */
  leave(viewer: SharedViewer, end: ViewerEnd): void {
    if (!this.viewers.delete(viewer.id)) return;
    this.sessions.get(viewer.id)?.close();
    this.sessions.delete(viewer.id);
    this.paused.delete(viewer);
    const inputs = this.inputCounts.get(viewer.id) ?? 0;
    this.inputCounts.delete(viewer.id);
    this.announce(this.control.leave(viewer.id));
    this.options.onViewerEnd(viewer, end, inputs);
    if (this.viewers.size === 0 && this.holders.size === 0) {
      this.options.presence.publish([]);
      this.shutdown();
    } else this.broadcastPresence();
  }

  private presence(): ConsoleViewer[] {
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

  /** Tells every viewer who is on the console (here and on other instances), and the other instances who is here. */
  broadcastPresence(): void {
    const local = this.presence();
    this.options.presence.publish(local);
    const viewers = [...local, ...this.options.presence.remote()];
    this.broadcast({ type: 'presence', viewers, requests: [...this.control.requests] });
    this.tellAll((t) => t.presence?.(viewers));
  }

  private broadcast(notice: ConsoleNotice): void {
    for (const viewer of this.viewers.values()) viewer.channel.notify(notice);
  }

  /** Tells every viewer of keyboard changes; presence (who has it now) follows from the caller. */
  private announce(changes: readonly ControlChange[]): void {
    for (const change of changes) {
      this.broadcast({ type: 'control', change });
      this.options.onControl(change, this.viewers);
      this.tellAll((t) => t.control?.(change));
    }
  }

  /** Starts the RFB server session of a viewer once there is a screen to serve. */
  private serve(viewer: SharedViewer): void {
    if (this.sessions.has(viewer.id) || !viewer.channel.open) return;
    const session = new RfbSession(viewer.channel.stream, {
      framebuffer: this.framebuffer,
      name: this.desktopName,
      version: '3.8',
      onReady: () => {
        if (this.clipboard !== undefined && !viewer.guest) session.sendCutText(this.clipboard);
      },
      onInput: (message) => this.input(viewer, message),
      onClosed: () => undefined,
      onProtocolError: (reason) => viewer.channel.end('badViewer', reason),
    });
    this.sessions.set(viewer.id, session);
  }

  private input(viewer: SharedViewer, message: InputMessage): void {
    viewer.channel.noteInput();
    const deliberate = message.type === 'pointer' ? message.mask !== 0 : message.type !== 'cut-text';
    const { allowed, changes } = this.control.input(viewer.id, deliberate);
    if (changes.length) {
      this.announce(changes);
      this.broadcastPresence();
    }
    const forwarded = allowed && this.state.kind === 'live';
    if (this.taps.size) {
      const who = this.presence().find((v) => v.id === viewer.id)!;
      this.tellAll((t) => t.input?.(who, message, forwarded));
    }
    if (!forwarded || this.state.kind !== 'live') return;
    const { upstream } = this.state;
    if (message.type !== 'cut-text') this.lastUpstreamInput = Date.now();
    this.inputCounts.set(viewer.id, (this.inputCounts.get(viewer.id) ?? 0) + 1);
    if (!upstream.send(message)) {
      this.paused.add(viewer);
      viewer.channel.pauseInput();
    }
  }

  private resumeInput(): void {
    for (const viewer of this.paused) viewer.channel.resumeInput();
    this.paused.clear();
  }

  /** Connects (or re-connects) upstream; viewers stay. Failure ends every viewer with what went wrong. */
  private async attach(again: boolean): Promise<void> {
    const deadline = Date.now() + (again ? this.options.reattachMs : 0);
    let delay = 250;
    for (let attempt = 0; ; attempt++) {
      const session = this.sessionForUpstream(attempt);
      if (!session || this.closed) return this.shutdown();
      try {
        const upstream = await this.options.connect({
          session,
          framebuffer: this.framebuffer,
          signal: this.abort.signal,
          events: {
            bell: () => this.forEachSession((s) => s.ringBell()),
            cutText: (text) => {
              this.clipboard = text;
              for (const [id, s] of this.sessions) if (!this.viewers.get(id)?.guest) s.sendCutText(text);
              this.tellAll((t) => t.guestClipboard?.(text));
            },
            updated: () => this.tellAll((t) => t.updated?.(this.framebuffer)),
            name: (name) => {
              this.desktopName = name;
              this.forEachSession((s) => s.setDesktopName(name));
            },
            drain: () => this.resumeInput(),
            ended: (end) => void this.lost(end),
          },
        });
        if (this.closed) return upstream.close();
        this.state = { kind: 'live', upstream };
        this.desktopName = upstream.name;
        this.objectName = upstream.objectName;
        this.lastUpstreamInput = Date.now();
        for (const s of this.sessions.values()) s.setDesktopName(upstream.name);
        for (const viewer of this.viewers.values()) this.serve(viewer);
        this.tellAll((t) => t.attached?.(this.framebuffer, this.desktopName));
        this.resumeInput();
        if (again) this.broadcast({ type: 'upstream', state: 'live' });
        return;
      } catch (error) {
        if (this.closed) return;
        const failure = error instanceof ConsoleError ? error : new ConsoleError('internal');
        if (error instanceof UpstreamFault) this.options.onUpstreamFault(error.detail);
        const now = Date.now();
        const slotBusy = failure.kind === 'busy' && now - this.slotFreedAt < SLOT_HANDOVER_MS;
        const transient = again && ['unavailable', 'unreachable', 'badUpstream', 'ended'].includes(failure.kind);
        if (!slotBusy && (!transient || now >= deadline)) {
          return this.close(transient ? 'ended' : failure.kind, failure.reason);
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /** The upstream ended: idle at the pool (tell viewers why), broken (close), or moved (find it again). */
  private async lost(end: { kind: 'closed' } | { kind: 'protocol'; reason: string }): Promise<void> {
    if (this.state.kind !== 'live') return;
    this.state = { kind: 'reattaching' };
    if (end.kind === 'protocol') {
      this.options.onUpstreamFault(end.reason);
      return this.close('badScreen');
    }
    const session = this.sessionForUpstream(0);
    const idleFor = Date.now() - this.lastUpstreamInput;
    const timeout = session ? await this.options.poolIdleTimeout(session).catch(() => 0) : 0;
    if (this.closed) return;
    if (timeout > 0 && idleFor + IDLE_SLACK_MS >= timeout * 1000) return this.close('poolIdle');
    this.broadcast({ type: 'upstream', state: 'reattaching' });
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

  private forEachSession(fn: (session: RfbSession) => void): void {
    for (const session of this.sessions.values()) fn(session);
  }

  private shutdown(): void {
    if (this.closed) return;
    const previous = this.state;
    this.state = { kind: 'closed' };
    clearInterval(this.controlTimer);
    clearTimeout(this.keyboardWait);
    this.abort.abort();
    if (previous.kind === 'live') previous.upstream.close();
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    this.tellAll((t) => t.closed?.(this.endedAs));
    this.taps.clear();
    this.options.onClosed();
  }
}
