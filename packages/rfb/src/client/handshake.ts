import type { NegotiatedVersion } from '../handshake.ts';
import { parsePixelFormat, type PixelFormat } from '../pixel-format.ts';
import type { ByteQueue } from './byte-queue.ts';
import { CLIENT_LIMITS } from './limits.ts';
import { quoteServerText, RfbProtocolError } from './protocol-error.ts';
import { checkScreenSize, readName } from './pseudo-rects.ts';

/** What ServerInit said. */
export interface ServerInit {
  width: number;
  height: number;
  /** The server's own pixel format, when it is a true-colour one (informational: the client sets its own). */
  serverFormat: PixelFormat | null;
  name: string;
}

export type ClientHandshakeStep =
  | { kind: 'incomplete' }
  /** Consumed a message; send `reply` (if any) and keep going. */
  | { kind: 'progress'; reply?: Buffer }
  | { kind: 'done'; init: ServerInit };

type HandshakeState =
  | 'version'
  /** 3.7 and 3.8: a count and a list of security types. */
  | 'security-types'
  /** 3.3: the server's u32 choice. */
  | 'security-type'
  /** 3.8: the outcome of security type None. */
  | 'security-result'
  /** A u32 length and a reason follow a refusal. */
  | 'failure-reason'
  | 'server-init'
  | 'done';

const BANNER_LENGTH = 12;
const BANNER = /^RFB (\d{3})\.(\d{3})\n$/;
const SECURITY_INVALID = 0;
const SECURITY_NONE = 1;
const SECURITY_VNC_AUTH = 2;
const SERVER_INIT_HEAD = 20;
/** ClientInit with shared = 1: other clients of the console stay connected. */
const CLIENT_INIT = Buffer.from([1]);

/**
 * Client side of ProtocolVersion → Security → ClientInit → ServerInit (RFC 6143 §7.1–7.3), security type None only
 * (what xapi's console tunnel offers). Fed the unparsed input, it consumes whole messages and says what to send.
 */
export class ClientHandshake {
  private state: HandshakeState = 'version';
  private negotiated: NegotiatedVersion = '3.3';

  /** `highest`: the newest version this client agrees to speak (the server's, if older, is used). */
  constructor(private readonly highest: NegotiatedVersion = '3.8') {}

  get version(): NegotiatedVersion {
    return this.negotiated;
  }

  /** Throws RfbProtocolError when the server refuses us or speaks something else. */
  step(input: ByteQueue): ClientHandshakeStep {
    switch (this.state) {
      case 'version':
        return this.readVersion(input);
      case 'security-types':
        return this.readSecurityTypes(input);
      case 'security-type':
        return this.readSecurityType(input);
      case 'security-result':
        return this.readSecurityResult(input);
      case 'failure-reason':
        return this.readFailureReason(input);
      case 'server-init':
        return this.readServerInit(input);
      case 'done':
        throw new Error('handshake already complete');
    }
  }

  private readVersion(input: ByteQueue): ClientHandshakeStep {
    if (input.length < BANNER_LENGTH) {
      // Fail early on something that is not RFB rather than wait for twelve bytes.
      if (!'RFB '.startsWith(input.peek(Math.min(4, input.length)).toString('latin1'))) throw notRfb();
      return INCOMPLETE;
    }
    const match = BANNER.exec(input.take(BANNER_LENGTH).toString('latin1'));
    if (!match) throw notRfb();
    const [major, minor] = [Number(match[1]), Number(match[2])];
    if (major !== 3) throw new RfbProtocolError(`server speaks RFB ${major}.${minor}; this client speaks 3.3 to 3.8`);
    // RFC 6143 §7.1.1: versions other than 3.7 and 3.8 (Apple's 3.889 among them) are to be treated as 3.3.
    const offered: NegotiatedVersion = minor === 8 ? '3.8' : minor === 7 ? '3.7' : '3.3';
    this.negotiated = offered < this.highest ? offered : this.highest;
    this.state = this.negotiated === '3.3' ? 'security-type' : 'security-types';
    return { kind: 'progress', reply: Buffer.from(`RFB 003.00${this.negotiated.slice(2)}\n`, 'latin1') };
  }

  private readSecurityTypes(input: ByteQueue): ClientHandshakeStep {
    if (input.length < 1) return INCOMPLETE;
    const count = input.peek(1)[0]!;
    if (count === 0) {
      input.skip(1);
      this.state = 'failure-reason';
      return PROGRESS;
    }
    if (input.length < 1 + count) return INCOMPLETE;
    const offered = [...input.take(1 + count).subarray(1)];
    if (!offered.includes(SECURITY_NONE)) throw noNone(offered);
    // 3.8 reports the outcome even for None; 3.7 goes straight to ClientInit.
    if (this.negotiated === '3.8') {
      this.state = 'security-result';
      return { kind: 'progress', reply: Buffer.from([SECURITY_NONE]) };
    }
    this.state = 'server-init';
    return { kind: 'progress', reply: Buffer.from([SECURITY_NONE, ...CLIENT_INIT]) };
  }

  private readSecurityType(input: ByteQueue): ClientHandshakeStep {
    if (input.length < 4) return INCOMPLETE;
    const type = input.take(4).readUInt32BE(0);
    if (type === SECURITY_INVALID) {
      this.state = 'failure-reason';
      return PROGRESS;
    }
    if (type !== SECURITY_NONE) throw noNone([type]);
    this.state = 'server-init';
    return { kind: 'progress', reply: CLIENT_INIT };
  }

  private readSecurityResult(input: ByteQueue): ClientHandshakeStep {
    if (input.length < 4) return INCOMPLETE;
    if (input.take(4).readUInt32BE(0) !== 0) {
      this.state = 'failure-reason';
      return PROGRESS;
    }
    this.state = 'server-init';
    return { kind: 'progress', reply: CLIENT_INIT };
  }

  private readFailureReason(input: ByteQueue): ClientHandshakeStep {
    if (input.length < 4) return INCOMPLETE;
    const length = input.peek(4).readUInt32BE(0);
    if (length > CLIENT_LIMITS.maxReasonBytes) throw new RfbProtocolError('server refused the connection');
    if (input.length < 4 + length) return INCOMPLETE;
    const reason = quoteServerText(input.take(4 + length).subarray(4));
    throw new RfbProtocolError(reason ? `server refused the connection: ${reason}` : 'server refused the connection');
  }

  private readServerInit(input: ByteQueue): ClientHandshakeStep {
    if (input.length < SERVER_INIT_HEAD + 4) return INCOMPLETE;
    const head = input.peek(SERVER_INIT_HEAD);
    const width = head.readUInt16BE(0);
    const height = head.readUInt16BE(2);
    checkScreenSize(width, height);
    const format = parsePixelFormat(head, 4);
    const name = readName(input, SERVER_INIT_HEAD);
    if (name === null) return INCOMPLETE;
    this.state = 'done';
    return { kind: 'done', init: { width, height, serverFormat: format.ok ? format.format : null, name } };
  }
}

const INCOMPLETE: ClientHandshakeStep = { kind: 'incomplete' };
const PROGRESS: ClientHandshakeStep = { kind: 'progress' };

const notRfb = () => new RfbProtocolError('server did not answer with an RFB version banner');

function noNone(offered: number[]): RfbProtocolError {
  if (offered.length === 1 && offered[0] === SECURITY_VNC_AUTH) {
    return new RfbProtocolError('server asks for a VNC password; this client supports security type None only');
  }
  const list = offered.slice(0, 16).join(', ') + (offered.length > 16 ? ', …' : '');
  return new RfbProtocolError(`server offers security types ${list}, not None (1)`);
}
