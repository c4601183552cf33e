import type { RecordingStatus, RecordingSummary } from '@xwc/contracts';
import type { Audit } from '../../audit.ts';
import type { UserSession } from '../../auth/sessions.ts';
import type { Logger } from '../../log.ts';
import type { ConsoleOwner } from '../resolve.ts';
import { NOT_RECORDED, readPolicy, type RecordingPolicy } from './policy.ts';
import { ConsoleRecorder, type RecordedConsole } from './recorder.ts';
import { LIVE_ELSEWHERE_MS, newRecordingId, RecordingStore, type StoredRecording } from './recording-store.ts';

export interface RecordingsOptions {
  readonly dir: string;
  readonly maxBytes: number;
  readonly retentionMs: number;
  /** A whole-screen keyframe at least this often while the screen changes: a seek replays at most this much. */
  readonly keyframeMs: number;
  readonly instance: string;
  readonly audit: Audit;
  readonly log: Logger;
}

/** A policy read is reused this long: opening a console must not cost three XAPI calls every time. */
const POLICY_TTL_MS = 10_000;
const PRUNE_EVERY_MS = 60_000;

/**
 * Console recording for the gateway: which consoles are recorded (the pool's policy, read when a viewer opens one),
 * one recorder per recorded shared console, the directory's size cap and retention, and what the API lists.
 */
export class Recordings {
  readonly store: RecordingStore;
  private readonly policies = new Map<string, { policy: RecordingPolicy; at: number }>();
  /** Live recorders by console key. */
  private readonly live = new Map<string, { id: string; recorder: ConsoleRecorder }>();
  /** Recordings of this instance that failed, and why (a failed file has no end record to say so). */
  private readonly failures = new Map<string, string>();
  private readonly pruner: NodeJS.Timeout;
  private pruning: Promise<void> | undefined;
  /** Why the directory cannot be used, when it cannot (recording then fails loudly per console). */
  unusable: string | undefined;

  constructor(private readonly options: RecordingsOptions) {
    this.store = new RecordingStore(options.dir);
    try {
      this.store.ensure();
    } catch (error) {
      this.unusable = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      options.log.error('the recordings directory cannot be created; recorded consoles will report it', {
        code: this.unusable,
      });
    }
    this.pruner = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruner.unref();
    void this.prune();
  }

  /** Reads (or reuses) the policy of a console before its viewer is routed; errors read as "not recorded". */
  async prepare(session: UserSession, owner: ConsoleOwner, uuid: string): Promise<void> {
    const key = `${owner}/${uuid}`;
    const known = this.policies.get(key);
    if (known && Date.now() - known.at < POLICY_TTL_MS) return;
    const policy = await readPolicy(session.xapi, owner, uuid).catch((error: unknown) => {
      this.options.log.warn('could not read the recording policy', { object: key, error });
      return known?.policy ?? NOT_RECORDED;
    });
    this.policies.set(key, { policy, at: Date.now() });
  }

  /** A recorded console is never bridged directly: only the engine can record it. */
  mustShare(key: string): boolean {
    return this.policies.get(key)?.policy.record ?? false;
  }

  /** The recording of a console, while there is one. */
  recordingOf(key: string): string | undefined {
    return this.live.get(key)?.id;
  }

  /** A shared console was made: record it when its policy says so. */
  attach(console: RecordedConsole): void {
    const policy = this.policies.get(console.key)?.policy;
    if (!policy?.record || this.live.has(console.key)) return;
    const id = newRecordingId(this.options.instance);
    const { audit, log } = this.options;
    const object = console.key;
    const recorder = new ConsoleRecorder(console, {
      id,
      path: this.store.pathOf(id),
      instance: this.options.instance,
      keyframeMs: this.options.keyframeMs,
      policy,
      onStarted: (objectName) =>
        audit({ event: 'recording-start', recording: id, object, objectName, keys: policy.keys }, { source: '' }),
      onFailed: (reason) => {
        this.failures.set(id, reason);
        log.error('console recording failed', { object, recording: id, reason });
        audit({ event: 'recording-failed', recording: id, object, reason }, { source: '' });
      },
      onEnded: ({ bytes, durationMs, end }) => {
        if (this.live.get(object)?.id === id) this.live.delete(object);
        audit(
          { event: 'recording-end', recording: id, object, outcome: end?.reason ?? 'failed', bytes, durationMs },
          { source: '' },
        );
        void this.prune();
      },
    });
    this.live.set(object, { id, recorder });
    if (this.unusable) recorder.fail(`the recordings directory cannot be used (${this.unusable})`);
  }

  async list(): Promise<RecordingSummary[]> {
    const out: RecordingSummary[] = [];
    for (const id of await this.store.ids()) {
      const stored = await this.store.read(id);
      if (stored) out.push(this.summary(stored));
    }
    return out.reverse();
  }

  summary(stored: StoredRecording): RecordingSummary {
    const { id, bytes, index, modified } = stored;
    const meta = index.meta;
    const isLive = [...this.live.values()].some((l) => l.id === id);
    const failure = this.failures.get(id);
    let status: RecordingStatus;
    let problem: string | undefined;
    if (index.stop?.kind === 'malformed') {
      status = 'damaged';
      problem = `The file is damaged at byte ${index.stop.offset} (${index.stop.reason}); it plays up to there.`;
    } else if (index.end) {
      status = index.end.reason === 'failed' ? 'failed' : 'complete';
    } else if (failure) {
      status = 'failed';
      problem = `Recording failed: ${failure}. It plays up to its last complete write.`;
    } else if (isLive || Date.now() - modified < LIVE_ELSEWHERE_MS) {
      status = 'recording';
    } else {
      status = 'cut-short';
      problem =
        'The recording was cut short (the gateway stopped without closing it, or the disk filled); it plays up to ' +
        'its last complete write.';
    }
    return {
      id,
      console: meta?.console ?? '',
      objectName: meta?.objectName ?? '',
      started: meta?.started ?? '',
      durationMs: index.durationMs,
      bytes,
      keys: meta?.keys ?? false,
      status,
      ...(problem ? { problem } : {}),
    };
  }

  /**
   * Deletes recordings older than the retention period, then the oldest while the directory is over its cap; when
   * live recordings alone are over it, they are stopped (the disk is protected before the console record).
   */
  prune(): Promise<void> {
    this.pruning ??= this.pruneNow().finally(() => (this.pruning = undefined));
    return this.pruning;
  }

  private async pruneNow(): Promise<void> {
    const { maxBytes, retentionMs, audit, log } = this.options;
    const liveIds = new Set([...this.live.values()].map((l) => l.id));
    const files: StoredRecording[] = [];
    for (const id of await this.store.ids()) {
      const stored = await this.store.read(id).catch(() => undefined);
      if (stored) files.push(stored);
    }
    let total = files.reduce((sum, f) => sum + f.bytes, 0);
    const now = Date.now();
    const remove = async (file: StoredRecording, reason: 'retention' | 'size-cap') => {
      try {
        await this.store.remove(file.id);
      } catch (error) {
        return log.warn('could not delete a recording', { recording: file.id, error });
      }
      total -= file.bytes;
      this.failures.delete(file.id);
      const object = file.index.meta?.console ?? '';
      audit({ event: 'recording-deleted', recording: file.id, object, reason, bytes: file.bytes }, { source: '' });
    };
    // Oldest first (ids sort by start time).
    for (const file of files) {
      if (!liveIds.has(file.id) && now - file.modified > retentionMs) await remove(file, 'retention');
    }
    for (const file of files) {
      if (total <= maxBytes) break;
      if (!liveIds.has(file.id) && now - file.modified <= retentionMs) await remove(file, 'size-cap');
    }
    if (total <= maxBytes) return;
    for (const { recorder } of [...this.live.values()]) {
      recorder.fail('the recordings directory reached its size cap (RECORDINGS_MAX_SIZE_MIB)');
    }
  }

  /** Ends every recording (gateway shutdown): each file gets its end record. */
  async close(): Promise<void> {
    clearInterval(this.pruner);
    await Promise.all([...this.live.values()].map(({ recorder }) => recorder.finish({ reason: 'closed' })));
    await this.pruning;
  }
}
