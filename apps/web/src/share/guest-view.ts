import type RFB from '@novnc/novnc';
import type { ConsoleKind } from '../navigation/routes.ts';
import { EarlyChannel } from '../console/channel.ts';
import { closeMeaning, LINK_PROTOCOL_PREFIX } from '../shared/contracts.ts';
import { Store } from '../store/store.ts';

/**
 * A guest's view of a shared console: one WebSocket with the link's token in its subprotocol (never in the URL),
 * noVNC in view-only mode (it sends no key or pointer event), and the gateway's notices for how many are watching.
 * Nothing reconnects by itself: a link that stopped working stays stopped, with the gateway's reason.
 */

export type GuestPhase = 'connecting' | 'watching' | 'ended';

export interface GuestState {
  readonly phase: GuestPhase;
  readonly message?: string;
  /** People on the console (guests included), once the gateway has said. */
  readonly watching?: number;
  /** Whether a Reconnect button makes sense (the connection broke; the link itself still works). */
  readonly canRetry?: boolean;
}

export class GuestView {
  readonly state = new Store<GuestState>({ phase: 'connecting' });
  private rfb: RFB | undefined;
  private disposed = false;

  constructor(
    private readonly target: HTMLElement,
    private readonly kind: ConsoleKind,
    private readonly uuid: string,
    private readonly token: string,
    private readonly loadRfb: () => Promise<typeof RFB>,
  ) {}

  async connect(): Promise<void> {
    this.state.set({ phase: 'connecting' });
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const url = `${scheme}://${location.host}/api/shared/${this.kind}/${encodeURIComponent(this.uuid)}`;
    const socket = new WebSocket(url, ['binary', `${LINK_PROTOCOL_PREFIX}${this.token}`]);
    socket.binaryType = 'arraybuffer';
    const channel = new EarlyChannel(socket);
    channel.onnotice = (notice) => {
      if (notice.type === 'presence') this.state.set({ ...this.state.get(), watching: notice.viewers.length });
    };
    socket.addEventListener('close', (event) => this.closed(event.code, event.reason));
    let Rfb: typeof RFB;
    try {
      Rfb = await this.loadRfb();
    } catch {
      socket.close(1000);
      this.state.set({ phase: 'ended', message: 'The console viewer could not be loaded. Reload the page.' });
      return;
    }
    if (this.disposed || socket.readyState > WebSocket.OPEN) return;
    const rfb = new Rfb(this.target, channel as unknown as WebSocket, { shared: true });
    rfb.viewOnly = true;
    rfb.scaleViewport = true;
    rfb.background = 'transparent';
    rfb.addEventListener('connect', () => this.state.set({ ...this.state.get(), phase: 'watching' }));
    this.rfb = rfb;
  }

  dispose(): void {
    this.disposed = true;
    try {
      this.rfb?.disconnect();
    } catch {
      // noVNC has already cleaned up.
    }
  }

  private closed(code: number, reason: string): void {
    this.rfb = undefined;
    if (this.disposed) return;
    const meaning = closeMeaning(code, reason);
    // Transient trouble (the gateway restarted, the network dropped): offered as a Reconnect, never done in a loop.
    const canRetry = meaning.policy === 'retry';
    const message = canRetry ? 'The connection to the gateway was lost.' : meaning.message;
    this.state.set({ phase: 'ended', message, canRetry });
  }
}
