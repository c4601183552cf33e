import { encodePixelFormat, parsePixelFormat, PIXEL_FORMAT_LENGTH, type PixelFormat } from './pixel-format.ts';
import type { Rect } from './rect.ts';

/** Client-to-server message types this server understands (RFC 6143 §7.5, plus the XenServer and QEMU extensions). */
export const ClientMessageType = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
  ClientCutText: 6,
  XenServerScanCode: 254,
  Qemu: 255,
} as const;

const QEMU_EXTENDED_KEY_EVENT = 0;

export const ServerMessageType = {
  FramebufferUpdate: 0,
  Bell: 2,
  ServerCutText: 3,
} as const;

export const Encoding = {
  Raw: 0,
  CopyRect: 1,
  Tight: 7,
  /** Pseudo-encodings -32 (quality 0) to -23 (quality 9). */
  QualityLevel0: -32,
  DesktopSize: -223,
  /** Pseudo-encodings -256 (compression 0) to -247 (compression 9). */
  CompressLevel0: -256,
  QemuExtendedKeyEvent: -258,
  DesktopName: -307,
} as const;

/** More encodings than any client has (noVNC lists about twenty); a longer SetEncodings is refused unread. */
export const MAX_ENCODINGS = 256;

/** Longest ClientCutText kept; longer ones are skipped unread so a client cannot make us buffer them. */
export const MAX_CUT_TEXT = 1 << 20;

export type ClientMessage =
  | { type: 'set-pixel-format'; format: PixelFormat }
  | { type: 'set-encodings'; encodings: number[] }
  | { type: 'update-request'; incremental: boolean; rect: Rect }
  | { type: 'key'; down: boolean; keysym: number }
  | { type: 'pointer'; mask: number; x: number; y: number }
  | { type: 'cut-text'; text: string }
  /** A ClientCutText longer than MAX_CUT_TEXT: its header was read, `skip` text bytes follow and are dropped. */
  | { type: 'cut-text-skipped'; skip: number }
  | { type: 'xen-scancode'; down: boolean; scancode: number }
  | { type: 'qemu-key'; down: boolean; keysym: number; keycode: number };

export type ParseResult =
  | { kind: 'message'; message: ClientMessage; length: number }
  | { kind: 'incomplete' }
  | { kind: 'error'; reason: string };

const INCOMPLETE: ParseResult = { kind: 'incomplete' };

/**
 * Parses one client message at the start of `b`. Never reads past `b`, never allocates more than the bounded
 * message itself (SetEncodings is at most 4 + 4 * MAX_ENCODINGS bytes; cut text is capped).
 */
export function parseClientMessage(b: Buffer): ParseResult {
  if (b.length < 1) return INCOMPLETE;
  const type = b.readUInt8(0);
  const need = (n: number) => b.length >= n;
  switch (type) {
    case ClientMessageType.SetPixelFormat: {
      if (!need(4 + PIXEL_FORMAT_LENGTH)) return INCOMPLETE;
      const parsed = parsePixelFormat(b, 4);
      if (!parsed.ok) return { kind: 'error', reason: parsed.reason };
      return message({ type: 'set-pixel-format', format: parsed.format }, 4 + PIXEL_FORMAT_LENGTH);
    }
    case ClientMessageType.SetEncodings: {
      if (!need(4)) return INCOMPLETE;
      const count = b.readUInt16BE(2);
      if (count > MAX_ENCODINGS)
        return { kind: 'error', reason: `SetEncodings lists ${count} encodings (at most ${MAX_ENCODINGS})` };
      const length = 4 + 4 * count;
      if (!need(length)) return INCOMPLETE;
      const encodings = Array.from({ length: count }, (_, i) => b.readInt32BE(4 + 4 * i));
      return message({ type: 'set-encodings', encodings }, length);
    }
    case ClientMessageType.FramebufferUpdateRequest: {
      if (!need(10)) return INCOMPLETE;
      const rect = { x: b.readUInt16BE(2), y: b.readUInt16BE(4), w: b.readUInt16BE(6), h: b.readUInt16BE(8) };
      return message({ type: 'update-request', incremental: b.readUInt8(1) !== 0, rect }, 10);
    }
    case ClientMessageType.KeyEvent:
      if (!need(8)) return INCOMPLETE;
      return message({ type: 'key', down: b.readUInt8(1) !== 0, keysym: b.readUInt32BE(4) }, 8);
    case ClientMessageType.PointerEvent:
      if (!need(6)) return INCOMPLETE;
      return message({ type: 'pointer', mask: b.readUInt8(1), x: b.readUInt16BE(2), y: b.readUInt16BE(4) }, 6);
    case ClientMessageType.ClientCutText: {
      if (!need(8)) return INCOMPLETE;
      const length = b.readUInt32BE(4);
      // A negative length is the Extended Clipboard form, which is only legal after the server offered it.
      if (length >= 0x80000000) return { kind: 'error', reason: 'extended clipboard was not negotiated' };
      if (length > MAX_CUT_TEXT) return message({ type: 'cut-text-skipped', skip: length }, 8);
      if (!need(8 + length)) return INCOMPLETE;
      return message({ type: 'cut-text', text: b.toString('latin1', 8, 8 + length) }, 8 + length);
    }
    case ClientMessageType.XenServerScanCode:
      // u8 type, u8 down, pad 2, u32 scancode (XenCenter VNCStream.cs).
      if (!need(8)) return INCOMPLETE;
      return message({ type: 'xen-scancode', down: b.readUInt8(1) !== 0, scancode: b.readUInt32BE(4) }, 8);
    case ClientMessageType.Qemu: {
      if (!need(2)) return INCOMPLETE;
      const subtype = b.readUInt8(1);
      if (subtype !== QEMU_EXTENDED_KEY_EVENT) return { kind: 'error', reason: `unsupported QEMU message ${subtype}` };
      // u8 255, u8 0, u16 down, u32 keysym, u32 keycode. XenCenter writes down as pad + u8, which reads the same.
      if (!need(12)) return INCOMPLETE;
      const down = b.readUInt16BE(2) !== 0;
      return message({ type: 'qemu-key', down, keysym: b.readUInt32BE(4), keycode: b.readUInt32BE(8) }, 12);
    }
    default:
      return { kind: 'error', reason: `unknown client message type ${type}` };
  }
}

function message(message: ClientMessage, length: number): ParseResult {
  return { kind: 'message', message, length };
}

/** Longest message the parser may wait for: a maximal cut text (a SetEncodings is far shorter). */
export const MAX_CLIENT_MESSAGE = 8 + MAX_CUT_TEXT;

export function serverInit(width: number, height: number, format: PixelFormat, name: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt16BE(width, 0);
  head.writeUInt16BE(height, 2);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(nameBytes.length, 0);
  return Buffer.concat([head, encodePixelFormat(format), len, nameBytes]);
}

export function updateHeader(rectCount: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(ServerMessageType.FramebufferUpdate, 0);
  b.writeUInt16BE(rectCount, 2);
  return b;
}

export function rectHeader(r: Rect, encoding: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(r.x, 0);
  b.writeUInt16BE(r.y, 2);
  b.writeUInt16BE(r.w, 4);
  b.writeUInt16BE(r.h, 6);
  b.writeInt32BE(encoding, 8);
  return b;
}

/** The DesktopName pseudo-rectangle: a new name for the screen, UTF-8. */
export function desktopName(name: string): Buffer {
  const text = Buffer.from(name, 'utf8');
  const b = Buffer.alloc(16 + text.length);
  rectHeader({ x: 0, y: 0, w: 0, h: 0 }, Encoding.DesktopName).copy(b);
  b.writeUInt32BE(text.length, 12);
  text.copy(b, 16);
  return b;
}

export function bell(): Buffer {
  return Buffer.from([ServerMessageType.Bell]);
}

/** ServerCutText carries Latin-1; characters outside it become '?'. */
export function serverCutText(text: string): Buffer {
  const latin1 = [...text].map((c) => (c.charCodeAt(0) <= 0xff ? c : '?')).join('');
  const b = Buffer.alloc(8 + latin1.length);
  b.writeUInt8(ServerMessageType.ServerCutText, 0);
  b.writeUInt32BE(latin1.length, 4);
  b.write(latin1, 8, 'latin1');
  return b;
}
