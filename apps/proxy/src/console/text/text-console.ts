import type { Duplex } from 'node:stream';
import type { ConsoleCommand, ConsoleNotice, ConsoleViewer, ControlChange } from '@xwc/contracts';
import type { UserSession } from '../../auth/sessions.ts';
import { ConsoleError, type CloseKind } from '../close-codes.ts';
import { InputControl, isRefusal } from '../engine/input-control.ts';
import type { SharedConsoleOptions, SharedViewer } from '../engine/shared-console.ts';
import type { ViewerEnd } from '../engine/viewer-channel.ts';
import { ConsoleBusy } from '../tunnel.ts';
import { OutputHistory } from './output-history.ts';

/** One live connection to a text console at the pool: the raw vt100 byte stream, both ways. */
export interface TextUpstream {
  readonly socket: Duplex;
  /** Console bytes that came with the tunnel's reply. */
  readonly initial: Buffer;
  /** The VM's or host's name in the pool, for audit lines. */
  readonly objectName: string;
}

/** Resolves the text console afresh with `session` and opens the CONNECT tunnel to it; rejects with a ConsoleError. */
export type ConnectText = (request: {
  readonly session: UserSession;
  readonly signal: AbortSignal;
}) => Promise<TextUpstream>;

export type TextConsoleOptions = Omit<SharedConsoleOptions, 'connect' | 'onUpstreamFault'> & {
  readonly connect: ConnectText;
};

type State =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'live'; readonly upstream: TextUpstream }
  | { readonly kind: 'reattaching' }
  | { readonly kind: 'closed' };

/** Console output a viewer may have waiting for its socket; beyond it, output for that viewer is skipped (and said). */
export const VIEWER_BACKLOG_BYTES = 256 * 1024;
/** The pool says a console is idle a little before our clock does: allow for the two clocks and the round trip. */
const IDLE_SLACK_MS = 1500;
/** A refusal of the pool's one slot may be our own graphical view of the VM letting go of it (a switch of views). */
const SLOT_HANDOVER_MS = 3000;
const TRANSIENT: readonly CloseKind[] = ['unavailable', 'unreachable', 'badUpstream', 'ended'];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** What a viewer that fell behind reads where output was skipped: CAN first ends any sequence cut in the middle. */
const skippedNote = (bytes: number): Buffer =>
  Buffer.from(
    `\x18\x1b[0m\r\n[${Math.ceil(bytes / 1024)} KiB of console output skipped: this browser fell behind]\r\n`,
    'latin1',
  );

/**
 * One text (vt100) console shared by every viewer on this gateway instance: one connection to the pool, its output
 * sent to every viewer as it comes (a viewer joining late first gets the recent output), and the same input control
 * as a graphical console: only the keyboard holder's bytes reach the guest. The gateway does not parse the stream;
 * what it holds is bounded (the recent output, and per viewer what its socket has not taken, past which that
 * viewer's output is skipped rather than the console slowed for everyone). Viewers keep their sockets across reboots
 * and migrations while the console is found again beneath them.
 */
export class SharedTextConsole {
  private state: State = { kind: 'connecting' };
  private readonly viewers = new Map<string, SharedViewer>();
  /** Viewers sent the recent output (their console is live): output goes to them from then on. */
  private readonly served = new Set<string>();
  /** Bytes skipped for each viewer that fell behind, told to it once it keeps up again. */
  private readonly skipped = new Map<string, number>();
  private readonly inputCounts = new Map<string, number>();
  private readonly control: InputControl;
  private readonly abort = new AbortController();
  private readonly history = new OutputHistory();
  private readonly paused = new Set<SharedViewer>();
  private readonly controlTimer: NodeJS.Timeout;
  private lastUpstreamInput = Date.now();
  private started = false;
  /** The VM's or host's name, once an upstream connected. */
  objectName = '';

  constructor(
    /** `vm/<uuid>/text` or `host/<uuid>/text`. */
    readonly key: string,
    private readonly options: TextConsoleOptions,
  ) {
    this.control = new InputControl({ idleReleaseMs: options.controlIdleMs });
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

  /** Holds the pool's connection for the VM now (its one slot under `limit_console_sessions`). */
  get live(): boolean {
    return this.state.kind === 'live';
  }

  join(viewer: SharedViewer): void {
    if (this.closed) return viewer.channel.end('goingAway');
    this.viewers.set(viewer.id, viewer);
    this.inputCounts.set(viewer.id, 0);
    viewer.channel.stream.on('data', (chunk: Buffer) => this.input(viewer, chunk));
    viewer.channel.notify({
      type: 'welcome',
      viewer: viewer.id,
      canControl: viewer.canControl,
      canTake: viewer.canTake,
    });
    this.announce(this.control.join(viewer, viewer.viewOnly));
    if (this.state.kind === 'live') this.serve(viewer);
    else if (this.state.kind === 'reattaching') viewer.channel.notify({ type: 'upstream', state: 'reattaching' });
    this.broadcastPresence();
    if (!this.started) {
      this.started = true;
      void this.attach(false);
    }
  }

  /** A viewer's text-frame command: the keyboard and watching only; others do not apply to a text console. */
  command(viewer: SharedViewer, command: ConsoleCommand): void {
    const outcome = this.control.apply(viewer.id, command);
    if (outcome === undefined) return;
    if (command.type === 'view-only') viewer.viewOnly = command.on;
    if (isRefusal(outcome)) return viewer.channel.notify({ type: 'refused', reason: outcome.refused });
    this.announce(outcome);
    this.broadcastPresence();
  }

  /** Ends every viewer (logout, shutdown, a failure) and the upstream. */
  close(kind: CloseKind, reason?: string): void {
    for (const viewer of [...this.viewers.values()]) viewer.channel.end(kind, reason);
    this.shutdown();
  }

  /** A viewer's socket ended (any cause). */
  leave(viewer: SharedViewer, end: ViewerEnd): void {
    if (!this.viewers.delete(viewer.id)) return;
    this.served.delete(viewer.id);
    this.skipped.delete(viewer.id);
    this.paused.delete(viewer);
    const inputs = this.inputCounts.get(viewer.id) ?? 0;
    this.inputCounts.delete(viewer.id);
    this.announce(this.control.leave(viewer.id));
    this.options.onViewerEnd(viewer, end, inputs);
    if (this.viewers.size === 0) {
      this.options.presence.publish([]);
      this.shutdown();
    } else this.broadcastPresence();
  }

  /** Tells every viewer who is on the console (here and on other instances), and the other instances who is here. */
  broadcastPresence(): void {
    const controller = this.control.controller;
    const local: ConsoleViewer[] = [...this.viewers.values()].map((v) => ({
      id: v.id,
      user: v.session.user,
      role: v.session.role,
      since: v.since.toISOString(),
      viewOnly: v.viewOnly,
      keyboard: v.id === controller,
      remote: false,
    }));
    this.options.presence.publish(local);
    const viewers = [...local, ...this.options.presence.remote()];
    this.broadcast({ type: 'presence', viewers, requests: [...this.control.requests] });
  }

  private broadcast(notice: ConsoleNotice): void {
    for (const viewer of this.viewers.values()) viewer.channel.notify(notice);
  }

  private announce(changes: readonly ControlChange[]): void {
    for (const change of changes) {
      this.broadcast({ type: 'control', change });
      this.options.onControl(change, this.viewers);
    }
  }

  /**
   * Starts a viewer's output: its first binary frame is the recent output (possibly empty), which also tells the
   * browser that the console is live.
   */
  private serve(viewer: SharedViewer): void {
    if (this.served.has(viewer.id) || !viewer.channel.open) return;
    this.served.add(viewer.id);
    viewer.channel.stream.write(this.history.replay());
  }

  private output(chunk: Buffer): void {
    this.history.add(chunk);
    for (const id of this.served) this.deliver(this.viewers.get(id)!, chunk);
  }

  /** Sends output to one viewer, unless its socket is that far behind: then it is skipped and, later, said so. */
  private deliver(viewer: SharedViewer, chunk: Buffer): void {
    const { stream } = viewer.channel;
    if (stream.writableLength >= VIEWER_BACKLOG_BYTES) {
      this.skipped.set(viewer.id, (this.skipped.get(viewer.id) ?? 0) + chunk.length);
      return;
    }
    const skipped = this.skipped.get(viewer.id);
    if (skipped) {
      this.skipped.delete(viewer.id);
      stream.write(skippedNote(skipped));
    }
    stream.write(chunk);
  }

  private input(viewer: SharedViewer, chunk: Buffer): void {
    viewer.channel.noteInput();
    const { allowed, changes } = this.control.input(viewer.id);
    if (changes.length) {
      this.announce(changes);
      this.broadcastPresence();
    }
    if (!allowed || this.state.kind !== 'live') return;
    this.lastUpstreamInput = Date.now();
    this.inputCounts.set(viewer.id, (this.inputCounts.get(viewer.id) ?? 0) + 1);
    if (!this.state.upstream.socket.write(chunk)) {
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
    const started = Date.now();
    const deadline = started + (again ? this.options.reattachMs : 0);
    let delay = 250;
    for (let attempt = 0; ; attempt++) {
      const session = this.sessionForUpstream(attempt);
      if (!session || this.closed) return this.shutdown();
      try {
        const upstream = await this.options.connect({ session, signal: this.abort.signal });
        if (this.closed) return void upstream.socket.destroy();
        this.go(upstream, again);
        return;
      } catch (error) {
        if (this.closed) return;
        const failure = error instanceof ConsoleError ? error : new ConsoleError('internal');
        const now = Date.now();
        const slotBusy = !again && error instanceof ConsoleBusy && now - started < SLOT_HANDOVER_MS;
        const transient = again && TRANSIENT.includes(failure.kind);
        if (!slotBusy && (!transient || now >= deadline)) {
          return this.close(transient ? 'ended' : failure.kind, failure.reason);
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /** The upstream is connected: its output flows to the viewers, and its end is followed. */
  private go(upstream: TextUpstream, again: boolean): void {
    this.state = { kind: 'live', upstream };
    this.objectName = upstream.objectName;
    this.lastUpstreamInput = Date.now();
    const { socket } = upstream;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      socket.destroy();
      void this.lost(upstream);
    };
    socket.on('data', (chunk: Buffer) => this.output(chunk));
    socket.on('drain', () => this.resumeInput());
    socket.on('end', end);
    socket.on('error', end);
    socket.on('close', end);
    if (upstream.initial.length) this.output(upstream.initial);
    for (const viewer of this.viewers.values()) this.serve(viewer);
    this.resumeInput();
    if (again) this.broadcast({ type: 'upstream', state: 'live' });
    socket.resume();
  }

  /** The upstream ended: idle at the pool (tell viewers why), or the console moved (find it again). */
  private async lost(upstream: TextUpstream): Promise<void> {
    if (this.state.kind !== 'live' || this.state.upstream !== upstream) return;
    this.state = { kind: 'reattaching' };
    const session = this.sessionForUpstream(0);
    const idleFor = Date.now() - this.lastUpstreamInput;
    const timeout = session ? await this.options.poolIdleTimeout(session).catch(() => 0) : 0;
    if (this.closed) return;
    if (timeout > 0 && idleFor + IDLE_SLACK_MS >= timeout * 1000) return this.close('poolIdle');
    this.broadcast({ type: 'upstream', state: 'reattaching' });
    await this.attach(true);
  }

  /** The controller's session opens connections; else the longest-present viewer's (each try takes the next). */
  private sessionForUpstream(attempt: number): UserSession | undefined {
    const viewers = [...this.viewers.values()];
    const controller = viewers.find((v) => v.id === this.control.controller);
    const ordered = controller ? [controller, ...viewers.filter((v) => v !== controller)] : viewers;
    return ordered[attempt % Math.max(1, ordered.length)]?.session;
  }

  private shutdown(): void {
    if (this.closed) return;
    const previous = this.state;
    this.state = { kind: 'closed' };
    clearInterval(this.controlTimer);
    this.abort.abort();
    if (previous.kind === 'live') previous.upstream.socket.destroy();
    this.options.onClosed();
  }
}
