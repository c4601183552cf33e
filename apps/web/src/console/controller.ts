import type RFB from '@novnc/novnc';
import { fetchSession } from '../api/endpoints.ts';
import { closeMeaning, parseConsoleCommand, type ConsoleCommand, type ConsoleNotice } from '../shared/contracts.ts';
import { Store } from '../store/store.ts';
import { backoffDelay, CONSOLE_BACKOFF } from './backoff.ts';
import { followChange, needsReattach, reattachedMessage, type Availability, type VmConsoleSnapshot } from './follow.ts';
import { HeldPicture } from './held-picture.ts';
import type { KeyStroke } from './keysyms.ts';
import { EarlyChannel, isTextFrame } from './channel.ts';
import { LatencyProbe } from './latency-probe.ts';
import { applyNotice, NO_PRESENCE, type ConsolePresence } from './presence.ts';

/**
 * One console view's connection logic, apart from React: it owns the WebSocket and the noVNC RFB instance, follows
 * the VM (power state, domid, host, console list), reconnects with capped backoff, keeps track of who is on the
 * console and who has the keyboard (the gateway's text frames), and publishes a small state for the view. The RFB
 * instance lives here, not in React state, so re-renders never tear it down.
 */

export type Phase =
  /** Loading noVNC or opening the socket. */
  | 'connecting'
  | 'connected'
  /** Waiting for the VM to run or to list a console; reconnects by itself. */
  | 'waiting'
  /** A reconnect is scheduled. */
  | 'retrying'
  /** Stopped; `manual` says whether a Reconnect button makes sense. */
  | 'stopped';

export interface ConsoleState {
  readonly phase: Phase;
  readonly message: string;
  readonly manual: boolean;
  /** A transient notice about what happened ("VM rebooted — console re-attached", "Alice took the keyboard"). */
  readonly notice?: { readonly text: string; readonly id: number; readonly tone?: 'ok' | 'info' | 'warning' };
  /** Who is on the console and who has the keyboard, once the gateway has said (it does on every connection). */
  readonly presence?: ConsolePresence;
  /** A change on the console that does not concern this viewer, for screen readers. */
  readonly announcement?: { readonly text: string; readonly id: number };
  /** Reconnecting at once because the gateway moved this view onto a shared console: nothing to show for it. */
  readonly rejoining?: boolean;
  readonly closeCode?: number;
  /** Median FramebufferUpdateRequest round trip, ms (see latency-probe.ts). */
  readonly latencyMs?: number;
  /** WebSocket open → RFB handshake done, ms. */
  readonly handshakeMs?: number;
  readonly nextRetryAt?: number;
  readonly desktopName?: string;
  /** The last text the server put on its clipboard. */
  readonly clipboard?: string;
  readonly sessionEnded?: boolean;
}

export interface ConsoleOptions {
  readonly url: string;
  /** noVNC, loaded on demand (a dynamic import, so it is in its own chunk). */
  readonly loadRfb: () => Promise<typeof RFB>;
  readonly onSessionEnded: (message: string) => void;
  readonly hostName: (ref: string) => string | undefined;
  readonly isHost: boolean;
  /** A socket already opened for this URL, to take over instead of opening one. */
  readonly takeEarly?: (url: string) => { socket: WebSocket; channel: EarlyChannel } | undefined;
  /** Measures the round trip with RFB requests (latency-probe.ts); false for a console that does not speak RFB. */
  readonly latency?: boolean;
}

/** How a paste ended: every character sent, or why it stopped early. */
export interface TypingOutcome {
  readonly sent: number;
  readonly stopped?: 'aborted' | 'disconnected' | 'stalled' | 'secret';
}

/**
 * Typing pace: a batch of characters, then a pause (about 500 characters a second, which guests keep up with), and
 * never more than `highWater` bytes waiting in the socket; a socket that does not drain for `stallMs` ends the paste.
 */
const TYPING = { batch: 8, pauseMs: 15, highWater: 16 * 1024, stallMs: 30_000, pollMs: 20 } as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the socket holds at most `limit` unsent bytes; false if it did not within the stall time or `live` ended. */
async function drained(socket: WebSocket, live: () => boolean, limit: number): Promise<boolean> {
  const deadline = Date.now() + TYPING.stallMs;
  while (socket.bufferedAmount > limit) {
    if (!live() || Date.now() > deadline || socket.readyState !== WebSocket.OPEN) return false;
    await sleep(TYPING.pollMs);
  }
  return true;
}

const NOTICE_ID = { next: 1 };
const PERSISTENT = [
  'notice',
  'clipboard',
  'desktopName',
  'latencyMs',
  'handshakeMs',
  'sessionEnded',
  'presence',
  'announcement',
] as const;
const REBOOT_WINDOW_MS = 30_000;
/** More rejoins than this within the window mean something is wrong: stop and offer Reconnect instead. */
const QUICK_REJOINS = 3;
const REJOIN_WINDOW_MS = 30_000;
/** The last picture stays over a rejoining view at most this long (the shared console may wait for the pool). */
const HOLD_PICTURE_MS = 10_000;

export class ConsoleController {
  readonly state = new Store<ConsoleState>({ phase: 'waiting', message: 'Preparing the console…', manual: false });

  private target: HTMLElement | undefined;
  private rfb: RFB | undefined;
  private socket: WebSocket | undefined;
  private probe: LatencyProbe | undefined;
  private generation = 0;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private availability: Availability = { state: 'unknown' };
  private seen: VmConsoleSnapshot | undefined;
  private connectedFor: VmConsoleSnapshot | undefined;
  private pendingNotice: string | undefined;
  /** When the VM was last seen leaving the Running state (a restart seen as halt + start is still a reboot). */
  private stoppedAt = 0;
  private viewOnly = false;
  /** Whether the gateway knows this connection as watching only (from its URL, then the commands sent). */
  private gatewayViewOnly = false;
  /** The gateway greeted this connection: it speaks presence and follows the console across reboots itself. */
  private welcomed = false;
  /** When the gateway last re-attached the console under this view (its `upstream: live`). */
  private reattachedAt = 0;
  private rejoins: number[] = [];
  /** noVNC's screen element of the current connection, kept for a rejoin (see held-picture.ts). */
  private screen: Element | undefined;
  private readonly held = new HeldPicture();
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  /** The console had the keyboard focus (removing noVNC's screen on a close does not count as leaving it). */
  private screenFocused = false;
  private scale = true;
  private disposed = false;

  constructor(private readonly options: ConsoleOptions) {}

  /** The element noVNC draws into; set once, before the first connect. */
  attach(target: HTMLElement): void {
    this.target = target;
    this.disposed = false;
    target.addEventListener('focusin', this.onFocusIn);
    target.addEventListener('focusout', this.onFocusOut);
    this.maybeConnect();
  }

  dispose(): void {
    this.disposed = true;
    this.teardown();
    this.dropHeldPicture();
    clearTimeout(this.retryTimer);
    this.target?.removeEventListener('focusin', this.onFocusIn);
    this.target?.removeEventListener('focusout', this.onFocusOut);
  }

  private readonly onFocusIn = (): void => {
    this.screenFocused = true;
  };

  private readonly onFocusOut = (event: Event): void => {
    if ((event as FocusEvent).relatedTarget) {
      this.screenFocused = false;
      return;
    }
    // Focus went nowhere: a click outside, or noVNC taking its screen out as its socket closes (Chrome fires focusout
    // for that too). Decide once the close, if that is what it was, has been handled: a rejoin keeps the keys.
    setTimeout(() => {
      if (!this.state.get().rejoining) this.screenFocused = false;
    });
  };

  /** Called with the VM as the cache has it now; decides whether to connect, re-attach, wait or stop. */
  update(availability: Availability, snapshot: VmConsoleSnapshot): void {
    const previous = this.seen;
    this.seen = snapshot;
    this.availability = availability;
    const event = previous ? followChange(previous, snapshot) : undefined;
    if (event?.kind === 'stopped' && previous?.powerState === 'Running') this.stoppedAt = Date.now();

    // Decide what to tell the user before anything else: a reboot often shows as several updates (consoles gone,
    // new domid, consoles back), and the message belongs to the attach that follows the last of them.
    if (event?.kind === 'stopped') this.pendingNotice = undefined;
    else if (event && event.kind !== 'none') {
      const restarted = event.kind === 'started' && Date.now() - this.stoppedAt < REBOOT_WINDOW_MS;
      const message = restarted
        ? this.options.isHost
          ? 'Server restarted — console re-attached'
          : 'VM rebooted — console re-attached'
        : reattachedMessage(event, this.options.hostName);
      if (message) this.pendingNotice = message;
    }
    const phase = this.state.get().phase;
    if ((phase === 'connected' || phase === 'connecting') && this.welcomed) {
      // The gateway follows the console itself, whatever the record says meanwhile (a reboot lists no console for a
      // moment): it re-attaches a shared console under its viewers (`upstream` notices), and closes a direct one, or
      // one whose VM stopped, with a code that says what next. Say what happened if it has already re-attached.
      this.connectedFor = snapshot;
      if (this.pendingNotice && this.state.get().presence?.upstream === 'live' && this.recentlyReattached()) {
        this.patch({ notice: { text: this.pendingNotice, id: NOTICE_ID.next++ } });
        this.pendingNotice = undefined;
      }
      return;
    }
    if (availability.state !== 'ready') {
      this.stopFor(availability);
      return;
    }
    if (phase === 'connected' || phase === 'connecting') {
      // Connected before the VM's record was known: the connection is to the console the record now lists.
      if (!this.connectedFor) {
        this.connectedFor = snapshot;
        return;
      }
      const stale = needsReattach(followChange(this.connectedFor, snapshot));
      if (stale) this.reconnect(0);
      return;
    }
    if (phase === 'waiting' || (phase === 'retrying' && event && needsReattach(event))) this.reconnect(0);
    else if (phase === 'stopped' && event && needsReattach(event) && !this.state.get().sessionEnded) this.reconnect(0);
  }

  /** The Reconnect button, or a resumed session. */
  reconnectNow(): void {
    this.attempt = 0;
    this.rejoins = [];
    const { sessionEnded: _ended, ...rest } = this.state.get();
    this.state.set(rest);
    if (this.canConnect()) this.reconnect(0);
    else this.stopFor(this.availability);
  }

  // ---- input ---------------------------------------------------------------------------------------------------

  sendStrokes(strokes: readonly KeyStroke[]): boolean {
    const rfb = this.connectedRfb();
    if (!rfb) return false;
    for (const s of strokes) rfb.sendKey(s.keysym, s.code, s.down);
    return true;
  }

  sendCtrlAltDel(): boolean {
    const rfb = this.connectedRfb();
    if (!rfb) return false;
    rfb.sendCtrlAltDel();
    return true;
  }

  /**
   * Types characters (each as its key strokes, in order), paced so guests do not drop keys, and held back while the
   * socket has not sent what it has (the gateway stops reading when the console does). With `secret`, the gateway is
   * told first to keep this input out of recordings and the audit log; nothing is typed if it cannot be told.
   * Stops early when `signal` aborts, the connection drops or the socket stays full.
   */
  async typeKeys(
    characters: readonly (readonly KeyStroke[])[],
    onProgress: (done: number, total: number) => void,
    signal: AbortSignal,
    secret = false,
  ): Promise<TypingOutcome> {
    const generation = this.generation;
    const socket = this.socket;
    if (!socket || !this.connectedRfb()) return { sent: 0, stopped: 'disconnected' };
    if (secret && !this.command({ type: 'secret', on: true })) return { sent: 0, stopped: 'secret' };
    const live = () => !signal.aborted && generation === this.generation;
    const ended = () => (signal.aborted ? 'aborted' : 'disconnected');
    let sent = 0;
    try {
      while (sent < characters.length) {
        if (!live()) return { sent, stopped: ended() };
        if (!(await drained(socket, live, TYPING.highWater))) return { sent, stopped: live() ? 'stalled' : ended() };
        const batch = characters.slice(sent, sent + TYPING.batch);
        for (const strokes of batch) if (!this.sendStrokes(strokes)) return { sent, stopped: 'disconnected' };
        sent += batch.length;
        onProgress(sent, characters.length);
        await sleep(TYPING.pauseMs);
      }
      return { sent };
    } finally {
      // The keys go first, so that the gateway sees them all before the secret ends.
      if (secret && generation === this.generation && (await drained(socket, () => true, 0)))
        this.command({ type: 'secret', on: false });
    }
  }

  pasteToClipboard(text: string): boolean {
    const rfb = this.connectedRfb();
    if (!rfb) return false;
    rfb.clipboardPasteFrom(text);
    return true;
  }

  /**
   * Watch only: noVNC sends no input, the gateway never gives this viewer the keyboard, and every later connection
   * asks for that in its URL (`?view=only`). A lone viewer's direct console answers by moving it onto a shared one.
   */
  setViewOnly(viewOnly: boolean): void {
    if (viewOnly === this.viewOnly) return;
    this.viewOnly = viewOnly;
    if (this.rfb) this.rfb.viewOnly = viewOnly;
    this.command({ type: 'view-only', on: viewOnly });
  }

  // ---- the keyboard on a shared console (each returns whether the command was sent) ------------------------------

  requestControl(): boolean {
    return this.command({ type: 'request-control' });
  }

  withdrawRequest(): boolean {
    return this.command({ type: 'withdraw-request' });
  }

  releaseControl(): boolean {
    return this.command({ type: 'release-control' });
  }

  /** Pool admins: take the keyboard from whoever has it. */
  takeControl(): boolean {
    return this.command({ type: 'take-control' });
  }

  handOver(viewer: string): boolean {
    return this.command({ type: 'hand-over', to: viewer });
  }

  denyControl(viewer: string): boolean {
    return this.command({ type: 'deny-control', to: viewer });
  }

  setScale(scale: boolean): void {
    this.scale = scale;
    if (this.rfb) this.rfb.scaleViewport = scale;
  }

  focus(): void {
    this.rfb?.focus({ preventScroll: true });
  }

  blur(): void {
    this.rfb?.blur();
  }

  screenshot(): Promise<Blob | undefined> {
    const rfb = this.connectedRfb();
    if (!rfb) return Promise.resolve(undefined);
    return new Promise((resolve) => rfb.toBlob((blob) => resolve(blob ?? undefined), 'image/png'));
  }

  dismissNotice(): void {
    const { notice: _notice, ...rest } = this.state.get();
    this.state.set(rest);
  }

  // ---- connection ----------------------------------------------------------------------------------------------

  /** The console URL for the next connection: watching only is asked for up front, so it holds from the start. */
  private url(): string {
    return this.viewOnly ? `${this.options.url}?view=only` : this.options.url;
  }

  /** Sends a presence/control command, only to a gateway that greeted this connection and only in a shape it takes. */
  private command(command: ConsoleCommand): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || !this.welcomed) return false;
    const text = JSON.stringify(command);
    // The gateway closes a viewer that sends anything else (4400): check with the contract's own parser.
    if (!parseConsoleCommand(text)) return false;
    socket.send(text);
    if (command.type === 'view-only') this.gatewayViewOnly = command.on;
    return true;
  }

  private onNotice(notice: ConsoleNotice): void {
    const before = this.state.get().presence ?? NO_PRESENCE;
    const { presence, note } = applyNotice(before, notice);
    const change: { -readonly [K in keyof ConsoleState]?: ConsoleState[K] } = { presence };
    if (note?.mine) change.notice = { text: note.text, id: NOTICE_ID.next++, tone: note.tone };
    else if (note) change.announcement = { text: note.text, id: NOTICE_ID.next++ };
    if (notice.type === 'upstream' && notice.state === 'live' && before.upstream === 'reattaching') {
      this.reattachedAt = Date.now();
      const text = this.pendingNotice ?? 'The console is back — re-attached';
      this.pendingNotice = undefined;
      change.notice = { text, id: NOTICE_ID.next++ };
    }
    this.patch(change);
    if (notice.type === 'welcome') {
      this.welcomed = true;
      // Watching only was switched while this connection was being opened.
      if (this.viewOnly !== this.gatewayViewOnly) this.command({ type: 'view-only', on: this.viewOnly });
    }
  }

  private recentlyReattached(): boolean {
    return Date.now() - this.reattachedAt < REBOOT_WINDOW_MS;
  }

  private connectedRfb(): RFB | undefined {
    return this.state.get().phase === 'connected' ? this.rfb : undefined;
  }

  private canConnect(): boolean {
    return this.availability.state === 'ready' || this.availability.state === 'unknown';
  }

  private maybeConnect(): void {
    if (this.canConnect() && !this.socket && this.state.get().phase !== 'stopped') this.reconnect(0);
  }

  private stopFor(availability: Availability): void {
    clearTimeout(this.retryTimer);
    this.teardown();
    this.forgetConnection();
    switch (availability.state) {
      case 'not-running':
        this.set({
          phase: 'waiting',
          manual: false,
          message: this.options.isHost
            ? 'The server is not reachable, so its console is unavailable.'
            : availability.powerState === 'Suspended'
              ? 'This VM is suspended.'
              : availability.powerState === 'Paused'
                ? 'This VM is paused.'
                : 'This VM is shut down.',
        });
        break;
      case 'disabled':
        this.set({
          phase: 'stopped',
          manual: false,
          message:
            'This VM has no console: other_config:disable_pv_vnc is set, so XAPI starts no VNC console for it. ' +
            'Remove the key in the Extensions tab and restart the VM to get the console back.',
        });
        break;
      case 'no-console':
        this.set({ phase: 'waiting', manual: false, message: 'Looking for the console…' });
        break;
      case 'ready':
      case 'unknown':
        break;
    }
  }

  private reconnect(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.teardown();
    if (this.disposed) return;
    if (delayMs <= 0) {
      void this.connect();
      return;
    }
    const at = Date.now() + delayMs;
    this.patch({ phase: 'retrying', nextRetryAt: at });
    this.retryTimer = setTimeout(() => void this.connect(), delayMs);
  }

  /** Ends the current connection on purpose: its late events are ignored from now on. */
  private teardown(): void {
    this.generation++;
    this.release();
  }

  /** Lets go of the probe, noVNC and the socket (closing a socket noVNC never took over). */
  private release(): void {
    this.probe?.dispose();
    this.probe = undefined;
    const rfb = this.rfb;
    const socket = this.socket;
    this.rfb = undefined;
    this.socket = undefined;
    this.welcomed = false;
    if (rfb) {
      try {
        rfb.disconnect();
      } catch {
        // noVNC has already cleaned up.
      }
    } else if (socket && socket.readyState <= WebSocket.OPEN) {
      socket.close(1000);
    }
  }

  private async connect(): Promise<void> {
    if (this.disposed || !this.target) return;
    const generation = ++this.generation;
    this.connectedFor = this.seen;
    const { rejoining, presence } = this.state.get();
    this.set({
      phase: 'connecting',
      manual: false,
      message: this.attempt === 0 ? 'Connecting to the console…' : `Reconnecting (attempt ${this.attempt + 1})…`,
      // A rejoin keeps showing who was on the console until the gateway says who is now.
      ...(rejoining ? { rejoining, presence } : { presence: undefined }),
    });
    // The socket opens while noVNC loads: the gateway's console lookup and the host's CONNECT overlap the download.
    // A console window's first socket was opened as the page started (preconnect.ts); later ones are opened here.
    const url = this.url();
    const early = this.options.takeEarly?.(url);
    if (!early) performance.mark('xwc:console-socket');
    const socket = early?.socket ?? new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    const channel = early?.channel ?? new EarlyChannel(socket);
    this.socket = socket;
    this.gatewayViewOnly = this.viewOnly;
    channel.onnotice = (notice) => {
      if (generation === this.generation) this.onNotice(notice);
    };
    let opened = socket.readyState === WebSocket.OPEN;
    let openedAt = performance.now();
    let closed = false;
    let handshakeDone = false;
    socket.addEventListener('open', () => {
      opened = true;
      openedAt = performance.now();
      performance.mark('xwc:console-open');
    });
    socket.addEventListener('close', (event) => {
      closed = true;
      if (generation !== this.generation) return;
      this.onClosed(event.code, event.reason, opened, handshakeDone);
    });
    if (this.options.latency !== false) {
      this.probe = new LatencyProbe(socket, (ms) => {
        if (generation === this.generation) this.patch({ latencyMs: Math.round(ms) });
      });
    }

    let RfbClass: typeof RFB;
    try {
      RfbClass = await this.options.loadRfb();
    } catch {
      if (generation !== this.generation) return;
      this.teardown();
      this.set({ phase: 'stopped', manual: true, message: 'The console viewer could not be loaded. Reload the page.' });
      return;
    }
    // Superseded, disposed, or already closed (the close handler has decided what comes next).
    if (generation !== this.generation || this.disposed || closed) return;

    performance.mark('xwc:console-viewer');
    const rfb = new RfbClass(this.target, channel as unknown as WebSocket, { shared: true });
    this.rfb = rfb;
    // noVNC has just added its screen element; a rejoin puts it back for a moment after noVNC removes it.
    this.screen = this.target.lastElementChild ?? undefined;
    rfb.scaleViewport = this.scale;
    rfb.viewOnly = this.viewOnly;
    rfb.focusOnClick = true;
    rfb.showDotCursor = true;
    rfb.background = 'transparent';

    rfb.addEventListener('connect', () => {
      if (generation !== this.generation) return;
      handshakeDone = true;
      performance.mark('xwc:console-connected');
      this.attempt = 0;
      this.probe?.start();
      if (this.held.active) this.dropHeldPictureOnFirstFrame(socket, generation);
      if (this.state.get().rejoining && this.screenFocused) rfb.focus({ preventScroll: true });
      const notice = this.pendingNotice;
      this.pendingNotice = undefined;
      this.set({
        phase: 'connected',
        manual: false,
        message: 'Connected',
        ...(opened ? { handshakeMs: Math.round(performance.now() - openedAt) } : {}),
        ...(notice ? { notice: { text: notice, id: NOTICE_ID.next++ } } : {}),
      });
    });
    rfb.addEventListener('clipboard', (event) => {
      if (generation === this.generation) this.patch({ clipboard: event.detail.text });
    });
    rfb.addEventListener('desktopname', (event) => {
      if (generation === this.generation) this.patch({ desktopName: event.detail.name });
    });
    rfb.addEventListener('securityfailure', (event) => {
      if (generation !== this.generation) return;
      this.generation++;
      this.set({
        phase: 'stopped',
        manual: true,
        message: `The console server refused the connection${event.detail.reason ? `: ${event.detail.reason}` : ''}.`,
      });
    });
    rfb.addEventListener('credentialsrequired', () => {
      if (generation !== this.generation) return;
      this.teardown();
      this.set({
        phase: 'stopped',
        manual: true,
        message: 'The console server asks for a password, which XAPI consoles never do. Check the pool.',
      });
    });
  }

  private onClosed(code: number, reason: string, opened: boolean, handshakeDone: boolean): void {
    this.release();
    const meaning = closeMeaning(code, reason);
    this.patch({ closeCode: code });
    if (meaning.policy === 'rejoin') {
      this.rejoin(meaning.message);
      return;
    }
    this.forgetConnection();

    if (!opened) {
      // Refused before the upgrade: the browser hides the HTTP status (401, 403, 429…). Find out whether the
      // session is still valid before retrying.
      void fetchSession()
        .then((info) => {
          if (this.disposed) return;
          if (!info) this.endSession('Your session has ended. Log in again to reopen the console.');
          else this.retry('The gateway refused the console connection (too many consoles, or the gateway is busy).');
        })
        .catch(() => this.retry('The gateway cannot be reached; retrying…'));
      return;
    }

    switch (meaning.policy) {
      case 'session':
        this.endSession(meaning.message);
        return;
      case 'reattach':
        this.pendingNotice ??= 'The console ended at the host — re-attached';
        this.set({ phase: 'connecting', manual: false, message: meaning.message });
        this.attempt += 1;
        // The first re-attach is immediate; repeats back off so a VM in a boot loop is not hammered.
        this.reconnect(this.attempt <= 1 ? 150 : backoffDelay(this.attempt - 2));
        return;
      case 'wait-running':
        if (this.availability.state === 'ready') this.retry(meaning.message);
        else if (this.availability.state === 'unknown')
          this.set({ phase: 'waiting', manual: true, message: meaning.message });
        else this.stopFor(this.availability);
        return;
      case 'wait-console':
        if (this.seen && this.availability.state === 'ready' && this.attempt < 3) this.retry(meaning.message);
        else this.set({ phase: 'waiting', manual: true, message: meaning.message });
        return;
      case 'retry':
        this.retry(handshakeDone || code !== 1006 ? meaning.message : 'The console connection failed; retrying…');
        return;
      case 'manual':
      case 'final':
        this.set({ phase: 'stopped', manual: meaning.policy === 'manual', message: meaning.message, closeCode: code });
        return;
    }
  }

  /**
   * The gateway moved this view onto a shared console (4020): reconnect at once, keep looking connected, and keep the
   * last picture up until the new connection draws. A gateway that keeps doing so is not followed in a loop.
   */
  private rejoin(message: string): void {
    const now = Date.now();
    this.rejoins = [...this.rejoins.filter((at) => now - at < REJOIN_WINDOW_MS), now];
    if (this.rejoins.length > QUICK_REJOINS) {
      this.forgetConnection();
      this.set({
        phase: 'stopped',
        manual: true,
        message: 'The gateway moved this console to a new connection too often. Reconnect to try again.',
      });
      return;
    }
    if (this.target && this.screen && !this.screen.isConnected) this.held.hold(this.target, this.screen);
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(() => {
      this.held.drop();
      // Still not drawing: show the ordinary progress from now on.
      if (this.state.get().rejoining) this.patch({ rejoining: undefined });
    }, HOLD_PICTURE_MS);
    this.patch({ rejoining: true, message });
    this.reconnect(0);
  }

  private dropHeldPictureOnFirstFrame(socket: WebSocket, generation: number): void {
    const onFrame = (event: MessageEvent): void => {
      if (isTextFrame(event)) return;
      socket.removeEventListener('message', onFrame);
      if (generation === this.generation) this.held.dropAfterPaint();
    };
    socket.addEventListener('message', onFrame);
  }

  private dropHeldPicture(): void {
    clearTimeout(this.holdTimer);
    this.held.drop();
  }

  /** The connection's people list and last picture end with it. */
  private forgetConnection(): void {
    this.dropHeldPicture();
    this.patch({ presence: undefined, rejoining: undefined });
  }

  private retry(message: string): void {
    if (!this.canConnect()) {
      this.stopFor(this.availability);
      return;
    }
    if (this.attempt >= CONSOLE_BACKOFF.maxAttempts) {
      this.set({
        phase: 'stopped',
        manual: true,
        message: `${message.replace(/;? ?retrying…$/, '.')} Gave up after ${this.attempt} attempts.`,
      });
      return;
    }
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.patch({ message });
    this.reconnect(delay);
  }

  private endSession(message: string): void {
    this.set({ phase: 'stopped', manual: true, message, sessionEnded: true });
    this.options.onSessionEnded(message);
  }

  /** Replaces the phase-specific part of the state; what outlives a phase (clipboard, notice, …) is kept. */
  private set(next: Pick<ConsoleState, 'phase' | 'message' | 'manual'> & Partial<ConsoleState>): void {
    const previous = this.state.get();
    const kept: Partial<ConsoleState> = {};
    for (const key of PERSISTENT) if (previous[key] !== undefined) Object.assign(kept, { [key]: previous[key] });
    this.state.set({ ...kept, ...next });
  }

  private patch(change: Partial<ConsoleState>): void {
    this.state.set({ ...this.state.get(), ...change });
  }
}
