import { ApiError, request } from '../api/http.ts';
import { isObject } from '../api/wire.ts';
import {
  RECORDING_STATUSES,
  type IndexedKeyframe,
  type RecordingEvent,
  type RecordingStatus,
  type RecordingSummary,
} from '../shared/contracts.ts';

export type { IndexedKeyframe, RecordingStatus, RecordingSummary };

/** The recordings API (docs/api.md, "Recordings"), parsed once into the UI's types. */

export interface RecordingDetail extends RecordingSummary {
  readonly playableBytes: number;
  readonly keyframes: readonly IndexedKeyframe[];
  readonly events: readonly { readonly time: number; readonly event: RecordingEvent }[];
  readonly eventsDropped: number;
}

const bad = (): ApiError => new ApiError(502, 'BAD_RESPONSE', 'The gateway sent an unexpected recordings answer.');
const count = (v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw bad();
  return v;
};
const text = (v: unknown): string => {
  if (typeof v !== 'string') throw bad();
  return v;
};

function parseSummary(value: unknown): RecordingSummary {
  if (!isObject(value) || !(RECORDING_STATUSES as readonly string[]).includes(String(value.status))) throw bad();
  return {
    id: text(value.id),
    console: text(value.console),
    objectName: text(value.objectName),
    started: text(value.started),
    durationMs: count(value.durationMs),
    bytes: count(value.bytes),
    keys: value.keys === true,
    status: value.status as RecordingStatus,
    ...(typeof value.problem === 'string' ? { problem: value.problem } : {}),
  };
}

export async function fetchRecordings(): Promise<{ recordings: RecordingSummary[]; problem?: string }> {
  const body = await request<unknown>('/api/recordings');
  if (!isObject(body) || !Array.isArray(body.recordings)) throw bad();
  return {
    recordings: body.recordings.map(parseSummary),
    ...(typeof body.problem === 'string' ? { problem: body.problem } : {}),
  };
}

export async function fetchRecording(id: string): Promise<RecordingDetail> {
  const body = await request<unknown>(`/api/recordings/${encodeURIComponent(id)}`);
  if (!isObject(body) || !Array.isArray(body.keyframes) || !Array.isArray(body.events)) throw bad();
  const keyframes = body.keyframes.map((k: unknown) => {
    if (!isObject(k)) throw bad();
    return {
      time: count(k.time),
      offset: count(k.offset),
      width: count(k.width),
      height: count(k.height),
      name: text(k.name),
    };
  });
  // Events were checked by the gateway's parser of the file (the same one as the player's); only their shape matters.
  const events = body.events.flatMap((e: unknown) =>
    isObject(e) && isObject(e.event) && typeof e.time === 'number'
      ? [{ time: e.time, event: e.event as unknown as RecordingEvent }]
      : [],
  );
  return {
    ...parseSummary(body),
    playableBytes: count(body.playableBytes),
    keyframes,
    events,
    eventsDropped: count(body.eventsDropped),
  };
}

export const recordingFileUrl = (id: string): string => `/api/recordings/${encodeURIComponent(id)}/file`;
export const recordingPath = (id: string): string => `/recordings/${encodeURIComponent(id)}`;
