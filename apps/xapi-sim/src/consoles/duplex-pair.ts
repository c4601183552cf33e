import { Duplex } from 'node:stream';

/** One end of an in-memory pipe: what is written to it is read from the other end, with backpressure. */
class PipeEnd extends Duplex {
  peer!: PipeEnd;
  /** The write callback held while the peer's read buffer is full. */
  blocked?: () => void;

  override _read(): void {
    const release = this.peer.blocked;
    this.peer.blocked = undefined;
    release?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.peer.push(chunk)) callback();
    else this.blocked = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.destroy();
    callback(error);
  }
}

/** Two connected streams (Node 20 has no `stream.duplexPair`). */
export function duplexPair(): [Duplex, Duplex] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
