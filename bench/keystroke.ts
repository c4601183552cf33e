import { pace, type Conn, type Endpoint } from './lib/conn.ts';
import { treeRss } from './lib/proc.ts';
import { measured, type Context, type Peer, type Row, type Scenario } from './lib/scenario.ts';
import { startPaths, type Path } from './lib/stack.ts';
import { KeyTimer, summarise, type Latencies, type Summary } from './lib/keys.ts';
import { GiB, MB, sleep } from './lib/stats.ts';
import { FrameReader, KEY_BYTES, MODE, request } from './lib/wire.ts';

/**
 * Keystroke round trip: an 8-byte message (an RFB KeyEvent's size) sent every 25 ms from the WebSocket client,
 * echoed by the server behind the proxy in its output stream. Idle, and while the server floods 64 KiB frames
 * as fast as its socket drains to a client that reads 20 MB/s: then the echo waits behind everything queued
 * between server and client, which is what a bounded bridge keeps small and websockify lets grow.
 */

const READ_RATE = 20 * MB;
const FRAME_BYTES = 64 * 1024;
/** websockify's queue grows without bound under the flood: stop its run before it eats the machine. */
const MEMORY_GUARD = 3 * GiB;

async function measure(endpoint: Endpoint, flood: boolean, durationMs: number, guardPid?: number): Promise<Latencies> {
  const conn: Conn = await endpoint.connect();
  const timer = new KeyTimer();
  const reader = new FrameReader((key) => timer.echoed(key.readUInt32BE(4)));
  const paced = flood ? pace(conn, READ_RATE) : undefined;
  conn.onData((chunk) => {
    reader.push(chunk);
    paced?.(reader.bytes);
  });
  conn.send(request(MODE.floodEcho, 0, flood ? FRAME_BYTES : 0));
  // Let the flood fill every buffer on the way before the first key.
  await sleep(flood ? 1000 : 100);
  await timer.type(
    0,
    durationMs,
    (seq) => {
      const key = Buffer.alloc(KEY_BYTES);
      key[0] = 4;
      key[1] = seq & 1;
      key.writeUInt32BE(seq, 4);
      conn.send(key);
    },
    guardPid === undefined ? undefined : () => treeRss(guardPid) > MEMORY_GUARD,
  );
  conn.close();
  await Promise.race([conn.closed, sleep(2000)]);
  return timer.result();
}

/** The paths keystrokes are measured on (the TLS peers only matter for bulk transfer). */
type KeyPath = Extract<Path, 'raw' | 'bridge' | 'gateway' | 'websockify'>;
const LABEL: Record<KeyPath, string> = {
  raw: 'raw TCP',
  bridge: 'bridge',
  gateway: 'whole gateway',
  websockify: 'websockify',
};

export const keystroke: Scenario = {
  name: 'keystroke',
  title: 'Keystroke round trip',
  method:
    'An 8-byte key message every 25 ms from the client, echoed in-band by the server behind the proxy; idle, and ' +
    'while the server floods 64 KiB frames as fast as its socket drains to a client reading 20 MB/s (keys start ' +
    'after 1 s of flood). Keys not echoed by the end count with their wait so far (a lower bound, marked ≥). ' +
    `websockify's run stops early if its processes pass ${MEMORY_GUARD / GiB} GiB resident.`,
  allotment: { full: 100, quick: 25 },
  async run(ctx: Context): Promise<Row[]> {
    const runs = ctx.quick ? 1 : 3;
    const idleMs = ctx.quick ? 1000 : 2000;
    const floodMs = ctx.quick ? 2000 : 6000;
    const { endpoints, proxyPid, stop } = await startPaths();
    try {
      const paths = Object.keys(LABEL) as KeyPath[];
      const idle: Record<KeyPath, Summary[]> = { raw: [], bridge: [], gateway: [], websockify: [] };
      const flood: Record<KeyPath, Summary[]> = { raw: [], bridge: [], gateway: [], websockify: [] };
      let runStarted = performance.now();
      for (let r = 0; r < runs; r++) {
        if (r > 0 && !ctx.allows(performance.now() - runStarted)) break;
        runStarted = performance.now();
        for (const path of paths) {
          const s = summarise(await measure(endpoints[path], false, idleMs));
          idle[path].push(s);
          ctx.log(`  run ${r + 1}/${runs} idle ${LABEL[path]}: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`);
        }
        for (const path of paths) {
          const guard = path === 'websockify' ? proxyPid.websockify : undefined;
          const s = summarise(await measure(endpoints[path], true, floodMs, guard));
          flood[path].push(s);
          ctx.log(
            `  run ${r + 1}/${runs} flood ${LABEL[path]}: p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, ` +
              `max ${s.max.toFixed(1)} ms (${s.answered}/${s.sent} echoed${s.stoppedByGuard ? ', memory guard hit' : ''})`,
          );
          // websockify's per-connection process may still be draining its queue: let it go before the next path.
          await sleep(200);
        }
      }

      const pick = (list: Summary[], key: 'p50' | 'p99' | 'max') => {
        const censored = list.some((s) => s.censored);
        const echoed = list.map((s) => `${s.answered}/${s.sent}`).join(', ');
        return measured(
          list.map((s) => s[key]),
          censored ? { bound: '≥', detail: `keys echoed per run: ${echoed}` } : { detail: `keys echoed: ${echoed}` },
        );
      };
      const peersOf = (
        table: Record<KeyPath, Summary[]>,
        key: 'p50' | 'p99' | 'max',
      ): Partial<Record<Peer, ReturnType<typeof pick>>> => ({
        websockify: pick(table.websockify, key),
        'raw TCP': pick(table.raw, key),
      });
      const rows: Row[] = [];
      for (const key of ['p50', 'p99'] as const) {
        for (const path of ['bridge', 'gateway'] as const) {
          rows.push({
            id: `keystroke.idle.${key}.${path}`,
            measure: `Keystroke round trip, idle, ${key}, ${LABEL[path]}`,
            unit: 'ms',
            higherIsBetter: false,
            ours: pick(idle[path], key),
            peers: peersOf(idle, key),
          });
        }
      }
      for (const key of ['p50', 'p99', 'max'] as const) {
        for (const path of ['bridge', 'gateway'] as const) {
          const ours = pick(flood[path], key);
          rows.push({
            id: `keystroke.flood.${key}.${path}`,
            measure: `Keystroke round trip under a saturating flood (reader 20 MB/s), ${key}, ${LABEL[path]}`,
            unit: 'ms',
            higherIsBetter: false,
            ours,
            peers: peersOf(flood, key),
            ...(key === 'p99'
              ? { budget: 50, target: { text: '≤ 50 ms', pass: ours.value <= 50 && !ours.bound } }
              : {}),
            ...(key === 'max' && flood.websockify.some((s) => s.stoppedByGuard)
              ? { notes: [`websockify's runs stopped early at ${MEMORY_GUARD / GiB} GiB resident`] }
              : {}),
          });
        }
      }
      return rows;
    } finally {
      await stop();
    }
  },
};
