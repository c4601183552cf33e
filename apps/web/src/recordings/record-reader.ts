import { readRecord, readRecordHeader, type RecordingRecord } from '../shared/contracts.ts';

/**
 * Bytes asked for at a time: a seek on a busy screen (a keyframe and an update, 2–5 MB in full colour) in one or two
 * requests, each of which costs a round trip through the gateway; a long stretch of a quiet screen.
 */
export const CHUNK = 4 * 1024 * 1024;

export type ReadResult =
  | { readonly kind: 'record'; readonly record: RecordingRecord }
  | { readonly kind: 'end' }
  | { readonly kind: 'malformed'; readonly reason: string };

export type FetchRange = (start: number, end: number) => Promise<Uint8Array>;

/** Fetches `[start, end]` of a recording's file with a Range request. */
export const rangeFetcher =
  (url: string): FetchRange =>
  async (start, end) => {
    const response = await fetch(url, { headers: { Range: `bytes=${start}-${end}` }, credentials: 'same-origin' });
    if (response.status !== 206 && response.status !== 200) {
      throw new Error(`the gateway answered ${response.status} for part of the recording`);
    }
    return new Uint8Array(await response.arrayBuffer());
  };

/**
 * Reads a recording's records in order from `start` (a keyframe's offset) up to `end` (its playable bytes), fetching
 * the file in ranges as it goes; every record is checked (length, CRC, payload) by the contract's parser.
 */
export class RecordReader {
  private buffer = new Uint8Array(0);
  private at = 0;
  private fetched: number;

  constructor(
    private readonly fetchRange: FetchRange,
    start: number,
    private readonly end: number,
  ) {
    this.fetched = start;
  }

  async next(): Promise<ReadResult> {
    for (let i = 0; i < 1000; i++) {
      const read = readRecord(this.buffer, this.at);
      if (read.kind === 'record') {
        this.at = read.next;
        return { kind: 'record', record: read.record };
      }
      if (read.kind === 'malformed') return read;
      const more = await this.more(read.needed ?? 0);
      if (more) return more;
    }
    return { kind: 'malformed', reason: 'a record is too long' };
  }

  /**
   * The time of the next record, fetching no more than its header needs: a seek stops at the first record past its
   * point without waiting for that record's payload (a whole screen, on a busy one). Undefined at the end or damage,
   * which `next()` then reports.
   */
  async nextTime(): Promise<number | undefined> {
    for (let i = 0; i < 2; i++) {
      const header = readRecordHeader(this.buffer, this.at);
      if (header) return 'malformed' in header ? undefined : header.time;
      if (await this.more(0)) return undefined;
    }
    return undefined;
  }

  /** Fetches the next range (at least `needed` bytes past the current record's start); a result when none is left. */
  private async more(needed: number): Promise<ReadResult | undefined> {
    if (this.fetched >= this.end) {
      return this.at >= this.buffer.length ? { kind: 'end' } : { kind: 'malformed', reason: 'a record is cut off' };
    }
    const want = Math.max(CHUNK, needed - (this.buffer.length - this.at));
    const last = Math.min(this.end, this.fetched + want) - 1;
    const bytes = await this.fetchRange(this.fetched, last);
    if (bytes.length === 0) return { kind: 'malformed', reason: 'the file ended early' };
    this.fetched += bytes.length;
    const rest = this.buffer.subarray(this.at);
    const joined = new Uint8Array(rest.length + bytes.length);
    joined.set(rest);
    joined.set(bytes, rest.length);
    this.buffer = joined;
    this.at = 0;
    return undefined;
  }
}
