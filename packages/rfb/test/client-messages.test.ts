import { describe, expect, it } from 'vitest';
import {
  CLIENT_PIXEL_FORMAT,
  clientCutText,
  encodeInput,
  MAX_CUT_TEXT,
  parseClientMessage,
  setEncodings,
  setPixelFormat,
  updateRequest,
  type ClientMessage,
  type InputMessage,
} from '../src/index.ts';

function parse(bytes: Buffer): ClientMessage {
  const parsed = parseClientMessage(bytes);
  if (parsed.kind !== 'message') throw new Error(`not a message: ${parsed.kind}`);
  expect(parsed.length).toBe(bytes.length);
  return parsed.message;
}

describe('RFB client messages', () => {
  const inputs: InputMessage[] = [
    { type: 'key', down: true, keysym: 0xffe3 },
    { type: 'key', down: false, keysym: 0x10020ac },
    { type: 'pointer', mask: 0b101, x: 1023, y: 767 },
    { type: 'cut-text', text: 'naïve\ntext' },
    { type: 'xen-scancode', down: true, scancode: 0x1d },
    { type: 'qemu-key', down: false, keysym: 0x61, keycode: 0x1e },
  ];

  it.each(inputs)("re-encodes a viewer's $type exactly as the gateway parsed it", (message) => {
    expect(parse(encodeInput(message, true)!)).toEqual(message);
  });

  it('sends a QEMU key event as a plain KeyEvent unless the server acknowledged extended keys', () => {
    expect(parse(encodeInput({ type: 'qemu-key', down: true, keysym: 0x61, keycode: 0x1e }, false)!)).toEqual({
      type: 'key',
      down: true,
      keysym: 0x61,
    });
    expect(encodeInput({ type: 'qemu-key', down: true, keysym: 0, keycode: 0x1e }, false)).toBeNull();
  });

  it('writes ClientCutText as Latin-1, other characters as ?, bounded', () => {
    expect(parse(clientCutText('a€b😀c'))).toEqual({ type: 'cut-text', text: 'a?b?c' });
    const long = clientCutText('x'.repeat(MAX_CUT_TEXT + 10));
    expect(long.readUInt32BE(4)).toBe(MAX_CUT_TEXT);
    expect(parse(long)).toMatchObject({ type: 'cut-text' });
  });

  it('writes SetPixelFormat, SetEncodings and FramebufferUpdateRequest', () => {
    expect(parse(setPixelFormat(CLIENT_PIXEL_FORMAT))).toEqual({
      type: 'set-pixel-format',
      format: CLIENT_PIXEL_FORMAT,
    });
    expect(parse(setEncodings([16, 7, 0, -223, -258]))).toEqual({
      type: 'set-encodings',
      encodings: [16, 7, 0, -223, -258],
    });
    const area = { x: 1, y: 2, w: 300, h: 400 };
    expect(parse(updateRequest(true, area))).toEqual({ type: 'update-request', incremental: true, rect: area });
    expect(parse(updateRequest(false, area))).toEqual({ type: 'update-request', incremental: false, rect: area });
  });

  it('asks for R, G, B, X byte order: 32bpp, depth 24, little-endian, red in the lowest byte', () => {
    const bytes = setPixelFormat(CLIENT_PIXEL_FORMAT);
    expect([...bytes.subarray(4)]).toEqual([32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);
  });
});
