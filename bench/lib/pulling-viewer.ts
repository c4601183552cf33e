import { ByteQueue } from '../../packages/rfb/src/client/byte-queue.ts';
import { setEncodings, setPixelFormat, updateRequest } from '../../packages/rfb/src/client/client-messages.ts';
import { CLIENT_PIXEL_FORMAT } from '../../packages/rfb/src/client/encodings.ts';
import { ClientHandshake } from '../../packages/rfb/src/client/handshake.ts';
import { NOVNC_ENCODINGS, UpdateReader } from '../../packages/rfb/bench/update-reader.ts';
import type { Conn, Endpoint } from './conn.ts';

/**
 * A viewer that pulls as noVNC does and decodes nothing: noVNC's pixel format and SetEncodings, the whole screen
 * first, then an incremental request once each update is whole. Many of them fit in one benchmark process beside
 * the gateway, so what limits them is the gateway, not their own decoding (noVNC decodes in each viewer's browser).
 */
export class PullingViewer {
  private readonly reader: UpdateReader;
  private failure: Error | undefined;

  private constructor(
    private readonly conn: Conn,
    onReady: (error?: Error) => void,
  ) {
    const handshake = new ClientHandshake('3.8');
    const pending = new ByteQueue();
    let screen = { x: 0, y: 0, w: 0, h: 0 };
    let ready = false;
    this.reader = new UpdateReader(() => conn.send(updateRequest(true, screen)));
    conn.onData((chunk) => {
      try {
        if (ready) return this.reader.push(chunk);
        pending.push(chunk);
        for (;;) {
          const step = handshake.step(pending);
          if (step.kind === 'incomplete') return;
          if (step.kind === 'progress') {
            if (step.reply) conn.send(step.reply);
            continue;
          }
          screen = { x: 0, y: 0, w: step.init.width, h: step.init.height };
          ready = true;
          conn.send(
            Buffer.concat([
              setPixelFormat(CLIENT_PIXEL_FORMAT),
              setEncodings(NOVNC_ENCODINGS),
              updateRequest(false, screen),
            ]),
          );
          onReady();
          if (pending.length) this.reader.push(pending.take(pending.length));
          return;
        }
      } catch (error) {
        this.failure = error instanceof Error ? error : new Error(String(error));
        onReady(this.failure);
        conn.close();
      }
    });
  }

  /** Connects and completes the RFB handshake. */
  static async open(endpoint: Endpoint): Promise<PullingViewer> {
    const conn = await endpoint.connect();
    return new Promise<PullingViewer>((resolve, reject) => {
      const viewer: PullingViewer = new PullingViewer(conn, (error) => (error ? reject(error) : resolve(viewer)));
      void conn.closed.then(({ code, reason }) =>
        reject(new Error(`${endpoint.name}: closed ${code ?? ''} ${reason ?? ''} during the RFB handshake`)),
      );
    });
  }

  /** Complete FramebufferUpdates received so far. */
  get updates(): number {
    return this.reader.updates;
  }

  /** Console bytes received since the handshake. */
  get bytes(): number {
    return this.reader.bytes;
  }

  /** What broke this viewer's stream, if anything did. */
  get error(): Error | undefined {
    return this.failure;
  }

  close(): void {
    this.conn.close();
  }
}
