import { RECORDING_MAGIC } from '../packages/contracts/src/index.ts';
import { RecordReader } from '../apps/web/src/recordings/record-reader.ts';
import { pictureOf } from '../tests/support/recording-decoder.ts';
import { cpuSecondsOf } from './lib/proc.ts';
import { PullingViewer } from './lib/pulling-viewer.ts';
import { RfbViewer } from './lib/rfb-viewer.ts';
import { measured, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { startGatewayStack, startScreens, type GatewayStack } from './lib/stack.ts';
import { percentile, sleep } from './lib/stats.ts';

/**
 * Console recording: the gateway's CPU with one viewer on a recorded console beside the same on an unrecorded one
 * (same screen, same gateway process, alternating), the recording's size per hour, and how long a seek takes.
 */

const RECORDED = 'Debian 12 web';
const PLAIN = 'Windows Server 2022';
const KEY_EVERY_MS = 200;

interface Case {
  readonly key: 'typing' | 'video';
  readonly label: string;
  readonly screen: { kind: 'idle' } | { kind: 'changing'; content: 'noise'; fps: number };
}

const CASES: readonly Case[] = [
  { key: 'typing', label: 'a typing session (5 keys a second echoed)', screen: { kind: 'idle' } },
  {
    key: 'video',
    label: 'a video-like screen (whole 1024×768 in full colour, 10 times a second)',
    screen: { kind: 'changing', content: 'noise', fps: 10 },
  },
];

type KeyframeAt = { time: number; offset: number; width: number; height: number; name: string };

interface Window {
  cpuPercent: number;
}

async function api<T>(stack: GatewayStack, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${stack.url}${path}`, {
    ...init,
    headers: { cookie: stack.cookie, origin: stack.url, 'content-type': 'application/json', ...init.headers },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** One viewer on `vm` for `windowMs`, typing when the case types; the gateway's CPU over the window. */
async function watch(stack: GatewayStack, uuid: string, c: Case, windowMs: number): Promise<Window> {
  const endpoint = stack.rfbConsole(uuid);
  const viewer = c.key === 'typing' ? await RfbViewer.open(endpoint) : await PullingViewer.open(endpoint);
  try {
    await sleep(1000);
    const pid = stack.gateway.pid!;
    const cpu0 = cpuSecondsOf(pid);
    const started = performance.now();
    for (let seq = 0; performance.now() - started < windowMs; seq++) {
      if (viewer instanceof RfbViewer) viewer.type(seq);
      await sleep(KEY_EVERY_MS);
    }
    return { cpuPercent: ((cpuSecondsOf(pid) - cpu0) / ((performance.now() - started) / 1000)) * 100 };
  } finally {
    viewer.close();
    await sleep(500);
  }
}

/**
 * Reads from the keyframe before `time` in ranges and decodes up to it with noVNC's decoders, as the player does
 * (its RecordReader, stopping at the first record past the point).
 */
async function seek(stack: GatewayStack, id: string, keyframe: KeyframeAt, end: number, time: number) {
  const reader = new RecordReader(
    async (start, last) => {
      const response = await fetch(`${stack.url}/api/recordings/${id}/file`, {
        headers: { cookie: stack.cookie, range: `bytes=${start}-${last}` },
      });
      return new Uint8Array(await response.arrayBuffer());
    },
    keyframe.offset,
    end,
  );
  const screens: Uint8Array[] = [];
  for (let i = 0; i < 100_000; i++) {
    const next = await reader.nextTime();
    if (next === undefined || next > time) break;
    const read = await reader.next();
    if (read.kind !== 'record') throw new Error(`the recording does not read on (${read.kind})`);
    if (read.record.type === 'screen') screens.push(read.record.bytes);
  }
  await pictureOf(keyframe, screens);
}

export const recording: Scenario = {
  name: 'recording',
  title: 'Console recording',
  method:
    'The bench’s VNC server behind two VMs of the simulated pool, one recorded (other_config:xwc-recording=on, ' +
    `the default ${RECORDING_MAGIC} format: paced updates at most 10 a second, a keyframe every 5 s while the screen ` +
    'changes or after 1 MiB of updates), one not; both through the shared engine. One viewer on each in turn (alternating, same gateway process), ' +
    'for a typing session (an idle screen, a key typed every 200 ms and echoed) and a video-like screen (the whole ' +
    '1024×768 redrawn in full colour 10 times a second, a viewer pulling as noVNC does): gateway CPU from /proc over a ' +
    '15 s window (quick: 6 s), 2 pairs (quick: 1). Size per hour: the recording’s bytes over its length. Seek: 20 ' +
    'seeks to random points of each recording, each reading from the keyframe before the point in HTTP ranges with the player’s reader ' +
    'and decoding up to it with noVNC’s decoders in the bench process, as the player does; p95.',
  allotment: { full: 150, quick: 50 },
  async run(ctx: Context): Promise<Row[]> {
    const windowMs = ctx.quick ? 6000 : 15_000;
    const pairs = ctx.quick ? 1 : 2;
    const rows: Row[] = [];
    for (const c of CASES) {
      const screens = await startScreens([c.screen]);
      let stack: GatewayStack | undefined;
      try {
        stack = await startGatewayStack({
          consoles: { [RECORDED]: screens.ports[0]!, [PLAIN]: screens.ports[0]! },
          env: { CONSOLE_SHARING: 'always' },
        });
        const recorded = await stack.vmUuid(RECORDED);
        const plain = await stack.vmUuid(PLAIN);
        await api(stack, `/api/objects/vm/${recorded}/other-config`, {
          method: 'PATCH',
          body: JSON.stringify({ 'xwc-recording': 'on' }),
        });
        const on: number[] = [];
        const off: number[] = [];
        for (let p = 0; p < pairs; p++) {
          const order = p % 2 === 0 ? [true, false] : [false, true];
          for (const rec of order) {
            const w = await watch(stack, rec ? recorded : plain, c, windowMs);
            (rec ? on : off).push(w.cpuPercent);
            ctx.log(`  ${c.key}, ${rec ? 'recorded' : 'not recorded'}: gateway CPU ${w.cpuPercent.toFixed(1)} %`);
          }
        }
        const list = await api<{ recordings: { id: string; bytes: number; durationMs: number }[] }>(
          stack,
          '/api/recordings',
        );
        const perHour = list.recordings.map((r) => ((r.bytes / Math.max(1, r.durationMs)) * 3600_000) / 1024 / 1024);
        rows.push({
          id: `recording.${c.key}.cpu`,
          measure: `Gateway CPU, one viewer, recorded, ${c.label}`,
          unit: '% of a core',
          higherIsBetter: false,
          ours: measured(on),
          paired: {
            name: 'not recorded',
            theirs: measured(off),
            ratio: measured(on.map((v, i) => v / Math.max(0.1, off[i]!))),
          },
        });
        rows.push({
          id: `recording.${c.key}.size`,
          measure: `Recording size per hour, ${c.label}`,
          unit: 'MiB/h',
          higherIsBetter: false,
          ours: measured(perHour),
        });
        if (list.recordings[0]) {
          const id = list.recordings[0].id;
          const detail = await api<{
            durationMs: number;
            playableBytes: number;
            keyframes: KeyframeAt[];
          }>(stack, `/api/recordings/${id}`);
          const latencies: number[] = [];
          for (let i = 0; i < 20; i++) {
            const time = Math.random() * detail.durationMs;
            const keyframe = [...detail.keyframes].reverse().find((k) => k.time <= time) ?? detail.keyframes[0]!;
            const started = performance.now();
            await seek(stack, id, keyframe, detail.playableBytes, time);
            latencies.push(performance.now() - started);
          }
          const p95 = percentile(latencies, 95);
          ctx.log(`  seek p95 ${p95.toFixed(0)} ms`);
          rows.push({
            id: `recording.${c.key}.seek`,
            measure: `Seek latency p95, ${c.label} (range fetch + decode from the keyframe before)`,
            unit: 'ms',
            higherIsBetter: false,
            ours: measured([p95], { detail: `median ${percentile(latencies, 50).toFixed(0)} ms of 20 seeks` }),
            budget: 1000,
            target: { text: '≤ 1000 ms', ...(ctx.quick ? {} : { pass: p95 <= 1000 }) },
          });
        }
      } finally {
        await stack?.stop();
        await screens.child.stop();
      }
    }
    return rows;
  },
};
