import { ClientEncoding, Framebuffer, RfbClient } from '@xwc/rfb';
import { NOVNC_ENCODINGS } from '../../packages/rfb/bench/update-reader.ts';
import { pace, type Conn, type Endpoint } from './conn.ts';
import { keysymOf } from './screen.ts';

/**
 * A viewer as noVNC is one, for the benchmarks: it lists noVNC's encodings, decodes every update into its own
 * screen and asks for the next (incremental) update once one is complete, so it never has more than one request
 * outstanding. The same code reads every path (pass-through, the engine), so the figures compare like with like.
 */

/**
 * noVNC's SetEncodings, in its order, less what this decoder lacks and no server here sends (TightPNG, JPEG,
 * Hextile, RRE, Zlib, the quality level the engine ignores, and pseudo-encodings it does not use).
 */
const DECODABLE = new Set<number>(Object.values(ClientEncoding));
export const DECODED_NOVNC_ENCODINGS: readonly number[] = NOVNC_ENCODINGS.filter(
  (e) => DECODABLE.has(e) || (e >= -256 && e <= -247),
);

export interface ViewerOptions {
  /** Bytes a second the viewer reads at most (it stops reading while ahead); unlimited if not given. */
  readonly readRate?: number;
  /** Called after each complete update has been decoded (as noVNC shows an update once it is whole). */
  readonly onUpdate?: (viewer: RfbViewer) => void;
}

export class RfbViewer {
  readonly screen = new Framebuffer(1, 1);
  /** Complete FramebufferUpdates decoded so far. */
  updates = 0;
  /** Console bytes received so far. */
  bytes = 0;
  private readonly client: RfbClient;
  private failure: Error | undefined;

  private constructor(
    private readonly conn: Conn,
    options: ViewerOptions,
    onReady: (error?: Error) => void,
  ) {
    this.client = new RfbClient({
      target: this.screen,
      send: (bytes) => conn.send(bytes),
      encodings: DECODED_NOVNC_ENCODINGS,
      version: '3.8',
    });
    const paced = options.readRate === undefined ? undefined : pace(conn, options.readRate);
    conn.onData((chunk) => {
      this.bytes += chunk.length;
      for (const event of this.client.receive(chunk)) {
        if (event.type === 'ready') onReady();
        else if (event.type === 'update') {
          this.updates++;
          options.onUpdate?.(this);
        } else if (event.type === 'error') {
          this.failure = new Error(`the console broke RFB: ${event.error.message}`);
          onReady(this.failure);
          conn.close();
        }
      }
      paced?.(this.bytes);
    });
  }

  /** Connects and completes the RFB handshake (the first full-screen request is then on its way). */
  static async open(endpoint: Endpoint, options: ViewerOptions = {}): Promise<RfbViewer> {
    const conn = await endpoint.connect();
    return new Promise<RfbViewer>((resolve, reject) => {
      const viewer: RfbViewer = new RfbViewer(conn, options, (error) => (error ? reject(error) : resolve(viewer)));
      void conn.closed.then(({ code, reason }) =>
        reject(new Error(`${endpoint.name}: closed ${code ?? ''} ${reason ?? ''} during the RFB handshake`)),
      );
    });
  }

  /** Rectangles received so far, pseudo-rectangles included. */
  get rects(): number {
    let n = 0;
    for (const count of this.client.rectCounts.values()) n += count;
    return n;
  }

  /** The protocol error that ended this viewer, if one did. */
  get error(): Error | undefined {
    return this.failure;
  }

  get closed(): Promise<{ code?: number; reason?: string }> {
    return this.conn.closed;
  }

  /** Presses and releases a key carrying `seq` (bench/lib/screen.ts), as noVNC sends a typed character. */
  type(seq: number): void {
    const keysym = keysymOf(seq);
    this.client.input({ type: 'key', down: true, keysym });
    this.client.input({ type: 'key', down: false, keysym });
  }

  close(): void {
    this.conn.close();
  }
}
