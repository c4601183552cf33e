import { describe, expect, it } from 'vitest';
import { clampSeek, keyframeFor } from '../src/recordings/player.ts';
import { CHUNK, RecordReader } from '../src/recordings/record-reader.ts';
import { ReplayChannel } from '../src/recordings/replay-channel.ts';
import { markersOf } from '../src/recordings/timeline.ts';
import { encodeRecord, type RecordingEvent } from '../src/shared/contracts.ts';

/** The player's parts that need no browser: seeking, reading the file in ranges, the fake server, the markers. */

const keyframes = [
  { time: 0, offset: 100, width: 640, height: 480, name: 'a' },
  { time: 5000, offset: 900, width: 640, height: 480, name: 'a' },
];

describe('seeking', () => {
  it('starts from the last keyframe at or before the time, and refuses to go past the end or before the start', () => {
    expect(keyframeFor(keyframes, 4999)?.offset).toBe(100);
    expect(keyframeFor(keyframes, 5000)?.offset).toBe(900);
    expect(keyframeFor(keyframes, 60_000)?.offset).toBe(900);
    expect(clampSeek(12_000, 10_000)).toEqual({
      time: 10_000,
      message: 'That is past the end of the recording: showing its end.',
    });
    expect(clampSeek(-5, 10_000)).toEqual({ time: 0 });
    expect(clampSeek(Number.NaN, 10_000)).toEqual({ time: 0 });
  });
});

describe('reading a recording in ranges', () => {
  const screen = encodeRecord('screen', 10, Uint8Array.of(0, 0, 0, 0));
  const event = encodeRecord('event', 20, { kind: 'upstream', state: 'live' });
  const file = new Uint8Array([...screen, ...event]);
  const fetchRange =
    (bytes: Uint8Array, asked: [number, number][] = []) =>
    async (start: number, end: number) => {
      asked.push([start, end]);
      return bytes.slice(start, end + 1);
    };

  it('reads records in order up to the playable end, asking only for that part', async () => {
    const asked: [number, number][] = [];
    const reader = new RecordReader(fetchRange(file, asked), 0, file.length);
    expect(await reader.next()).toMatchObject({ kind: 'record', record: { type: 'screen', time: 10 } });
    expect(await reader.next()).toMatchObject({ kind: 'record', record: { type: 'event', time: 20 } });
    expect(await reader.next()).toEqual({ kind: 'end' });
    expect(asked).toEqual([[0, file.length - 1]]);
  });

  it('tells the next record’s time from its header alone: a seek stops before a record past its point is fetched', async () => {
    const big = encodeRecord('screen', 30, new Uint8Array(CHUNK + 1024 * 1024));
    const long = new Uint8Array(screen.length + big.length);
    long.set(screen);
    long.set(big, screen.length);
    const asked: [number, number][] = [];
    const reader = new RecordReader(fetchRange(long, asked), 0, long.length);
    expect(await reader.nextTime()).toBe(10);
    expect(await reader.next()).toMatchObject({ kind: 'record', record: { type: 'screen', time: 10 } });
    expect(await reader.nextTime()).toBe(30);
    // One range so far: the record past the point, longer than a range, is not fetched to learn its time.
    expect(asked).toEqual([[0, CHUNK - 1]]);
    expect(await reader.next()).toMatchObject({ kind: 'record', record: { type: 'screen', time: 30 } });
    expect(await reader.nextTime()).toBeUndefined();
    expect(await reader.next()).toEqual({ kind: 'end' });
  });

  it('stops with a reason at a record that fails its checksum, or one cut off', async () => {
    const damaged = file.slice();
    damaged[screen.length + 3] = damaged[screen.length + 3]! ^ 1;
    const reader = new RecordReader(fetchRange(damaged), 0, damaged.length);
    await reader.next();
    expect(await reader.next()).toEqual({ kind: 'malformed', reason: 'a record fails its checksum' });
    const cut = new RecordReader(fetchRange(file), 0, file.length - 2);
    await cut.next();
    expect(await cut.next()).toEqual({ kind: 'malformed', reason: 'a record is cut off' });
  });
});

describe('the replay channel', () => {
  it('answers noVNC’s handshake as an RFB 3.8 server with no security, then announces the keyframe’s screen', async () => {
    const channel = new ReplayChannel(keyframes[0]!);
    const received: Uint8Array[] = [];
    channel.onmessage = (event) => received.push(new Uint8Array(event.data));
    channel.onopen = () => undefined;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(new TextDecoder().decode(received[0])).toBe('RFB 003.008\n');
    for (let i = 0; i < 3; i++) {
      channel.send();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await channel.ready;
    expect([...received[1]!]).toEqual([1, 1]);
    expect([...received[2]!]).toEqual([0, 0, 0, 0]);
    const init = new DataView(received[3]!.buffer);
    expect([init.getUint16(0), init.getUint16(2), init.getUint32(20)]).toEqual([640, 480, 1]);
  });
});

describe('timeline markers', () => {
  const who = { viewer: 'v1', user: 'alice' };
  const at = (time: number, event: RecordingEvent) => ({ time, event });
  it('marks who connected, who took the keyboard, and each stretch of typing once', () => {
    const markers = markersOf([
      at(0, { kind: 'join', ...who, role: 'pool-admin', viewOnly: false }),
      at(10, { kind: 'control', ...who, how: 'first' }),
      at(1000, { kind: 'key', ...who, down: true, forwarded: true }),
      at(1100, { kind: 'key', ...who, down: false, forwarded: true }),
      at(1500, { kind: 'key', ...who, down: true, forwarded: true }),
      at(9000, { kind: 'key', ...who, down: true, forwarded: false }),
    ]);
    expect(markers.map((m) => [m.time, m.label])).toEqual([
      [0, 'alice connected'],
      [10, 'alice has the keyboard'],
      [1000, 'alice typing'],
      [9000, 'alice typing (not sent)'],
    ]);
  });
});
