import { ClientMessageType, MAX_CUT_TEXT } from '../messages.ts';
import { encodePixelFormat, type PixelFormat } from '../pixel-format.ts';
import type { Rect } from '../rect.ts';
import type { InputMessage } from '../session.ts';

/** Client-to-server messages (RFC 6143 §7.5, QEMU's and XenServer's extensions), as bytes to send. */

const QEMU_EXTENDED_KEY_EVENT = 0;

export function setPixelFormat(format: PixelFormat): Buffer {
  return Buffer.concat([Buffer.from([ClientMessageType.SetPixelFormat, 0, 0, 0]), encodePixelFormat(format)]);
}

export function setEncodings(encodings: readonly number[]): Buffer {
  const b = Buffer.alloc(4 + 4 * encodings.length);
  b.writeUInt8(ClientMessageType.SetEncodings, 0);
  b.writeUInt16BE(encodings.length, 2);
  encodings.forEach((e, i) => b.writeInt32BE(e, 4 + 4 * i));
  return b;
}

export function updateRequest(incremental: boolean, area: Rect): Buffer {
  const b = Buffer.alloc(10);
  b.writeUInt8(ClientMessageType.FramebufferUpdateRequest, 0);
  b.writeUInt8(incremental ? 1 : 0, 1);
  b.writeUInt16BE(area.x, 2);
  b.writeUInt16BE(area.y, 4);
  b.writeUInt16BE(area.w, 6);
  b.writeUInt16BE(area.h, 8);
  return b;
}

/** KeyEvent and XenServer's scan-code message share a layout: u8 type, u8 down, 2 bytes padding, u32 value. */
function keyLike(type: number, down: boolean, value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(type, 0);
  b.writeUInt8(down ? 1 : 0, 1);
  b.writeUInt32BE(value, 4);
  return b;
}

export function keyEvent(down: boolean, keysym: number): Buffer {
  return keyLike(ClientMessageType.KeyEvent, down, keysym);
}

export function pointerEvent(mask: number, x: number, y: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt8(ClientMessageType.PointerEvent, 0);
  b.writeUInt8(mask, 1);
  b.writeUInt16BE(x, 2);
  b.writeUInt16BE(y, 4);
  return b;
}

/**
 * ClientCutText carries Latin-1: other characters become '?', and text past MAX_CUT_TEXT characters is cut off (what
 * servers would drop anyway).
 */
export function clientCutText(text: string): Buffer {
  const kept = text.length > MAX_CUT_TEXT ? text.slice(0, MAX_CUT_TEXT) : text;
  const latin1 = kept.replace(/[\u{100}-\u{10ffff}]/gu, '?');
  const b = Buffer.alloc(8 + latin1.length);
  b.writeUInt8(ClientMessageType.ClientCutText, 0);
  b.writeUInt32BE(latin1.length, 4);
  b.write(latin1, 8, 'latin1');
  return b;
}

/** QEMU's extended key event: u8 255, u8 0, u16 down, u32 keysym, u32 keycode (XT scan code). */
export function qemuKeyEvent(down: boolean, keysym: number, keycode: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(ClientMessageType.Qemu, 0);
  b.writeUInt8(QEMU_EXTENDED_KEY_EVENT, 1);
  b.writeUInt16BE(down ? 1 : 0, 2);
  b.writeUInt32BE(keysym, 4);
  b.writeUInt32BE(keycode, 8);
  return b;
}

/** XenServer's scan-code message (XenCenter's VNCStream). */
export function xenScanCode(down: boolean, scancode: number): Buffer {
  return keyLike(ClientMessageType.XenServerScanCode, down, scancode);
}

/**
 * A viewer's input (as parsed by parseClientMessage) re-encoded for the upstream. A QEMU key event goes out as is
 * only when the server acknowledged extended key events; otherwise as the plain KeyEvent of its keysym (or nothing,
 * when it has none), since a server that does not know message 255 would drop the connection.
 */
export function encodeInput(message: InputMessage, extendedKeys: boolean): Buffer | null {
  switch (message.type) {
    case 'key':
      return keyEvent(message.down, message.keysym);
    case 'pointer':
      return pointerEvent(message.mask, message.x, message.y);
    case 'cut-text':
      return clientCutText(message.text);
    case 'xen-scancode':
      return xenScanCode(message.down, message.scancode);
    case 'qemu-key':
      if (extendedKeys) return qemuKeyEvent(message.down, message.keysym, message.keycode);
      return message.keysym ? keyEvent(message.down, message.keysym) : null;
  }
}
