import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

/**
 * An append-only log file (owner-only) that can be reopened by path: after logrotate renames it and the gateway gets
 * SIGHUP, the next line goes to a new file of the same name. Writes are queued by Writable, so no line is split.
 */
export class LogFile extends Writable {
  private fd: number;
  private reopenWanted = false;

  constructor(private readonly file: string) {
    super({ decodeStrings: true });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = LogFile.open(file);
  }

  /** Opens the file; throws (ENOENT, EACCES, …) when it cannot, naming nothing but the file. */
  private static open(file: string): number {
    return fs.openSync(file, 'a', 0o600);
  }

  /** The next write goes to a freshly opened file of the same path. */
  reopen(): void {
    this.reopenWanted = true;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.reopenWanted) {
      this.reopenWanted = false;
      try {
        const next = LogFile.open(this.file);
        fs.closeSync(this.fd);
        this.fd = next;
      } catch {
        // Keep writing to the file still open rather than lose lines; the next SIGHUP tries again.
      }
    }
    fs.write(this.fd, chunk, (error) => callback(error));
  }

  override _final(callback: (error?: Error | null) => void): void {
    fs.close(this.fd, (error) => callback(error));
  }
}
