/**
 * The console wall's WebSocket (`/api/wall`, documented in docs/api.md): the page says which consoles are on screen,
 * the gateway sends each one's thumbnail as it changes, at a pace it sets by its own load. Shared by the gateway that
 * serves it and the web app that shows it.
 *
 * Text frames carry one JSON object each (commands up, notices down); binary frames carry one thumbnail each:
 * a byte N, the console key in N ASCII bytes, then a PNG.
 */

/** `vm/<uuid>` or `host/<uuid>` (a host's control-domain console), as everywhere in the gateway. */
export type WallConsoleKey = `${'vm' | 'host'}/${string}`;

const KEY = /^(?:vm|host)\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const isWallConsoleKey = (text: unknown): text is WallConsoleKey => typeof text === 'string' && KEY.test(text);

/** Longest command a page may send: a watch list of 64 keys fits with room to spare. */
export const MAX_WALL_COMMAND_BYTES = 8192;

/** Page → gateway. */
export type WallCommand =
  /** The consoles visible on the page now (replaces the previous list); nothing else is worked on for this page. */
  | { readonly type: 'watch'; readonly consoles: readonly WallConsoleKey[] }
  /** Try again a console whose thumbnail stopped (the VM started, the pool's idle close, a busy console). */
  | { readonly type: 'retry'; readonly console: WallConsoleKey };

export type WallTileState =
  /** Opening the console (one connection to the pool, shared with anyone viewing it). */
  | 'opening'
  | 'live'
  /** Stopped; `code` and `reason` are the console close code that says why (docs/api.md). */
  | 'stopped';

/** Gateway → page. */
export type WallNotice =
  /** First frame: the thumbnails' largest size, how many consoles one page may watch, the current refresh interval. */
  | {
      readonly type: 'hello';
      readonly width: number;
      readonly height: number;
      readonly maxConsoles: number;
      readonly intervalMs: number;
    }
  /** The gateway changed how often thumbnails are refreshed (its load changed). */
  | { readonly type: 'rate'; readonly intervalMs: number }
  | {
      readonly type: 'state';
      readonly console: WallConsoleKey;
      readonly state: WallTileState;
      readonly code?: number;
      readonly reason?: string;
    }
  /** A command was turned down (why, in a sentence); the page's previous list stands. */
  | { readonly type: 'refused'; readonly reason: string };

type Fields = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 1_000_000;

function parseJson(text: string): Fields | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parses a page's command; undefined when it is not exactly one known command. A watch list longer than `maxConsoles`
 * is still parsed (the gateway refuses it in words); repeated keys count once.
 */
export function parseWallCommand(text: string): WallCommand | undefined {
  if (text.length > MAX_WALL_COMMAND_BYTES) return undefined;
  const value = parseJson(text);
  if (!value) return undefined;
  const keys = Object.keys(value);
  switch (value.type) {
    case 'watch': {
      const { consoles } = value;
      if (keys.length !== 2 || !Array.isArray(consoles) || !consoles.every(isWallConsoleKey)) return undefined;
      return { type: 'watch', consoles: [...new Set(consoles)] };
    }
    case 'retry':
      return keys.length === 2 && isWallConsoleKey(value.console)
        ? { type: 'retry', console: value.console }
        : undefined;
    default:
      return undefined;
  }
}

/** Parses one of the gateway's notices; undefined for anything else (the page ignores it). */
export function parseWallNotice(text: string): WallNotice | undefined {
  const value = parseJson(text);
  if (!value) return undefined;
  switch (value.type) {
    case 'hello': {
      const { width, height, maxConsoles, intervalMs } = value;
      return isCount(width) && isCount(height) && isCount(maxConsoles) && isCount(intervalMs)
        ? { type: 'hello', width, height, maxConsoles, intervalMs }
        : undefined;
    }
    case 'rate':
      return isCount(value.intervalMs) ? { type: 'rate', intervalMs: value.intervalMs } : undefined;
    case 'state': {
      const { console, state, code, reason } = value;
      if (!isWallConsoleKey(console) || (state !== 'opening' && state !== 'live' && state !== 'stopped'))
        return undefined;
      if ((code !== undefined && !isCount(code)) || (reason !== undefined && typeof reason !== 'string'))
        return undefined;
      return {
        type: 'state',
        console,
        state,
        ...(code === undefined ? {} : { code }),
        ...(reason === undefined ? {} : { reason }),
      };
    }
    case 'refused':
      return typeof value.reason === 'string' ? { type: 'refused', reason: value.reason } : undefined;
    default:
      return undefined;
  }
}

/** A thumbnail as one binary frame: the key's length, the key, the PNG. */
export function thumbnailFrame(key: WallConsoleKey, png: Uint8Array): Uint8Array {
  const frame = new Uint8Array(1 + key.length + png.length);
  frame[0] = key.length;
  for (let i = 0; i < key.length; i++) frame[1 + i] = key.charCodeAt(i);
  frame.set(png, 1 + key.length);
  return frame;
}

/** The console and PNG of a thumbnail frame; undefined when the frame is not one. */
export function readThumbnailFrame(frame: Uint8Array): { console: WallConsoleKey; png: Uint8Array } | undefined {
  const length = frame[0];
  if (length === undefined || frame.length <= 1 + length) return undefined;
  const key = String.fromCharCode(...frame.subarray(1, 1 + length));
  return isWallConsoleKey(key) ? { console: key, png: frame.subarray(1 + length) } : undefined;
}
