import { Duplex } from 'node:stream';
import { encodePixelFormat, SERVER_PIXEL_FORMAT } from '../../packages/rfb/src/index.ts';
import { RECORDING_MAGIC, readRecord, type RecordingRecord } from '../../packages/contracts/src/index.ts';
import { NOVNC_ENCODINGS, NOVNC_FORMAT, TestViewer } from '../../packages/rfb/test/novnc-viewer.ts';

/** Every complete record of a recording file, with where each starts; `stop` says why reading ended early. */
export function recordsOf(file: Buffer): { records: { at: number; record: RecordingRecord }[]; stop?: string } {
  if (file.subarray(0, RECORDING_MAGIC.length).toString('latin1') !== RECORDING_MAGIC)
    return { records: [], stop: 'magic' };
  const records: { at: number; record: RecordingRecord }[] = [];
  let at = RECORDING_MAGIC.length;
  for (let i = 0; i < 1_000_000 && at < file.length; i++) {
    const read = readRecord(file, at);
    if (read.kind !== 'record') return { records, stop: read.kind === 'malformed' ? read.reason : 'incomplete' };
    records.push({ at, record: read.record });
    at = read.next;
  }
  return { records };
}

/**
 * The picture a player shows at `time` (ms): from the last keyframe at or before it, every screen record up to it,
 * decoded with noVNC's own decoders (pictureOf).
 */
export async function pictureAt(
  file: Buffer,
  time: number,
): Promise<{ width: number; height: number; rgba: Uint8Array; keyframeAt: number }> {
  const { records } = recordsOf(file);
  const keyframes = records.filter((r) => r.record.type === 'keyframe' && r.record.time <= time);
  const start = keyframes.at(-1);
  if (!start || start.record.type !== 'keyframe') throw new Error(`no keyframe at or before ${time} ms`);
  const screens = records.flatMap(({ at, record }) =>
    at > start.at && record.type === 'screen' && record.time <= time ? [record.bytes] : [],
  );
  return { ...(await pictureOf(start.record.keyframe, screens)), keyframeAt: start.record.time };
}

/**
 * The picture after `screens` (the screen records from a keyframe on), decoded as the player does: the handshake a
 * player fakes for noVNC, then the recorded bytes as they are.
 */
export async function pictureOf(
  keyframe: { width: number; height: number; name: string },
  screens: readonly Uint8Array[],
): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  const { width, height, name } = keyframe;
  const stream = new Duplex({ read: () => undefined, write: (_c, _e, callback) => callback() });
  const viewer = new TestViewer(stream);
  const nameBytes = Buffer.from(name, 'utf8');
  const init = Buffer.alloc(24);
  init.writeUInt16BE(width, 0);
  init.writeUInt16BE(height, 2);
  encodePixelFormat(SERVER_PIXEL_FORMAT).copy(init, 4);
  init.writeUInt32BE(nameBytes.length, 20);
  stream.push(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.from([1, 1]), Buffer.alloc(4), init, nameBytes]));
  await viewer.handshake();
  viewer.setPixelFormat(NOVNC_FORMAT);
  viewer.setEncodings(NOVNC_ENCODINGS);
  for (const bytes of screens) {
    stream.push(Buffer.from(bytes));
    await viewer.readMessage();
  }
  stream.destroy();
  return { width: viewer.display.width, height: viewer.display.height, rgba: viewer.display.rgba };
}
