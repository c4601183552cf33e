import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { emptyIndex, scanRecording, type RecordingIndex } from './recording-index.ts';

export const RECORDING_EXTENSION = '.xwcrec';
/** `20260103T101500Z-<instance>-<8 hex>`: sortable by start, unique across instances sharing a directory. */
const ID = /^\d{8}T\d{6}Z-[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}-[0-9a-f]{8}$/;
/** A file without an end record written to this recently may be live on another instance sharing the directory. */
export const LIVE_ELSEWHERE_MS = 90_000;

export const isRecordingId = (id: string): boolean => ID.test(id);

export function newRecordingId(instance: string, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const safe =
    instance
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^\./, '_')
      .slice(0, 64) || 'gateway';
  return `${stamp}-${safe}-${randomBytes(4).toString('hex')}`;
}

export interface StoredRecording {
  readonly id: string;
  readonly bytes: number;
  readonly modified: number;
  readonly index: RecordingIndex;
}

/**
 * The recordings directory: file names, scans (kept and extended as files grow), deletion. Knows nothing of consoles
 * or policy; nothing here follows a path given by a client (ids are checked against `ID` before any file is named).
 */
export class RecordingStore {
  private readonly scans = new Map<string, { size: number; modified: number; index: RecordingIndex }>();

  constructor(readonly dir: string) {}

  /** Creates the directory (owner only) if it is missing; throws what went wrong. */
  ensure(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  pathOf(id: string): string {
    if (!isRecordingId(id)) throw new Error('not a recording id');
    return path.join(this.dir, `${id}${RECORDING_EXTENSION}`);
  }

  async ids(): Promise<string[]> {
    const names = await fsp.readdir(this.dir).catch(() => [] as string[]);
    return names
      .filter((name) => name.endsWith(RECORDING_EXTENSION))
      .map((name) => name.slice(0, -RECORDING_EXTENSION.length))
      .filter(isRecordingId)
      .sort();
  }

  /** The recording's file and what a scan of it says; undefined when there is no such file. */
  async read(id: string): Promise<StoredRecording | undefined> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(this.pathOf(id), 'r');
    } catch {
      return undefined;
    }
    try {
      const stat = await handle.stat();
      const modified = stat.mtimeMs;
      let cached = this.scans.get(id);
      // A file that shrank was replaced: start over. One that grew is scanned on from where the last scan ended.
      if (!cached || stat.size < cached.size) cached = { size: 0, modified: 0, index: emptyIndex() };
      if (stat.size !== cached.size || (cached.index.stop && modified !== cached.modified)) {
        await scanRecording(handle, stat.size, cached.index);
        cached.size = stat.size;
        cached.modified = modified;
      }
      this.scans.set(id, cached);
      return { id, bytes: stat.size, modified, index: cached.index };
    } finally {
      await handle.close();
    }
  }

  async remove(id: string): Promise<void> {
    this.scans.delete(id);
    await fsp.rm(this.pathOf(id), { force: true });
  }
}
