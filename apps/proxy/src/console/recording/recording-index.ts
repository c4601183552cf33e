import type fs from 'node:fs/promises';
import {
  hasRecordingMagic,
  readRecord,
  readRecordHeader,
  RECORD_HEADER_BYTES,
  RECORDING_MAGIC,
  type IndexedKeyframe,
  type RecordingEnd,
  type RecordingEvent,
  type RecordingMeta,
} from '@xwc/contracts';

/** Events kept per recording for the player's timeline; a longer recording's later events are counted, not kept. */
export const MAX_INDEXED_EVENTS = 50_000;
/** A JSON record (meta, keyframe, event, end) longer than this is not one the gateway wrote. */
const MAX_JSON_RECORD = 1024 * 1024;
const BLOCK = 256 * 1024;

/** What a scan of a recording file found: enough to list it, draw its timeline and seek in it. */
export interface RecordingIndex {
  meta: RecordingMeta | undefined;
  keyframes: IndexedKeyframe[];
  events: { time: number; event: RecordingEvent }[];
  eventsDropped: number;
  /** Time of the last complete record (ms since the start). */
  durationMs: number;
  /** End of the last complete record: everything before it plays. */
  playableBytes: number;
  end: RecordingEnd | undefined;
  /** Why the file stops early: a record cut off (crash, full disk) or one that is not valid (damage). */
  stop: { kind: 'cut-short' } | { kind: 'malformed'; reason: string; offset: number } | undefined;
}

export const emptyIndex = (): RecordingIndex => ({
  meta: undefined,
  keyframes: [],
  events: [],
  eventsDropped: 0,
  durationMs: 0,
  playableBytes: 0,
  end: undefined,
  stop: undefined,
});

/**
 * Reads a recording from `index.playableBytes` to `size`, extending `index` (a file still being written is scanned
 * again from where the last scan stopped). Screen payloads are skipped, not read: their records are located by their
 * headers; the player checks each one's CRC as it plays.
 */
export async function scanRecording(handle: fs.FileHandle, size: number, index: RecordingIndex): Promise<void> {
  let block = Buffer.alloc(0);
  let blockAt = 0;
  const bytesAt = async (at: number, n: number): Promise<Buffer | undefined> => {
    if (at < blockAt || at + n > blockAt + block.length) {
      const length = Math.min(Math.max(n, BLOCK), size - at);
      if (length < n) return undefined;
      block = Buffer.alloc(length);
      const { bytesRead } = await handle.read(block, 0, length, at);
      block = block.subarray(0, bytesRead);
      blockAt = at;
      if (bytesRead < n) return undefined;
    }
    return block.subarray(at - blockAt, at - blockAt + n);
  };
  index.stop = undefined;
  let at = index.playableBytes;
  if (at === 0) {
    const magic = await bytesAt(0, RECORDING_MAGIC.length);
    if (!magic) return void (index.stop = { kind: 'cut-short' });
    if (!hasRecordingMagic(magic)) {
      return void (index.stop = { kind: 'malformed', reason: 'this is not a recording file', offset: 0 });
    }
    at = RECORDING_MAGIC.length;
    index.playableBytes = at;
  }
  const malformed = (reason: string) => (index.stop = { kind: 'malformed', reason, offset: at });
  while (at < size && !index.end) {
    const head = await bytesAt(at, RECORD_HEADER_BYTES);
    const header = head && readRecordHeader(head, 0);
    if (!header) return void (index.stop = { kind: 'cut-short' });
    if ('malformed' in header) return void malformed(header.malformed);
    if (at + header.size > size) return void (index.stop = { kind: 'cut-short' });
    if (index.meta === undefined && header.type !== 'meta')
      return void malformed('the file does not start with its meta record');
    if (header.type !== 'screen') {
      if (header.size > MAX_JSON_RECORD) return void malformed(`a ${header.type} record is too long`);
      const bytes = await bytesAt(at, header.size);
      if (!bytes) return void (index.stop = { kind: 'cut-short' });
      const read = readRecord(bytes, 0);
      if (read.kind !== 'record')
        return void malformed(read.kind === 'malformed' ? read.reason : 'a record is cut off');
      const { record } = read;
      switch (record.type) {
        case 'meta':
          if (index.meta) return void malformed('a second meta record');
          index.meta = record.meta;
          break;
        case 'keyframe':
          index.keyframes.push({ time: record.time, offset: at, ...record.keyframe });
          break;
        case 'event':
          if (index.events.length < MAX_INDEXED_EVENTS) index.events.push({ time: record.time, event: record.event });
          else index.eventsDropped++;
          break;
        case 'end':
          index.end = record.end;
          break;
        case 'screen':
          break;
      }
    }
    at += header.size;
    index.playableBytes = at;
    index.durationMs = Math.max(index.durationMs, header.time);
  }
}
