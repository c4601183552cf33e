import type { ConsoleViewer, ControlChange, RecordingEnd, RecordingEvent, RecordingMeta } from '@xwc/contracts';
import { MAX_RECORDING_MS } from '@xwc/contracts';
import type { Framebuffer, InputMessage } from '@xwc/rfb';
import type { ConsoleTap } from '../engine/console-tap.ts';
import type { RecordingPolicy } from './policy.ts';
import { RecordingFile, WRITE_BACKLOG_BYTES, writeFailure } from './recording-file.ts';
import { VirtualViewer } from './virtual-viewer.ts';

/** At most this many screen updates a second are recorded. */
export const RECORDING_FRAME_MS = 100;
/**
 * A keyframe at least every this many bytes of screen updates: bounds what a seek fetches and replays on a busy
 * screen (at 4 MiB, 3–4 whole full-colour screens). Where a whole screen is this large a keyframe costs no more than
 * the update it replaces; on a text-like screen the interval comes first.
 */
export const KEYFRAME_BYTES = 1024 * 1024;
/** Events held while the file is being created (the first viewer joins before the console has a screen). */
const MAX_PENDING = 1000;

/** What a recorder needs of its console (a SharedConsole). */
export interface RecordedConsole {
  readonly key: string;
  readonly objectName: string;
  addTap(tap: ConsoleTap): () => void;
  pin(notice: { type: 'recording'; state: 'on' | 'failed'; keys: boolean; reason?: string }): void;
}

export interface RecorderDeps {
  readonly id: string;
  readonly path: string;
  readonly instance: string;
  readonly keyframeMs: number;
  readonly policy: RecordingPolicy;
  /** The recording started (file created), failed (why), or ended (bytes written). */
  readonly onStarted: (objectName: string) => void;
  readonly onFailed: (reason: string) => void;
  readonly onEnded: (result: { bytes: number; durationMs: number; end: RecordingEnd | undefined }) => void;
}

type Pending = [type: 'event' | 'keyframe' | 'screen', time: number, payload: object | Uint8Array];

/**
 * Records one shared console while it lives: a tap on it that is also a virtual viewer (VirtualViewer) writing the
 * screen as paced RFB updates with periodic keyframes, and every viewer's joins, keyboard changes and input as
 * events, keys redacted unless the policy captures them and nothing of a viewer in secret mode.
 */
export class ConsoleRecorder implements ConsoleTap {
  private readonly started = Date.now();
  private file: RecordingFile | undefined;
  private opening = false;
  private pending: Pending[] = [];
  private viewer: VirtualViewer | undefined;
  private state: 'waiting' | 'on' | 'failed' | 'ended' = 'waiting';
  private readonly detach: () => void;
  private known = new Map<string, ConsoleViewer>();
  /** Viewers typing a secret: nothing of their input is recorded. */
  private readonly secrets = new Set<string>();
  private readonly buttons = new Map<string, number>();
  private readonly unnamed: { time: number; viewer: string; how: string }[] = [];
  private framebuffer: Framebuffer | undefined;
  private name = '';

  constructor(
    private readonly console: RecordedConsole,
    private readonly deps: RecorderDeps,
  ) {
    this.detach = console.addTap(this);
    // Everyone on the console knows it is recorded from the moment they join, before anything is written.
    console.pin({ type: 'recording', state: 'on', keys: deps.policy.keys });
  }

  get failed(): boolean {
    return this.state === 'failed';
  }

  // ---- ConsoleTap ----------------------------------------------------------------------------------------------

  attached(framebuffer: Framebuffer, desktopName: string): void {
    this.framebuffer = framebuffer;
    this.name = desktopName;
    if (this.state === 'failed' || this.state === 'ended') return;
    if (!this.opening) {
      this.opening = true;
      void this.open();
    }
    if (this.viewer) {
      this.event({ kind: 'upstream', state: 'live' });
      this.viewer.keyframe();
    } else {
      this.viewer = new VirtualViewer(framebuffer, desktopName, {
        frameMs: RECORDING_FRAME_MS,
        keyframeMs: this.deps.keyframeMs,
        keyframeBytes: KEYFRAME_BYTES,
        onUpdate: (bytes, keyframe) => this.update(bytes, keyframe),
        busy: () => (this.file?.backlog ?? 0) > WRITE_BACKLOG_BYTES,
        onError: (reason) => this.fail(`the recorder could not follow the screen (${reason})`),
      });
    }
  }

  presence(viewers: readonly ConsoleViewer[]): void {
    const now = new Map(viewers.map((v) => [v.id, v]));
    for (const [id, v] of now) {
      if (!this.known.has(id)) {
        this.event({ kind: 'join', viewer: id, user: v.user, role: v.role, viewOnly: v.viewOnly });
      }
    }
    for (const [id, v] of this.known) if (!now.has(id)) this.event({ kind: 'leave', viewer: id, user: v.user });
    this.known = now;
    for (const { time, viewer, how } of this.unnamed.splice(0)) {
      if (now.has(viewer)) this.write('event', { kind: 'control', ...this.who(viewer), how }, time);
    }
  }

  control(change: ControlChange): void {
    if (change.kind !== 'granted' && change.kind !== 'released') return;
    const how = change.kind === 'granted' ? change.how : 'released';
    // A joining viewer is given the keyboard before the presence list that names it: its change waits for the name.
    if (this.known.has(change.viewer)) this.event({ kind: 'control', ...this.who(change.viewer), how });
    else this.unnamed.push({ time: this.now(), viewer: change.viewer, how });
  }

  input(viewer: ConsoleViewer, message: InputMessage, forwarded: boolean): void {
    if (this.secrets.has(viewer.id)) return;
    const who = { viewer: viewer.id, user: viewer.user };
    const keys = this.deps.policy.keys;
    switch (message.type) {
      case 'key':
      case 'qemu-key':
        return this.event({
          kind: 'key',
          ...who,
          down: message.down,
          forwarded,
          ...(keys ? { keysym: message.keysym } : {}),
        });
      case 'xen-scancode':
        return this.event({ kind: 'key', ...who, down: message.down, forwarded });
      case 'pointer':
        // Moves alone would be most of the file and say little: clicks are what a reviewer looks for.
        if (this.buttons.get(viewer.id) === message.mask) return;
        this.buttons.set(viewer.id, message.mask);
        return this.event({ kind: 'pointer', ...who, x: message.x, y: message.y, buttons: message.mask, forwarded });
      case 'cut-text':
        return this.event({
          kind: 'clipboard',
          ...who,
          length: message.text.length,
          forwarded,
          ...(keys ? { text: message.text } : {}),
        });
    }
  }

  secret(viewer: string, on: boolean): void {
    if (on === this.secrets.has(viewer)) return;
    if (on) this.secrets.add(viewer);
    else this.secrets.delete(viewer);
    this.event({ kind: 'secret', ...this.who(viewer), on });
  }

  closed(): void {
    // The last viewers leave with the console: no presence list follows, so their leaving is written here.
    for (const [id, v] of this.known) this.event({ kind: 'leave', viewer: id, user: v.user });
    this.known.clear();
    void this.finish({ reason: 'closed' });
  }

  // ---- writing -------------------------------------------------------------------------------------------------

  private who(viewer: string): { viewer: string; user: string } {
    return { viewer, user: this.known.get(viewer)?.user ?? '' };
  }

  private now(): number {
    return Date.now() - this.started;
  }

  private event(event: RecordingEvent): void {
    this.write('event', event);
  }

  private update(bytes: Buffer, keyframe: boolean): void {
    const fb = this.framebuffer;
    if (keyframe && fb) this.write('keyframe', { width: fb.width, height: fb.height, name: this.name });
    this.write('screen', bytes);
  }

  private write(type: Pending[0], payload: object | Uint8Array, time = this.now()): void {
    if (this.state === 'failed' || this.state === 'ended') return;
    if (time >= MAX_RECORDING_MS) return void this.finish({ reason: 'limit' });
    if (this.file) return this.file.append(type, time, payload);
    if (this.pending.length < MAX_PENDING) this.pending.push([type, time, payload]);
  }

  private async open(): Promise<void> {
    const meta: RecordingMeta = {
      format: 1,
      id: this.deps.id,
      console: this.console.key,
      objectName: this.console.objectName,
      started: new Date(this.started).toISOString(),
      keys: this.deps.policy.keys,
      instance: this.deps.instance,
    };
    try {
      const file = await RecordingFile.create(this.deps.path, meta, {
        onFailure: (reason) => this.fail(reason),
        onDrain: () => this.viewer?.resume(),
      });
      for (const [type, time, payload] of this.pending) file.append(type, time, payload);
      this.pending = [];
      // The console closed (or recording failed) while the file was being created.
      if (this.state !== 'waiting') {
        return void file.close(this.now(), this.state === 'ended' ? { reason: 'closed' } : undefined);
      }
      this.file = file;
      this.state = 'on';
      this.deps.onStarted(this.console.objectName);
    } catch (error) {
      this.fail(writeFailure(error));
    }
  }

  /** Recording stops; the console goes on, and says so to everyone on it. */
  fail(reason: string): void {
    if (this.state === 'failed' || this.state === 'ended') return;
    this.state = 'failed';
    this.viewer?.close();
    this.pending = [];
    this.console.pin({
      type: 'recording',
      state: 'failed',
      keys: this.deps.policy.keys,
      reason: `Recording stopped: ${reason}.`,
    });
    this.deps.onFailed(reason);
    void this.file?.close(this.now());
  }

  /** Ends the recording (the console closed, the gateway stops, a limit): the file gets its end record. */
  async finish(end: RecordingEnd): Promise<void> {
    if (this.state === 'ended') return;
    const failed = this.state === 'failed';
    this.state = 'ended';
    this.viewer?.close();
    this.detach();
    const durationMs = this.now();
    await this.file?.close(durationMs, failed ? undefined : end);
    this.deps.onEnded({ bytes: this.file?.written ?? 0, durationMs, end: failed ? undefined : end });
  }
}
