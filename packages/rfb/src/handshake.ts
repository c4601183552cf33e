/** The RFB versions a display can offer. */
export type RfbVersion = '3.3' | '3.8';

/** What was agreed: 3.7 differs from 3.8 only in sending no SecurityResult for security type None. */
export type NegotiatedVersion = '3.3' | '3.7' | '3.8';

const SECURITY_NONE = 1;
const BANNER_LENGTH = 12;
const BANNER = /^RFB (\d{3})\.(\d{3})\n$/;

export type HandshakeStep =
  /** Consumed `consumed` bytes; send `reply` (if any) and keep going. */
  | { kind: 'progress'; consumed: number; reply?: Buffer }
  /** ClientInit received: the session is ready. */
  | { kind: 'done'; consumed: number; shared: boolean }
  | { kind: 'incomplete' }
  /** Refuse the client; `reply` (3.8 SecurityResult failure) is sent before closing when present. */
  | { kind: 'fail'; reason: string; reply?: Buffer };

/**
 * Server side of ProtocolVersion → Security → ClientInit (RFC 6143 §7.1, §7.3.1), security type None only.
 * Pure: fed the unconsumed input, it says what to send; the session owns the stream.
 */
export class Handshake {
  private state: 'version' | 'security' | 'client-init' | 'done' = 'version';
  private negotiated: NegotiatedVersion = '3.3';

  constructor(private readonly offer: RfbVersion) {}

  get version(): NegotiatedVersion {
    return this.negotiated;
  }

  greeting(): Buffer {
    return Buffer.from(this.offer === '3.8' ? 'RFB 003.008\n' : 'RFB 003.003\n', 'latin1');
  }

  step(input: Buffer): HandshakeStep {
    switch (this.state) {
      case 'version':
        return this.readVersion(input);
      case 'security':
        return this.readSecurityChoice(input);
      case 'client-init':
        if (input.length < 1) return { kind: 'incomplete' };
        this.state = 'done';
        return { kind: 'done', consumed: 1, shared: input.readUInt8(0) !== 0 };
      case 'done':
        return { kind: 'fail', reason: 'handshake already complete' };
    }
  }

  private readVersion(input: Buffer): HandshakeStep {
    // Fail early on garbage rather than waiting for twelve bytes that will never form a banner.
    if (!'RFB '.startsWith(input.toString('latin1', 0, Math.min(4, input.length)))) {
      return { kind: 'fail', reason: 'not an RFB client' };
    }
    if (input.length < BANNER_LENGTH) return { kind: 'incomplete' };
    const match = BANNER.exec(input.toString('latin1', 0, BANNER_LENGTH));
    if (!match || Number(match[1]) !== 3) return { kind: 'fail', reason: 'unsupported protocol version' };
    this.negotiated = this.negotiate(Number(match[2]));
    if (this.negotiated === '3.3') {
      // 3.3: the server decides; a u32 security type, then straight to ClientInit.
      this.state = 'client-init';
      return { kind: 'progress', consumed: BANNER_LENGTH, reply: u32(SECURITY_NONE) };
    }
    this.state = 'security';
    return { kind: 'progress', consumed: BANNER_LENGTH, reply: Buffer.from([1, SECURITY_NONE]) };
  }

  /** RFC 6143 §7.1.1: versions other than 3.7 and 3.8 are treated as 3.3; never above what was offered. */
  private negotiate(minor: number): NegotiatedVersion {
    if (this.offer === '3.3') return '3.3';
    if (minor >= 8) return '3.8';
    return minor === 7 ? '3.7' : '3.3';
  }

  private readSecurityChoice(input: Buffer): HandshakeStep {
    if (input.length < 1) return { kind: 'incomplete' };
    const choice = input.readUInt8(0);
    if (choice !== SECURITY_NONE) {
      const reason = 'security type not offered';
      return this.negotiated === '3.8'
        ? { kind: 'fail', reason, reply: Buffer.concat([u32(1), u32(reason.length), Buffer.from(reason, 'latin1')]) }
        : { kind: 'fail', reason };
    }
    this.state = 'client-init';
    // 3.8 sends SecurityResult OK even for None; 3.7 does not.
    return { kind: 'progress', consumed: 1, ...(this.negotiated === '3.8' ? { reply: u32(0) } : {}) };
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
