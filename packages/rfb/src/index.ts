export { Framebuffer, DamageTracker, type Colour, type DecodeTarget } from './framebuffer.ts';
export { Handshake, type NegotiatedVersion, type RfbVersion } from './handshake.ts';
export {
  ClientMessageType,
  Encoding,
  MAX_CLIENT_MESSAGE,
  MAX_CUT_TEXT,
  MAX_ENCODINGS,
  ServerMessageType,
  parseClientMessage,
  type ClientMessage,
  type ParseResult,
} from './messages.ts';
export {
  bytesPerPixel,
  encodePixelFormat,
  parsePixelFormat,
  PIXEL_FORMAT_LENGTH,
  SERVER_PIXEL_FORMAT,
  type PixelFormat,
} from './pixel-format.ts';
export { area, contains, intersect, isEmpty, subtract, union, type Rect } from './rect.ts';
export { MAX_RECT_BYTES, RfbSession, type InputMessage, type SessionHost } from './session.ts';
export { TILE_SIZE } from './tile-grid.ts';
export {
  clientCutText,
  encodeInput,
  keyEvent,
  pointerEvent,
  qemuKeyEvent,
  setEncodings,
  setPixelFormat,
  updateRequest,
  xenScanCode,
} from './client/client-messages.ts';
export { CLIENT_PIXEL_FORMAT, ClientEncoding, DEFAULT_ENCODINGS } from './client/encodings.ts';
export type { ServerInit } from './client/handshake.ts';
export { CLIENT_LIMITS } from './client/limits.ts';
export { RfbProtocolError } from './client/protocol-error.ts';
export type { Screen } from './client/pseudo-rects.ts';
export { RfbClient, type RfbClientEvent, type RfbClientOptions, type RfbClientState } from './client/rfb-client.ts';
export type { ServerEvent } from './client/server-messages.ts';
