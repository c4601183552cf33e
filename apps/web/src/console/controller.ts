import type RFB from '@novnc/novnc';
import { fetchSession } from '../api/endpoints.ts';
import { Store } from '../store/store.ts';
import { backoffDelay, CONSOLE_BACKOFF } from './backoff.ts';
import { closeMeaning } from './close-codes.ts';
import { followChange, needsReattach, reattachedMessage, type Availability, type VmConsoleSnapshot } from './follow.ts';
import { textToKeystrokes, type KeyStroke } from './keysyms.ts';
import { EarlyChannel } from './channel.ts';
import { LatencyProbe } from './latency-probe.ts';

/**
 * One console view's connection logic, apart from React: it owns the WebSocket and the noVNC RFB instance, follows
 * the VM (power state, domid, host, console list), reconnects with capped backoff, and publishes a small state for
 * the view. The RFB instance lives here, not in React state, so re-renders never tear it down.
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
  /** A transient notice about what happened ("VM rebooted — console re-attached"). */
  readonly notice?: { readonly text: string; readonly id: number };
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
}

const NOTICE_ID = { next: 1 };
const PERSISTENT = ['notice', 'clipboard', 'desktopName', 'latencyMs', 'handshakeMs', 'sessionEnded'] as const;
const REBOOT_WINDOW_MS = 30_000;

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
  private scale = true;
  private disposed = false;

  constructor(private readonly options: ConsoleOptions) {}

  /** The element noVNC draws into; set once, before the first connect. */
  attach(target: HTMLElement): void {
    this.target = target;
    this.disposed = false;
    this.maybeConnect();
  }

  dispose(): void {
    this.disposed = true;
    this.teardown();
    clearTimeout(this.retryTimer);
  }

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
    if (availability.state !== 'ready') {
      this.stopFor(availability);
      return;
    }
    const phase = this.state.get().phase;
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
   * Types text key by key, paced so guests do not drop keys; resolves with the number of characters sent.
   * Stops early when `signal` aborts or the connection drops.
   */
  async typeText(
    text: string,
    onProgress: (done: number, total: number) => void,
    signal: AbortSignal,
  ): Promise<number> {
    const { characters } = textToKeystrokes(text);
    const generation = this.generation;
    for (let i = 0; i < characters.length; i++) {
      if (signal.aborted || generation !== this.generation) return i;
      if (!this.sendStrokes(characters[i]!)) return i;
      if (i % 8 === 7 || i === characters.length - 1) {
        onProgress(i + 1, characters.length);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    }
    return characters.length;
  }

  pasteToClipboard(text: string): boolean {
    const rfb = this.connectedRfb();
    if (!rfb) return false;
    rfb.clipboardPasteFrom(text);
    return true;
  }

  setViewOnly(viewOnly: boolean): void {
    this.viewOnly = viewOnly;
    if (this.rfb) this.rfb.viewOnly = viewOnly;
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
    this.set({
      phase: 'connecting',
      manual: false,
      message: this.attempt === 0 ? 'Connecting to the console…' : `Reconnecting (attempt ${this.attempt + 1})…`,
    });
    // The socket opens while noVNC loads: the gateway's console lookup and the host's CONNECT overlap the download.
    // A console window's first socket was opened as the page started (preconnect.ts); later ones are opened here.
    const early = this.options.takeEarly?.(this.options.url);
    if (!early) performance.mark('xwc:console-socket');
    const socket = early?.socket ?? new WebSocket(this.options.url);
    socket.binaryType = 'arraybuffer';
    const channel = early?.channel ?? new EarlyChannel(socket);
    this.socket = socket;
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
    this.probe = new LatencyProbe(socket, (ms) => {
      if (generation === this.generation) this.patch({ latencyMs: Math.round(ms) });
    });

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
