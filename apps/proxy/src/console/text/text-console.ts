import type { Duplex } from 'node:stream';
import type { UserSession } from '../../auth/sessions.ts';
import { ConsoleRoom, type RoomOptions, type SharedViewer } from '../engine/console-room.ts';
import { OutputHistory } from './output-history.ts';

/** One live connection to a text console at the pool: the raw vt100 byte stream, both ways. */
export interface TextUpstream {
  readonly socket: Duplex;
  /** Console bytes that came with the tunnel's reply. */
  readonly initial: Buffer;
  /** The VM's or host's name in the pool, for audit lines. */
  readonly objectName: string;
  close(): void;
}

/** Resolves the text console afresh with `session` and opens the CONNECT tunnel to it; rejects with a ConsoleError. */
export type ConnectText = (request: {
  readonly session: UserSession;
  readonly signal: AbortSignal;
}) => Promise<TextUpstream>;

export interface TextConsoleOptions extends RoomOptions {
  readonly connect: ConnectText;
}

/** Console output a viewer may have waiting for its socket; beyond it, output for that viewer is skipped (and said). */
export const VIEWER_BACKLOG_BYTES = 256 * 1024;

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
export class SharedTextConsole extends ConsoleRoom<TextUpstream> {
  constructor(
    /** `vm/<uuid>/text` or `host/<uuid>/text`. */
    key: string,
    protected override readonly options: TextConsoleOptions,
  ) {
    super(key, options);
  }

  /** Viewers sent the recent output (their console is live): output goes to them from then on. */
  private readonly served = new Set<string>();
  /** Bytes skipped for each viewer that fell behind, told to it once it keeps up again. */
  private readonly skipped = new Map<string, number>();
  private readonly history = new OutputHistory();

  protected override welcome(viewer: SharedViewer): void {
    viewer.channel.stream.on('data', (chunk: Buffer) => this.input(viewer, chunk));
  }

  protected override forget(viewer: SharedViewer): void {
    this.served.delete(viewer.id);
    this.skipped.delete(viewer.id);
  }

  /**
   * Starts a viewer's output: its first binary frame is the recent output (possibly empty), which also tells the
   * browser that the console is live.
   */
  protected override serve(viewer: SharedViewer): void {
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
    const upstream = this.admit(viewer, true);
    if (upstream) this.sent(viewer, upstream.socket.write(chunk));
  }

  /** A refusal of the pool's one slot may be our own graphical view of the VM letting go of it (a switch of views). */
  protected override before(): Promise<boolean> {
    return Promise.resolve(true);
  }

  protected override open(session: UserSession): Promise<TextUpstream> {
    return this.options.connect({ session, signal: this.abort.signal });
  }

  /** The upstream is connected: its output flows to the viewers, and its end is followed. */
  protected override connected(upstream: TextUpstream): void {
    this.objectName = upstream.objectName;
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
    socket.resume();
  }
}
