import fs from 'node:fs/promises';
import {
  encodeRecord,
  recordingMagic,
  type RecordingEnd,
  type RecordingMeta,
  type RecordTypeName,
} from '@xwc/contracts';

/** Bytes queued for the disk past which the recorder stops asking for screen updates until they are written. */
export const WRITE_BACKLOG_BYTES = 8 * 1024 * 1024;

/** Why a write failed, in words an admin can act on (never a path or a stack). */
export function writeFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk holding the recordings is full';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'the recordings directory is not writable';
    case 'ENOENT':
    case 'ENOTDIR':
      return 'the recordings directory does not exist';
    default:
      return `writing the recording failed${code ? ` (${code})` : ''}`;
  }
}

/**
 * One recording being written: records appended in order, each with a single write, so a crash or a full disk leaves
 * a file whose complete records all play. The first failure stops it: `onFailure` hears why, once, and nothing more is
 * written.
 */
export class RecordingFile {
  private readonly queue: Uint8Array[] = [];
  private queued = 0;
  private writing = false;
  private failed = false;
  private closing: Promise<void> | undefined;
  private idle: (() => void) | undefined;
  /** Bytes written so far. */
  written = 0;
  private readonly heartbeat: NodeJS.Timeout;

  private constructor(
    private readonly handle: fs.FileHandle,
    private readonly onFailure: (reason: string) => void,
    private readonly onDrain: () => void,
  ) {
    // The file's time says "still being written" to other instances sharing the directory, even on a still screen.
    this.heartbeat = setInterval(() => {
      const now = new Date();
      void handle.utimes(now, now).catch(() => undefined);
    }, 30_000);
    this.heartbeat.unref();
  }

  /** Creates the file (never overwriting one) and writes its magic and meta record. */
  static async create(
    path: string,
    meta: RecordingMeta,
    events: { onFailure: (reason: string) => void; onDrain: () => void },
  ): Promise<RecordingFile> {
    const handle = await fs.open(path, 'wx', 0o600);
    const file = new RecordingFile(handle, events.onFailure, events.onDrain);
    file.enqueue(concat(recordingMagic(), encodeRecord('meta', 0, { ...meta })));
    return file;
  }

  get backlog(): number {
    return this.queued;
  }

  get ok(): boolean {
    return !this.failed;
  }

  append(type: RecordTypeName, time: number, payload: Uint8Array | object): void {
    if (this.failed || this.closing) return;
    this.enqueue(encodeRecord(type, time, payload));
  }

  private enqueue(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.queued += bytes.length;
    if (!this.writing) void this.pump();
  }

  /** Writes the end record (unless the file failed), waits for the queue, closes. */
  close(time: number, end?: RecordingEnd): Promise<void> {
    if (end && !this.failed) this.append('end', time, end);
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      if (this.writing) await new Promise<void>((resolve) => (this.idle = resolve));
      await this.handle.close().catch(() => undefined);
    })();
    return this.closing;
  }

  private async pump(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0 && !this.failed) {
      const record = this.queue.shift()!;
      try {
        let done = 0;
        while (done < record.length) {
          const { bytesWritten } = await this.handle.write(record, done, record.length - done);
          done += bytesWritten;
        }
        this.written += record.length;
        this.queued -= record.length;
      } catch (error) {
        this.failed = true;
        this.queue.length = 0;
        this.queued = 0;
        this.onFailure(writeFailure(error));
      }
    }
    this.writing = false;
    this.idle?.();
    this.idle = undefined;
    if (!this.failed && !this.closing) this.onDrain();
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
