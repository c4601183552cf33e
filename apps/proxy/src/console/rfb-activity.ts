/**
 * Follows the client→server half of an RFB stream just far enough to tell user input (key,
 * pointer, scan-code messages) from the client's own chatter (update requests, encodings), so the
 * idle timeout counts only what a person does, as XAPI's console idle monitor does.
 *
 * Only the None and VncAuth handshakes are followed; anything unrecognised makes the scanner give up
 * and report every later byte as activity (the timeout then never fires early, the safe direction).
 */
type Phase = 'version' | 'security' | 'auth' | 'init' | 'messages' | 'lost';

const FIXED_LENGTH: Record<number, number> = { 0: 20, 3: 10, 4: 8, 5: 6, 150: 10, 250: 4, 254: 8 };
const INPUT_TYPES = new Set([4, 5, 254]);

export class RfbActivityScanner {
  private phase: Phase = 'version';
  private pending: Buffer = Buffer.alloc(0);
  private minor = 8;
  /** Key, pointer and scan-code messages seen so far (for the audit log). */
  inputEvents = 0;

  /** Consumes a client→server chunk; returns true if it carried user input. */
  feed(chunk: Buffer): boolean {
    if (this.phase === 'lost') return true;
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let activity = false;
    for (;;) {
      const used = this.step();
      if (used === 'input') activity = true;
      if (used === 'more' || this.lost()) break;
    }
    if (this.lost()) {
      this.pending = Buffer.alloc(0);
      return true;
    }
    return activity;
  }

  private lost(): boolean {
    return this.phase === 'lost';
  }

  private consume(n: number): void {
    this.pending = this.pending.subarray(n);
  }

  private lose(): 'more' {
    this.phase = 'lost';
    return 'more';
  }

  private step(): 'more' | 'ok' | 'input' {
    const buf = this.pending;
    switch (this.phase) {
      case 'version': {
        if (buf.length < 12) return 'more';
        const m = /^RFB (\d{3})\.(\d{3})\n$/.exec(buf.subarray(0, 12).toString('latin1'));
        if (!m) return this.lose();
        this.minor = Number(m[2]);
        this.consume(12);
        this.phase = this.minor >= 7 ? 'security' : 'init';
        return 'ok';
      }
      case 'security': {
        if (buf.length < 1) return 'more';
        const type = buf[0]!;
        this.consume(1);
        if (type === 1) this.phase = 'init';
        else if (type === 2) this.phase = 'auth';
        else return this.lose();
        return 'ok';
      }
      case 'auth':
        if (buf.length < 16) return 'more';
        this.consume(16);
        this.phase = 'init';
        return 'ok';
      case 'init':
        if (buf.length < 1) return 'more';
        this.consume(1);
        this.phase = 'messages';
        return 'ok';
      case 'messages':
        return this.message(buf);
      default:
        return 'more';
    }
  }

  private message(buf: Buffer): 'more' | 'ok' | 'input' {
    if (buf.length < 1) return 'more';
    const type = buf[0]!;
    const length = this.messageLength(type, buf);
    if (length === undefined) return 'more';
    if (length < 0) return this.lose();
    if (buf.length < length) return 'more';
    this.consume(length);
    if (INPUT_TYPES.has(type) || (type === 255 && buf[1] === 0)) {
      this.inputEvents++;
      return 'input';
    }
    return 'ok';
  }

  /** The whole message's length, undefined while its header is incomplete, -1 when unknown. */
  private messageLength(type: number, buf: Buffer): number | undefined {
    const fixed = FIXED_LENGTH[type];
    if (fixed !== undefined) return fixed;
    switch (type) {
      case 2:
        return buf.length < 4 ? undefined : 4 + 4 * buf.readUInt16BE(2);
      case 6:
        return buf.length < 8 ? undefined : 8 + Math.abs(buf.readInt32BE(4));
      case 248:
        return buf.length < 9 ? undefined : 9 + buf[8]!;
      case 251:
        return buf.length < 8 ? undefined : 8 + 16 * buf[6]!;
      case 255: {
        if (buf.length < 2) return undefined;
        if (buf[1] === 0) return 12;
        if (buf[1] !== 1) return -1;
        if (buf.length < 4) return undefined;
        return buf.readUInt16BE(2) === 2 ? 10 : 4;
      }
      default:
        return -1;
    }
  }
}
