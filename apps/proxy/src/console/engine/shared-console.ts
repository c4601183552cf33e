import type { ConsoleCommand, ConsoleNotice, ConsoleViewer, ControlChange } from '@xwc/contracts';
import { Framebuffer, RfbSession, type InputMessage } from '@xwc/rfb';
import type { UserSession } from '../../auth/sessions.ts';
import type { CloseKind } from '../close-codes.ts';
import type { ConsoleTap } from './console-tap.ts';
import { ConsoleRoom, type RoomOptions, type SharedViewer } from './console-room.ts';
import { UpstreamFault } from './rfb-upstream.ts';
import type { ConnectUpstream, Upstream } from './upstream.ts';

export type { SharedViewer } from './console-room.ts';

export interface SharedConsoleOptions extends RoomOptions {
  readonly connect: ConnectUpstream;
  /** The upstream broke the protocol: for the audit and the log. */
  readonly onUpstreamFault: (reason: string) => void;
}

/** How long the keyboard is kept for a lone viewer moving onto the shared console (it rejoins at once). */
const KEYBOARD_RETURN_MS = 5000;

/**
 * One graphical console shared by every viewer on this gateway instance: one upstream connection decoding into one
 * framebuffer, one RFB server session per viewer reading from it, and input control deciding whose keys reach the
 * guest. Viewers keep their sockets across reboots and migrations while the upstream is re-attached beneath them.
 */
export class SharedConsole extends ConsoleRoom<Upstream> {
  readonly framebuffer = new Framebuffer(1, 1);
  private readonly sessions = new Map<string, RfbSession>();
  private desktopName = '';
  private clipboard: string | undefined;
  private readonly taps = new Set<ConsoleTap>();
  /** Notices every viewer gets now and on joining (the recording indicator), by type. */
  private readonly pinned = new Map<ConsoleNotice['type'], ConsoleNotice>();
  /** How the console was closed, for its taps (undefined: everyone left). */
  private endedAs: CloseKind | undefined;
  /** The login whose lone viewer had the keyboard before this console was shared: it gets it back on rejoining. */
  private keyboardFor: string | undefined;
  private readonly keyboardWait: NodeJS.Timeout | undefined;

  constructor(
    key: string,
    protected override readonly options: SharedConsoleOptions,
    /** Set when this console replaces one of our own direct connections: that viewer and the slot it is freeing. */
    private readonly replacing?: { readonly session: string; readonly freeing: Promise<void> },
  ) {
    super(key, options);
    this.keyboardFor = replacing?.session;
    if (replacing) {
      this.keyboardWait = setTimeout(() => {
        this.keyboardFor = undefined;
        this.changed(this.control.offerFirst(), true);
      }, KEYBOARD_RETURN_MS);
      this.keyboardWait.unref();
    }
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

  protected override welcome(viewer: SharedViewer): void {
    if (this.keyboardFor === viewer.session.id) {
      this.keyboardFor = undefined;
      clearTimeout(this.keyboardWait);
    }
    for (const notice of this.pinned.values()) viewer.channel.notify(notice);
  }

  protected override keepKeyboardFrom(): boolean {
    return this.keyboardFor !== undefined;
  }

  protected override otherCommand(viewer: SharedViewer, command: ConsoleCommand): void {
    if (command.type === 'secret') this.tellAll((t) => t.secret?.(viewer.id, command.on));
  }

  protected override forget(viewer: SharedViewer): void {
    this.sessions.get(viewer.id)?.close();
    this.sessions.delete(viewer.id);
  }

  protected override presenceChanged(viewers: readonly ConsoleViewer[]): void {
    this.tellAll((t) => t.presence?.(viewers));
  }

  protected override controlChanged(change: ControlChange): void {
    this.tellAll((t) => t.control?.(change));
  }

  /** Starts the RFB server session of a viewer once there is a screen to serve. */
  protected override serve(viewer: SharedViewer): void {
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
    const deliberate = message.type === 'pointer' ? message.mask !== 0 : message.type !== 'cut-text';
    const upstream = this.admit(viewer, deliberate);
    if (this.taps.size) {
      const who = this.presence().find((v) => v.id === viewer.id)!;
      this.tellAll((t) => t.input?.(who, message, upstream !== undefined));
    }
    if (!upstream) return;
    // What the console answers next is likely the echo: viewers are sent it first (TileGrid's echo window).
    this.framebuffer.inputSent();
    this.sent(viewer, upstream.send(message), message.type !== 'cut-text');
  }

  protected override before(): Promise<boolean> {
    return this.replacing ? this.replacing.freeing.then(() => true) : Promise.resolve(false);
  }

  protected override open(session: UserSession): Promise<Upstream> {
    return this.options.connect({
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
        ended: (end) => {
          if (this.state.kind !== 'live') return;
          if (end.kind === 'protocol') this.options.onUpstreamFault(end.reason);
          void this.lost(this.state.upstream, end.kind === 'protocol' ? 'badScreen' : undefined);
        },
      },
    });
  }

  protected override connected(upstream: Upstream): void {
    this.desktopName = upstream.name;
    this.objectName = upstream.objectName;
    for (const s of this.sessions.values()) s.setDesktopName(upstream.name);
    this.tellAll((t) => t.attached?.(this.framebuffer, this.desktopName));
  }

  protected override failed(error: unknown): void {
    if (error instanceof UpstreamFault) this.options.onUpstreamFault(error.detail);
  }

  protected override closing(kind: CloseKind): void {
    this.endedAs ??= kind;
  }

  private forEachSession(fn: (session: RfbSession) => void): void {
    for (const session of this.sessions.values()) fn(session);
  }

  protected override ended(): void {
    clearTimeout(this.keyboardWait);
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
    this.tellAll((t) => t.closed?.(this.endedAs));
    this.taps.clear();
  }
}
