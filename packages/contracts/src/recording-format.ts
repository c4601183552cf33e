/**
 * The console recording file (documented in docs/api.md, "Recordings"), written by the gateway and read by the
 * gateway (index, listing) and by the browser's player. Pure: bytes in, typed values out, no Node or DOM API, so both
 * sides share one parser.
 *
 * A file is the 8-byte magic, then records: type (u8), time (u32, ms since the recording started), payload length
 * (u32), payload, CRC-32 of everything before it in the record (u32); integers big-endian. The first record is `meta`.
 * A record is either whole and valid or the file ends there: a recording cut short (crash, full disk) is playable up to
 * its last complete record.
 */

export const RECORDING_MAGIC = 'XWCREC01';
export const RECORD_HEADER_BYTES = 9;
export const RECORD_TRAILER_BYTES = 4;
/** Far beyond one screen update (a full 8192×8192 screen in Raw is 256 MiB, but updates are written per tile). */
export const MAX_RECORD_PAYLOAD = 64 * 1024 * 1024;
/** Longest a recording's clock runs (u32 milliseconds): the recorder ends a recording before it. */
export const MAX_RECORDING_MS = 0xffff_ffff;

export const RecordType = {
  /** JSON `RecordingMeta`: what was recorded. Always first. */
  meta: 1,
  /** Server→client RFB messages (FramebufferUpdate, Bell, ServerCutText) in noVNC's pixel format, as noVNC reads them. */
  screen: 2,
  /** JSON `Keyframe`: the next screen record is a whole, non-incremental update of a screen this size. */
  keyframe: 3,
  /** JSON `RecordingEvent`: someone joined, left, took the keyboard, typed, clicked, pasted. */
  event: 4,
  /** JSON `RecordingEnd`: the recording ended cleanly. Absent from a file that was cut short. */
  end: 5,
} as const;
export type RecordTypeName = keyof typeof RecordType;
const TYPE_NAMES = new Map<number, RecordTypeName>(
  (Object.keys(RecordType) as RecordTypeName[]).map((name) => [RecordType[name], name]),
);

export interface RecordingMeta {
  readonly format: 1;
  /** The recording's id (also its file name without `.xwcrec`). */
  readonly id: string;
  /** `vm/<uuid>` or `host/<uuid>`. */
  readonly console: string;
  /** The VM's or host's name when the recording started. */
  readonly objectName: string;
  /** ISO 8601. */
  readonly started: string;
  /** Whether key events carry the key pressed (an admin turned key capture on); otherwise they say only "a key". */
  readonly keys: boolean;
  /** The gateway instance that wrote it. */
  readonly instance: string;
}

export interface Keyframe {
  readonly width: number;
  readonly height: number;
  readonly name: string;
}

/** Who did something, as presence named them. */
export interface RecordedViewer {
  readonly viewer: string;
  readonly user: string;
}

export type RecordingEvent =
  | (RecordedViewer & { readonly kind: 'join'; readonly role: string; readonly viewOnly: boolean })
  | (RecordedViewer & { readonly kind: 'leave' })
  /** `viewer` got the keyboard (`how`), or gave it up (`how: 'released'`). */
  | (RecordedViewer & { readonly kind: 'control'; readonly how: string })
  /** A key went down or up; `keysym` only when key capture is on. `forwarded`: it reached the guest. */
  | (RecordedViewer & {
      readonly kind: 'key';
      readonly down: boolean;
      readonly forwarded: boolean;
      readonly keysym?: number;
    })
  /** A pointer button went down or up (moves alone are not recorded). */
  | (RecordedViewer & {
      readonly kind: 'pointer';
      readonly x: number;
      readonly y: number;
      readonly buttons: number;
      readonly forwarded: boolean;
    })
  /** The viewer sent clipboard text to the guest; the text itself only with key capture on. */
  | (RecordedViewer & {
      readonly kind: 'clipboard';
      readonly length: number;
      readonly forwarded: boolean;
      readonly text?: string;
    })
  /** The viewer's input is not recorded from now on (`on`), or is again. */
  | (RecordedViewer & { readonly kind: 'secret'; readonly on: boolean })
  /** The console went away under its viewers (reboot, migration), or is back. */
  | { readonly kind: 'upstream'; readonly state: 'reattaching' | 'live' };

export interface RecordingEnd {
  /** `closed`: the console ended; `failed`: writing failed (see `detail`); `limit`: the recording reached its length limit. */
  readonly reason: 'closed' | 'failed' | 'limit';
  readonly detail?: string;
}

/** What the recordings API says of a recording's file (docs/api.md, "Recordings"). */
export const RECORDING_STATUSES = ['recording', 'complete', 'failed', 'cut-short', 'damaged'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/** One recording as `GET /api/recordings` lists it. */
export interface RecordingSummary {
  readonly id: string;
  /** `vm/<uuid>` or `host/<uuid>`. */
  readonly console: string;
  /** The VM's or host's name when the recording started (it may be gone since). */
  readonly objectName: string;
  readonly started: string;
  readonly durationMs: number;
  readonly bytes: number;
  readonly keys: boolean;
  readonly status: RecordingStatus;
  /** Why it is not complete, in a sentence. */
  readonly problem?: string;
}

/** A keyframe as the recordings API lists it: where its record starts, and the screen it shows. */
export interface IndexedKeyframe extends Keyframe {
  readonly time: number;
  /** Where the keyframe record starts: playback from here needs nothing before it. */
  readonly offset: number;
}

export type RecordingRecord =
  | { readonly type: 'meta'; readonly time: number; readonly meta: RecordingMeta }
  | { readonly type: 'screen'; readonly time: number; readonly bytes: Uint8Array }
  | { readonly type: 'keyframe'; readonly time: number; readonly keyframe: Keyframe }
  | { readonly type: 'event'; readonly time: number; readonly event: RecordingEvent }
  | { readonly type: 'end'; readonly time: number; readonly end: RecordingEnd };

/** What `readRecord` found at an offset. */
export type RecordRead =
  | { readonly kind: 'record'; readonly record: RecordingRecord; readonly next: number }
  /** The bytes end inside a record (a cut-short file, or a read that stopped early); `needed`: the record's full size. */
  | { readonly kind: 'incomplete'; readonly needed?: number }
  | { readonly kind: 'malformed'; readonly reason: string };

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function recordingMagic(): Uint8Array {
  return encoder.encode(RECORDING_MAGIC);
}

/** Whether `bytes` starts like a recording file. */
export function hasRecordingMagic(bytes: Uint8Array): boolean {
  if (bytes.length < RECORDING_MAGIC.length) return false;
  for (let i = 0; i < RECORDING_MAGIC.length; i++) if (bytes[i] !== RECORDING_MAGIC.charCodeAt(i)) return false;
  return true;
}

/** One record's bytes: a payload that is binary (screen) or a value written as JSON. */
export function encodeRecord(type: RecordTypeName, time: number, payload: Uint8Array | object): Uint8Array {
  const body = payload instanceof Uint8Array ? payload : encoder.encode(JSON.stringify(payload));
  if (body.length > MAX_RECORD_PAYLOAD) throw new RangeError(`a ${type} record of ${body.length} bytes is too long`);
  const out = new Uint8Array(RECORD_HEADER_BYTES + body.length + RECORD_TRAILER_BYTES);
  const view = new DataView(out.buffer);
  view.setUint8(0, RecordType[type]);
  view.setUint32(1, Math.max(0, Math.min(MAX_RECORDING_MS, Math.floor(time))));
  view.setUint32(5, body.length);
  out.set(body, RECORD_HEADER_BYTES);
  view.setUint32(RECORD_HEADER_BYTES + body.length, crc32(out, 0, RECORD_HEADER_BYTES + body.length));
  return out;
}

/** The type, time and payload length of the record at `at`, without reading its payload (an index scan skips it). */
export function readRecordHeader(
  bytes: Uint8Array,
  at: number,
): { type: RecordTypeName; time: number; size: number } | { malformed: string } | undefined {
  if (bytes.length - at < RECORD_HEADER_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, RECORD_HEADER_BYTES);
  const type = TYPE_NAMES.get(view.getUint8(0));
  if (!type) return { malformed: `unknown record type ${view.getUint8(0)}` };
  const length = view.getUint32(5);
  if (length > MAX_RECORD_PAYLOAD)
    return { malformed: `a record claims ${length} bytes (at most ${MAX_RECORD_PAYLOAD})` };
  return { type, time: view.getUint32(1), size: RECORD_HEADER_BYTES + length + RECORD_TRAILER_BYTES };
}

/** Reads the record at `at` in `bytes` (which may hold only part of a file: offsets are within `bytes`). */
export function readRecord(bytes: Uint8Array, at: number): RecordRead {
  const header = readRecordHeader(bytes, at);
  if (header === undefined) return { kind: 'incomplete' };
  if ('malformed' in header) return { kind: 'malformed', reason: header.malformed };
  if (bytes.length - at < header.size) return { kind: 'incomplete', needed: header.size };
  const bodyEnd = at + header.size - RECORD_TRAILER_BYTES;
  const stored = new DataView(bytes.buffer, bytes.byteOffset + bodyEnd, 4).getUint32(0);
  if (stored !== crc32(bytes, at, bodyEnd)) return { kind: 'malformed', reason: 'a record fails its checksum' };
  const payload = bytes.subarray(at + RECORD_HEADER_BYTES, bodyEnd);
  const record = parsePayload(header.type, header.time, payload);
  return typeof record === 'string'
    ? { kind: 'malformed', reason: record }
    : { kind: 'record', record, next: at + header.size };
}

type Fields = Readonly<Record<string, unknown>>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isFlag = (v: unknown): v is boolean => typeof v === 'boolean';

function json(payload: Uint8Array): Fields | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(payload));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A typed record, or why its payload is not one. */
function parsePayload(type: RecordTypeName, time: number, payload: Uint8Array): RecordingRecord | string {
  if (type === 'screen') return { type, time, bytes: payload };
  const value = json(payload);
  if (!value) return `a ${type} record is not a JSON object`;
  switch (type) {
    case 'meta': {
      const meta = parseMeta(value);
      return meta ? { type, time, meta } : 'the meta record is malformed';
    }
    case 'keyframe': {
      const { width, height, name } = value;
      return isCount(width) && isCount(height) && width <= 8192 && height <= 8192 && isText(name)
        ? { type, time, keyframe: { width, height, name } }
        : 'a keyframe record is malformed';
    }
    case 'event': {
      const event = parseEvent(value);
      return event ? { type, time, event } : 'an event record is malformed';
    }
    case 'end': {
      const { reason, detail } = value;
      if (reason !== 'closed' && reason !== 'failed' && reason !== 'limit') return 'the end record is malformed';
      return { type, time, end: isText(detail) ? { reason, detail } : { reason } };
    }
  }
}

function parseMeta(value: Fields): RecordingMeta | undefined {
  const { format, id, console, objectName, started, keys, instance } = value;
  if (format !== 1 || !isText(id) || !isText(console) || !/^(vm|host)\/[0-9a-fA-F-]{1,64}$/.test(console)) return;
  if (!isText(objectName) || !isText(started) || Number.isNaN(Date.parse(started))) return;
  if (!isFlag(keys) || !isText(instance)) return;
  return { format, id, console, objectName, started, keys, instance };
}

function parseEvent(value: Fields): RecordingEvent | undefined {
  const { kind, viewer, user } = value;
  if (kind === 'upstream') {
    return value.state === 'reattaching' || value.state === 'live' ? { kind, state: value.state } : undefined;
  }
  if (!isText(viewer) || !isText(user)) return undefined;
  const who = { viewer, user };
  switch (kind) {
    case 'join':
      return isText(value.role) && isFlag(value.viewOnly)
        ? { kind, ...who, role: value.role, viewOnly: value.viewOnly }
        : undefined;
    case 'leave':
      return { kind, ...who };
    case 'control':
      return isText(value.how) ? { kind, ...who, how: value.how } : undefined;
    case 'key': {
      const { down, forwarded, keysym } = value;
      if (!isFlag(down) || !isFlag(forwarded)) return undefined;
      if (keysym === undefined) return { kind, ...who, down, forwarded };
      return isCount(keysym) ? { kind, ...who, down, forwarded, keysym } : undefined;
    }
    case 'pointer': {
      const { x, y, buttons, forwarded } = value;
      return isCount(x) && isCount(y) && isCount(buttons) && isFlag(forwarded)
        ? { kind, ...who, x, y, buttons, forwarded }
        : undefined;
    }
    case 'clipboard': {
      const { length, forwarded, text } = value;
      if (!isCount(length) || !isFlag(forwarded)) return undefined;
      if (text === undefined) return { kind, ...who, length, forwarded };
      return isText(text) ? { kind, ...who, length, forwarded, text } : undefined;
    }
    case 'secret':
      return isFlag(value.on) ? { kind, ...who, on: value.on } : undefined;
    default:
      return undefined;
  }
}
