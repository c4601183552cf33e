import type RFB from '@novnc/novnc';
import type { RecordingRecord } from '../shared/contracts.ts';
import { Store } from '../store/store.ts';
import type { IndexedKeyframe, RecordingDetail } from './api.ts';
import { RecordReader, type FetchRange } from './record-reader.ts';
import { ReplayChannel } from './replay-channel.ts';

export const SPEEDS = [0.5, 1, 2, 4, 8, 16] as const;
export type Speed = (typeof SPEEDS)[number];

export interface PlayerState {
  /** Where playback is, ms from the start. */
  readonly position: number;
  readonly playing: boolean;
  readonly speed: Speed;
  /** `loading` while a seek builds the picture; `ended` at the end; `error` when the file cannot be played on. */
  readonly phase: 'loading' | 'ready' | 'ended' | 'error';
  /** Something the viewer should read (a seek past the end, damage found while playing). */
  readonly message?: string;
}

/** The keyframe to start from for `time`: the last at or before it (or the first, before any). */
export function keyframeFor(keyframes: readonly IndexedKeyframe[], time: number): IndexedKeyframe | undefined {
  let found = keyframes[0];
  for (const k of keyframes) if (k.time <= time) found = k;
  return found;
}

/** `time` within the recording, and what to tell the viewer when it was not. */
export function clampSeek(time: number, duration: number): { time: number; message?: string } {
  if (!Number.isFinite(time) || time < 0) return { time: 0 };
  if (time > duration) return { time: duration, message: 'That is past the end of the recording: showing its end.' };
  return { time };
}

/** Longest sleep between checks of the clock, so pause, speed and seek act at once. */
const TICK_MS = 100;

/**
 * Plays a recording with noVNC: each seek makes a fresh noVNC fed by a ReplayChannel from the keyframe at or before
 * the target, replays the records up to it at once, then delivers the rest on the recording's clock (× speed).
 */
export class RecordingPlayer {
  readonly state: Store<PlayerState>;
  private rfb: RFB | undefined;
  private channel: ReplayChannel | undefined;
  private generation = 0;
  /** The clock: `anchorPosition` at `anchorWall` (performance.now()), moving at `speed` while playing. */
  private anchorPosition = 0;
  private anchorWall = 0;
  private disposed = false;
  /** The element noVNC draws into (`attach`). */
  private target: HTMLElement | undefined;

  constructor(
    private readonly detail: RecordingDetail,
    private readonly loadRfb: () => Promise<typeof RFB>,
    private readonly fetchRange: FetchRange,
  ) {
    this.state = new Store<PlayerState>({ position: 0, playing: false, speed: 1, phase: 'loading' });
  }

  /** Shows the start of the recording in `target`. */
  attach(target: HTMLElement): void {
    this.target = target;
    this.disposed = false;
    void this.seek(0, false);
  }

  get duration(): number {
    return this.detail.durationMs;
  }

  /** The clock now. */
  position(): number {
    const { playing, speed } = this.state.get();
    const moved = playing ? (performance.now() - this.anchorWall) * speed : 0;
    return Math.min(this.duration, this.anchorPosition + moved);
  }

  play(): void {
    const s = this.state.get();
    if (s.playing || s.phase === 'error') return;
    if (s.phase === 'ended') return void this.seek(0, true);
    this.anchor(this.position());
    this.patch({ playing: true });
  }

  pause(): void {
    if (!this.state.get().playing) return;
    this.anchor(this.position());
    this.patch({ playing: false, position: this.anchorPosition });
  }

  setSpeed(speed: Speed): void {
    this.anchor(this.position());
    this.patch({ speed });
  }

  /** Shows the picture at `time` (ms); playing on afterwards if `play`, or if it was playing. */
  async seek(time: number, play = this.state.get().playing): Promise<void> {
    const clamped = clampSeek(time, this.duration);
    const keyframe = keyframeFor(this.detail.keyframes, clamped.time);
    const generation = ++this.generation;
    this.stop();
    this.anchor(clamped.time);
    this.state.set({
      ...this.state.get(),
      position: clamped.time,
      playing: false,
      phase: 'loading',
      ...(clamped.message ? { message: clamped.message } : { message: undefined }),
    });
    if (!keyframe) return this.fail('This recording has no picture to show.');
    const Rfb = await this.loadRfb();
    if (generation !== this.generation || this.disposed || !this.target) return;
    const channel = new ReplayChannel(keyframe);
    const rfb = new Rfb(this.target, channel as unknown as WebSocket, { shared: true });
    rfb.viewOnly = true;
    rfb.scaleViewport = true;
    rfb.focusOnClick = false;
    this.rfb = rfb;
    this.channel = channel;
    await channel.ready;
    const reader = new RecordReader(this.fetchRange, keyframe.offset, this.detail.playableBytes);
    // Fast-forward: everything from the keyframe up to the target, at once; the first record past it is not waited for.
    for (;;) {
      const time = await reader.nextTime().catch(() => undefined);
      if (generation !== this.generation) return;
      if (time !== undefined && time > clamped.time) break;
      const next = await this.read(reader, generation);
      if (!next) return;
      if (next.type === 'screen') channel.deliver(next.bytes);
    }
    this.anchor(clamped.time);
    this.patch({ phase: 'ready', playing: play, position: clamped.time });
    void this.run(reader, generation);
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.stop();
  }

  /** Delivers records as the clock reaches them, until the end, a seek or disposal. */
  private async run(reader: RecordReader, generation: number): Promise<void> {
    let record = await this.read(reader, generation);
    for (;;) {
      if (generation !== this.generation) return;
      if (!record) return;
      const now = this.position();
      if (record.time <= now) {
        if (record.type === 'screen') this.channel?.deliver(record.bytes);
        const next = await this.read(reader, generation);
        if (!next) return;
        record = next;
        continue;
      }
      this.patch({ position: now });
      const { playing, speed } = this.state.get();
      const wait = playing ? Math.min(TICK_MS, (record.time - now) / speed) : TICK_MS;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, wait)));
    }
  }

  /** The next record; undefined at the end (the state says so), on damage, or when this playback was replaced. */
  private async read(reader: RecordReader, generation: number): Promise<RecordingRecord | undefined> {
    let result;
    try {
      result = await reader.next();
    } catch (error) {
      if (generation === this.generation) this.fail(`Could not read the recording: ${String(error)}`);
      return undefined;
    }
    if (generation !== this.generation) return undefined;
    if (result.kind === 'record') return result.record;
    if (result.kind === 'malformed') {
      this.fail(`The recording is damaged from here on (${result.reason}); it cannot play further.`);
      return undefined;
    }
    this.anchor(this.duration);
    this.patch({ phase: 'ended', playing: false, position: this.duration });
    return undefined;
  }

  private fail(message: string): void {
    this.anchor(this.position());
    this.patch({ phase: 'error', playing: false, message, position: this.anchorPosition });
  }

  private stop(): void {
    this.rfb?.disconnect();
    this.rfb = undefined;
    this.channel = undefined;
  }

  private anchor(position: number): void {
    this.anchorPosition = position;
    this.anchorWall = performance.now();
  }

  private patch(change: Partial<PlayerState>): void {
    this.state.set({ ...this.state.get(), ...change });
  }
}
