/**
 * Console recording against the simulated pool: the policy in other_config keeps a console on the engine and records
 * it; the file plays back (decoded with noVNC's decoders) to what the guest showed, from any keyframe; keys are
 * redacted unless captured, and nothing of a viewer in secret mode is kept; the API is for pool admins only; damaged,
 * cut-short and unwritable recordings are reported, not fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENC_COPY_RECT,
  ENC_DESKTOP_SIZE,
  ENC_RAW,
  FORMAT_NOVNC,
  RfbTestClient,
} from '../../apps/xapi-sim/test/rfb-client.ts';
import { snapshot } from '../../apps/xapi-sim/src/rfb/index.ts';
import { encodeRecord, recordingMagic, type RecordingEvent } from '../../packages/contracts/src/index.ts';
import { ConsoleClient, consoleUrl } from '../support/console-client.ts';
import { pictureAt, recordsOf } from '../support/recording-decoder.ts';
import { startStack, type Stack } from '../support/stack.ts';

const RECORDED = 'Debian 12 web';
const UNRECORDED = 'Windows Server 2022';

interface Viewer {
  client: ConsoleClient;
  rfb: RfbTestClient;
  id: string;
}

let stack: Stack;
const cookies = new Map<string, string>();

async function cookieOf(s: Stack, user: string): Promise<string> {
  const key = `${s.baseUrl} ${user}`;
  if (!cookies.has(key)) cookies.set(key, (await s.login(user)).cookie);
  return cookies.get(key)!;
}

const uuidOf = (s: Stack, vm: string): string => String(s.pool.vm(vm).record.uuid);

function setOtherConfig(s: Stack, cls: 'VM' | 'pool', ref: string, config: Record<string, string>): void {
  s.pool.setField(cls, ref, 'other_config', config);
}

async function join(s: Stack, user: string, vm = RECORDED): Promise<Viewer> {
  const client = await ConsoleClient.open(consoleUrl(s.baseUrl, 'vm', uuidOf(s, vm)), {
    cookie: await cookieOf(s, user),
    origin: s.baseUrl,
  });
  const welcome = await client.notice((n) => n.type === 'welcome');
  const rfb = RfbTestClient.over(client.rfbStream());
  await rfb.handshake('3.8');
  rfb.setPixelFormat(FORMAT_NOVNC);
  rfb.setEncodings([ENC_COPY_RECT, ENC_RAW, ENC_DESKTOP_SIZE]);
  return { client, rfb, id: String(welcome.viewer) };
}

async function seesTheGuest(s: Stack, viewer: Viewer, vm = RECORDED): Promise<void> {
  await viewer.rfb.update(false);
  await expect
    .poll(
      async () => {
        const screen = snapshot(s.pool.display(vm)!);
        if (
          screen.width === viewer.rfb.width &&
          Buffer.compare(Buffer.from(screen.rgba), Buffer.from(viewer.rfb.rgba)) === 0
        )
          return true;
        await viewer.rfb.update(true);
        return false;
      },
      { timeout: 15_000, interval: 50 },
    )
    .toBe(true);
}

async function leave(s: Stack, ...viewers: Viewer[]): Promise<void> {
  for (const viewer of viewers) viewer.client.close();
  await Promise.all(viewers.map((v) => v.client.closed));
  await expect.poll(() => s.gateway.context.consoles.count).toBe(0);
}

const auditOf = (s: Stack, event: string) => s.audit.json().filter((line) => line.event === event);

async function api(s: Stack, user: string, url: string, headers: Record<string, string> = {}) {
  return fetch(`${s.baseUrl}${url}`, { headers: { cookie: await cookieOf(s, user), ...headers } });
}

const fileOf = (s: Stack, id: string): Buffer => fs.readFileSync(path.join(s.dataDir, 'recordings', `${id}.xwcrec`));

const eventsOf = (file: Buffer): { time: number; event: RecordingEvent }[] =>
  recordsOf(file).records.flatMap(({ record }) =>
    record.type === 'event' ? [{ time: record.time, event: record.event }] : [],
  );

/** The recording of the console `viewer` is on (from its audit line). */
function recordingOf(s: Stack, vm = RECORDED): string {
  const open = auditOf(s, 'console-open').filter((l) => l.object === `vm/${uuidOf(s, vm)}` && l.recording);
  const id = open.at(-1)?.recording;
  if (typeof id !== 'string') throw new Error('no recorded console-open line');
  return id;
}

const same = (a: { width: number; rgba: Uint8Array }, b: { width: number; rgba: Uint8Array }) =>
  a.width === b.width && Buffer.compare(Buffer.from(a.rgba), Buffer.from(b.rgba)) === 0;

beforeAll(async () => {
  stack = await startStack({ env: { RECORDING_KEYFRAME_INTERVAL: '1' } });
  setOtherConfig(stack, 'VM', stack.pool.vm(RECORDED).ref, { 'xwc-recording': 'on' });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('a recorded console', () => {
  it('never takes the direct path, tells every viewer it is recorded, and the file plays back to what the guest showed, from any keyframe', async () => {
    const viewer = await join(stack, 'root');
    const indicator = await viewer.client.notice((n) => n.type === 'recording');
    expect(indicator).toEqual({ type: 'recording', state: 'on', keys: false });
    await seesTheGuest(stack, viewer);
    const id = recordingOf(stack);
    expect(auditOf(stack, 'console-open').at(-1)).toMatchObject({ mode: 'shared', recording: id });

    // The guest's screen before and after typing: the recording must show each at its time.
    const before = snapshot(stack.pool.display(RECORDED)!);
    await expect
      .poll(async () => same(await pictureAt(fileOf(stack, id), Infinity), before), { timeout: 10_000 })
      .toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    viewer.rfb.type('root');
    await seesTheGuest(stack, viewer);
    const after = snapshot(stack.pool.display(RECORDED)!);
    expect(same(before, after)).toBe(false);
    await expect
      .poll(async () => same(await pictureAt(fileOf(stack, id), Infinity), after), { timeout: 10_000 })
      .toBe(true);
    // A keyframe after typing (the screen changed, 1 s passed): played from there alone, it shows the same picture.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await leave(stack, viewer);
    await expect.poll(() => auditOf(stack, 'recording-end').length).toBe(1);

    const file = fileOf(stack, id);
    const { records, stop } = recordsOf(file);
    expect(stop).toBeUndefined();
    expect(records.at(-1)?.record).toMatchObject({ type: 'end', end: { reason: 'closed' } });
    const firstKey = eventsOf(file).find((e) => e.event.kind === 'key')!;
    const atTyping = await pictureAt(file, firstKey.time - 1);
    expect(same(atTyping, before)).toBe(true);
    const end = await pictureAt(file, Infinity);
    expect(same(end, after)).toBe(true);
    expect(end.keyframeAt).toBeGreaterThan(firstKey.time);

    // Who came and went, and who had the keyboard, are on the timeline.
    const kinds = eventsOf(file).map((e) => e.event.kind);
    expect(kinds).toContain('join');
    expect(eventsOf(file).find((e) => e.event.kind === 'control')?.event).toMatchObject({ user: 'root', how: 'first' });
    expect(kinds).toContain('leave');

    const list = (await (await api(stack, 'root', '/api/recordings')).json()) as {
      recordings: { id: string; status: string }[];
    };
    expect(list.recordings.find((r) => r.id === id)).toMatchObject({ status: 'complete' });
  });

  it('records key presses as "a key" by default, which key with key capture on, and nothing of a viewer in secret mode', async () => {
    const viewer = await join(stack, 'root');
    await seesTheGuest(stack, viewer);
    const first = recordingOf(stack);
    // Text frames overtake the test client's queued binary ones: each command waits until the keys before it arrived.
    const display = stack.pool.display(RECORDED)!;
    const from = display.input.length;
    const keysArrived = (n: number) =>
      expect.poll(() => display.input.slice(from).filter((e) => e.type === 'key').length).toBe(n);
    viewer.rfb.type('pw');
    await keysArrived(4);
    viewer.client.ws.send(JSON.stringify({ type: 'secret', on: true }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    viewer.rfb.type('hunter2');
    await keysArrived(18);
    viewer.client.ws.send(JSON.stringify({ type: 'secret', on: false }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    viewer.rfb.type('ok');
    await keysArrived(22);
    await seesTheGuest(stack, viewer);
    await leave(stack, viewer);
    await expect.poll(() => auditOf(stack, 'recording-end').some((l) => l.recording === first)).toBe(true);

    const events = eventsOf(fileOf(stack, first)).map((e) => e.event);
    const keys = events.filter((e) => e.kind === 'key');
    // p, w, o, k: down and up each; hunter2's 14 events are not there.
    expect(keys).toHaveLength(8);
    expect(keys.every((k) => !('keysym' in k))).toBe(true);
    expect(events.filter((e) => e.kind === 'secret').map((e) => e.kind === 'secret' && e.on)).toEqual([true, false]);
    expect(fileOf(stack, first).includes('hunter2')).toBe(false);

    // With key capture on, the keysyms are kept, and the indicator says so.
    setOtherConfig(stack, 'VM', stack.pool.vm(RECORDED).ref, { 'xwc-recording': 'on', 'xwc-recording-keys': 'on' });
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    const capturing = await join(stack, 'root');
    expect(await capturing.client.notice((n) => n.type === 'recording')).toMatchObject({ state: 'on', keys: true });
    await seesTheGuest(stack, capturing);
    const second = recordingOf(stack);
    const typedAt = display.input.length;
    capturing.rfb.type('x');
    await expect.poll(() => display.input.slice(typedAt).filter((e) => e.type === 'key').length).toBe(2);
    await leave(stack, capturing);
    await expect.poll(() => auditOf(stack, 'recording-end').some((l) => l.recording === second)).toBe(true);
    const captured = eventsOf(fileOf(stack, second)).filter((e) => e.event.kind === 'key');
    expect(captured.map((e) => e.event.kind === 'key' && e.event.keysym)).toEqual([0x78, 0x78]);
    setOtherConfig(stack, 'VM', stack.pool.vm(RECORDED).ref, { 'xwc-recording': 'on' });
  }, 40_000);

  it('leaves an unrecorded console on the direct path', async () => {
    const viewer = await join(stack, 'root', UNRECORDED);
    await viewer.rfb.update(false);
    expect(auditOf(stack, 'console-open').at(-1)).toMatchObject({ mode: 'direct' });
    expect(auditOf(stack, 'console-open').at(-1)?.recording).toBeUndefined();
    expect(viewer.client.notices.some((n) => n.type === 'recording')).toBe(false);
    await leave(stack, viewer);
  });
});

describe('the recordings API', () => {
  it('refuses everyone but pool admins with 403, and audits the attempt', async () => {
    const id = recordingOf(stack);
    for (const user of ['vmadmin', 'operator']) {
      for (const url of ['/api/recordings', `/api/recordings/${id}`, `/api/recordings/${id}/file?download=1`]) {
        const response = await api(stack, user, url);
        expect(response.status).toBe(403);
        expect(await response.json()).toMatchObject({ error: 'RECORDINGS_FORBIDDEN' });
      }
    }
    const refused = auditOf(stack, 'recording-access').filter((l) => l.outcome === 'forbidden');
    expect(refused.map((l) => [l.user, l.action])).toEqual([
      ['vmadmin', 'list'],
      ['vmadmin', 'play'],
      ['vmadmin', 'download'],
      ['operator', 'list'],
      ['operator', 'play'],
      ['operator', 'download'],
    ]);
    expect((await fetch(`${stack.baseUrl}/api/recordings`)).status).toBe(401);
  });

  it('serves the timeline and the file in ranges; refuses ranges beyond it, bad ranges and bad ids', async () => {
    const id = recordingOf(stack);
    const detail = (await (await api(stack, 'root', `/api/recordings/${id}`)).json()) as {
      keyframes: { time: number; offset: number }[];
      playableBytes: number;
      bytes: number;
    };
    expect(detail.keyframes.length).toBeGreaterThan(0);
    expect(detail.playableBytes).toBe(detail.bytes);
    const file = fileOf(stack, id);
    const range = await api(stack, 'root', `/api/recordings/${id}/file`, {
      range: `bytes=${detail.keyframes[0]!.offset}-`,
    });
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer()).equals(file.subarray(detail.keyframes[0]!.offset))).toBe(true);
    const beyond = await api(stack, 'root', `/api/recordings/${id}/file`, {
      range: `bytes=${file.length}-${file.length + 10}`,
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${file.length}`);
    expect(await beyond.json()).toMatchObject({ error: 'RANGE_NOT_SATISFIABLE', size: file.length });
    expect((await api(stack, 'root', `/api/recordings/${id}/file`, { range: 'bytes=1-2,4-5' })).status).toBe(400);
    expect((await api(stack, 'root', '/api/recordings/..%2Fknown-hosts.json/file')).status).toBe(400);
    expect((await api(stack, 'root', '/api/recordings/20260101T000000Z-gw-00000000')).status).toBe(404);
    const download = await api(stack, 'root', `/api/recordings/${id}/file?download=1`);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="${id}.xwcrec"`);
    expect(auditOf(stack, 'recording-access').some((l) => l.action === 'download' && l.recording === id)).toBe(true);
  });

  it('lists a cut-short and a damaged recording with what plays, and a file that is not a recording as damaged', async () => {
    const id = recordingOf(stack);
    const file = fileOf(stack, id);
    const dir = path.join(stack.dataDir, 'recordings');
    const { records } = recordsOf(file);
    const lastScreen = records.filter((r) => r.record.type === 'screen').at(-1)!;
    // A crash in the middle of a write: the last record is cut off.
    const cut = '20200101T000000Z-crashed-0000000a';
    fs.writeFileSync(path.join(dir, `${cut}.xwcrec`), file.subarray(0, lastScreen.at + 20));
    // A flipped bit in the second record's time: it fails its checksum.
    const damaged = '20200101T000000Z-damaged-0000000b';
    const broken = Buffer.from(file);
    const flip = records[1]!.at + 4;
    broken.writeUInt8(broken.readUInt8(flip) ^ 0x01, flip);
    fs.writeFileSync(path.join(dir, `${damaged}.xwcrec`), broken);
    const garbage = '20200101T000000Z-garbage-0000000c';
    fs.writeFileSync(path.join(dir, `${garbage}.xwcrec`), 'not a recording at all');
    const old = new Date(Date.now() - 3600_000);
    for (const name of [cut, damaged, garbage]) fs.utimesSync(path.join(dir, `${name}.xwcrec`), old, old);

    const list = (await (await api(stack, 'root', '/api/recordings')).json()) as {
      recordings: { id: string; status: string; problem?: string; durationMs: number }[];
    };
    const byId = new Map(list.recordings.map((r) => [r.id, r]));
    expect(byId.get(cut)).toMatchObject({ status: 'cut-short', problem: expect.stringMatching(/cut short/) });
    expect(byId.get(damaged)).toMatchObject({ status: 'damaged', problem: expect.stringMatching(/damaged at byte/) });
    expect(byId.get(garbage)).toMatchObject({ status: 'damaged', problem: expect.stringMatching(/not a recording/) });
    const detail = (await (await api(stack, 'root', `/api/recordings/${cut}`)).json()) as { playableBytes: number };
    expect(detail.playableBytes).toBe(lastScreen.at);
    // What was written before the cut still plays.
    const playable = fs.readFileSync(path.join(dir, `${cut}.xwcrec`)).subarray(0, detail.playableBytes);
    expect((await pictureAt(playable, Infinity)).width).toBeGreaterThan(0);
  });
  it('keeps a recording playable, under the name it had, after its VM was deleted', async () => {
    const doomed = 'Ubuntu 24.04 build agent';
    const uuid = uuidOf(stack, doomed);
    setOtherConfig(stack, 'VM', stack.pool.vm(doomed).ref, { 'xwc-recording': 'on' });
    const viewer = await join(stack, 'root', doomed);
    await seesTheGuest(stack, viewer, doomed);
    const shown = snapshot(stack.pool.display(doomed)!);
    const id = recordingOf(stack, doomed);
    await expect
      .poll(async () => same(await pictureAt(fileOf(stack, id), Infinity), shown), { timeout: 10_000 })
      .toBe(true);
    await stack.pool.halt(doomed);
    await viewer.client.closed;
    stack.pool.destroyVm(doomed);
    expect(stack.pool.findRefs('VM', (r) => r.uuid === uuid)).toEqual([]);

    const list = (await (await api(stack, 'root', '/api/recordings')).json()) as {
      recordings: { id: string; console: string; objectName: string; status: string }[];
    };
    expect(list.recordings.find((r) => r.id === id)).toMatchObject({
      console: `vm/${uuid}`,
      objectName: doomed,
      status: 'complete',
    });
    const detail = await api(stack, 'root', `/api/recordings/${id}`);
    expect(detail.status).toBe(200);
    expect(await detail.json()).toMatchObject({ objectName: doomed });
    const file = await api(stack, 'root', `/api/recordings/${id}/file`);
    expect(file.status).toBe(200);
    expect(same(await pictureAt(Buffer.from(await file.arrayBuffer()), Infinity), shown)).toBe(true);
  });
});

describe('storage limits', () => {
  it('deletes recordings past the retention period, then the oldest past the size cap, and audits each', async () => {
    const { recordings } = stack.gateway.context;
    const dir = path.join(stack.dataDir, 'recordings');
    const meta = (id: string) =>
      Buffer.concat([
        recordingMagic(),
        encodeRecord('meta', 0, {
          format: 1,
          id,
          console: 'vm/00000000-0000-0000-0000-000000000001',
          objectName: 'gone',
          started: new Date().toISOString(),
          keys: false,
          instance: 'x',
        }),
      ]);
    const ancient = '20000101T000000Z-old-00000001';
    fs.writeFileSync(path.join(dir, `${ancient}.xwcrec`), meta(ancient));
    const longAgo = new Date(Date.now() - 40 * 24 * 3600_000);
    fs.utimesSync(path.join(dir, `${ancient}.xwcrec`), longAgo, longAgo);
    const big = '20000102T000000Z-big-00000002';
    fs.writeFileSync(path.join(dir, `${big}.xwcrec`), Buffer.concat([meta(big), Buffer.alloc(11 * 1024 * 1024)]));
    const yesterday = new Date(Date.now() - 24 * 3600_000);
    fs.utimesSync(path.join(dir, `${big}.xwcrec`), yesterday, yesterday);
    // The default cap is 10 GiB: lower it for this test.
    (recordings as unknown as { options: { maxBytes: number } }).options.maxBytes = 10 * 1024 * 1024;
    await recordings.prune();
    expect(fs.existsSync(path.join(dir, `${ancient}.xwcrec`))).toBe(false);
    expect(fs.existsSync(path.join(dir, `${big}.xwcrec`))).toBe(false);
    const deleted = auditOf(stack, 'recording-deleted');
    expect(deleted.find((l) => l.recording === ancient)).toMatchObject({ reason: 'retention' });
    expect(deleted.find((l) => l.recording === big)).toMatchObject({ reason: 'size-cap' });
    // The newer recordings made by the tests above stay.
    expect(fs.existsSync(path.join(dir, `${recordingOf(stack)}.xwcrec`))).toBe(true);
  });

  it('a recordings directory that cannot be written: the console works, and recording is reported as failed', async () => {
    const blocker = path.join(stack.dataDir, 'not-a-directory');
    fs.writeFileSync(blocker, '');
    const broken = await startStack({ env: { RECORDINGS_DIR: path.join(blocker, 'recordings') } });
    try {
      setOtherConfig(broken, 'VM', broken.pool.vm(RECORDED).ref, { 'xwc-recording': 'on' });
      const viewer = await join(broken, 'root');
      const failed = await viewer.client.notice((n) => n.type === 'recording' && n.state === 'failed');
      expect(failed.reason).toMatch(/Recording stopped: the recordings directory/);
      await seesTheGuest(broken, viewer);
      expect(auditOf(broken, 'recording-failed')).toHaveLength(1);
      expect(broken.logs.lines.some((l) => l.includes('console recording failed'))).toBe(true);
      const list = (await (await api(broken, 'root', '/api/recordings')).json()) as { problem?: string };
      expect(list.problem).toMatch(/cannot be used/);
      await leave(broken, viewer);
    } finally {
      await broken.close();
    }
  });
});
