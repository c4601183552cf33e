import { MAX_CUT_TEXT } from '../messages.ts';

/**
 * What the client accepts from a server before calling it a protocol error; nothing is allocated from a claimed
 * length beyond these.
 */
export const CLIENT_LIMITS = {
  /** Widest and tallest screen (a framebuffer of 8192×8192 is 256 MiB). */
  maxScreenSide: 8192,
  /** Desktop names (ServerInit, DesktopName), in bytes. */
  maxNameBytes: 4096,
  /** Server refusal reasons, in bytes. */
  maxReasonBytes: 4096,
  /** One ZRLE rectangle's compressed data (TigerVNC sends rectangles of at most 64 Ki pixels, a few hundred KiB). */
  maxZrleBytes: 32 * 1024 * 1024,
  /** ServerCutText kept; longer texts are skipped as they arrive, unread. */
  maxCutText: MAX_CUT_TEXT,
} as const;
