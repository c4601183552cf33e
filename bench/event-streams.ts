import net from 'node:net';
import { rssOf, Sampler } from './lib/proc.ts';
import { measured, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { startGatewayStack, type GatewayStack } from './lib/stack.ts';
import { MB, sleep } from './lib/stats.ts';

/**
 * The probe of the hardening issue: one login opens 120 inventory streams (`GET /api/events`) on a 2,000-VM pool and
 * reads none of them. Measured twice: with the default caps (most streams are refused with 429), and with the cap
 * lifted so that all 120 are served, which shows what one unread stream costs.
 */

const STREAMS = 120;
const VMS = 2000;

interface Outcome {
  served: number;
  refused: number;
  growth: number;
}

/** Opens a stream that reads only its status line, then never again; resolves with that status. */
function unreadStream(stack: GatewayStack, sockets: net.Socket[]): Promise<number> {
  const url = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => {
      socket.write(`GET /api/events HTTP/1.1\r\nHost: ${url.host}\r\nCookie: ${stack.cookie}\r\n\r\n`);
    });
    sockets.push(socket);
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 0));
    });
    socket.once('error', reject);
  });
}

async function probe(ctx: Context, env: Record<string, string>, label: string): Promise<Outcome> {
  const sockets: net.Socket[] = [];
  const stack = await startGatewayStack({ pool: { seed: 'scale', hosts: 8, vms: VMS }, env });
  try {
    // One reading window first, so the inventory (with its device records) is in before the baseline.
    const warm = await fetch(`${stack.url}/api/events`, { headers: { cookie: stack.cookie } });
    const reader = warm.body!.getReader();
    const started = Date.now();
    for (let received = 0; received < 7_000_000 && Date.now() - started < 30_000;) {
      const { value, done } = await reader.read();
      if (done) break;
      received += value.length;
    }
    await sleep(1000);
    const baseline = rssOf(stack.gateway.pid);
    const sampler = new Sampler(() => rssOf(stack.gateway.pid), 250);
    const statuses: number[] = [];
    for (let i = 0; i < STREAMS; i++) statuses.push(await unreadStream(stack, sockets));
    await sleep(ctx.quick ? 3000 : 8000);
    sampler.stop();
    await reader.cancel();
    const outcome = {
      served: statuses.filter((s) => s === 200).length,
      refused: statuses.filter((s) => s === 429).length,
      growth: sampler.max - baseline,
    };
    ctx.log(
      `  ${label}: ${outcome.served} served, ${outcome.refused} refused; gateway ${(baseline / MB).toFixed(0)} MB → ` +
        `peak ${(sampler.max / MB).toFixed(0)} MB`,
    );
    return outcome;
  } finally {
    for (const socket of sockets) socket.destroy();
    await stack.stop();
  }
}

export const eventStreams: Scenario = {
  name: 'event-streams',
  title: 'Unread event streams',
  method:
    `One login opens ${STREAMS} inventory streams on a ${VMS.toLocaleString('en')}-VM pool (scale seed, 8 hosts) and ` +
    'reads none past the status line, after one reading window has loaded the inventory. Growth = peak gateway RSS ' +
    'over the following 8 s (quick: 3 s) − RSS just before. Once with the default caps, once with ' +
    `EVENT_STREAMS_PER_SESSION=${STREAMS} so that every stream is served.`,
  allotment: { full: 90, quick: 45 },
  async run(ctx: Context): Promise<Row[]> {
    const capped = await probe(ctx, {}, 'default caps');
    const lifted = await probe(ctx, { EVENT_STREAMS_PER_SESSION: String(STREAMS) }, 'cap lifted');
    const growth = (o: Outcome, detail: string) => measured([o.growth / MB], { detail });
    return [
      {
        id: 'event-streams.capped',
        measure: `Memory growth, ${STREAMS} unread streams of one login (default caps)`,
        unit: 'MB',
        higherIsBetter: false,
        ours: growth(capped, `${capped.served} served, ${capped.refused} refused with 429`),
        budget: 50,
        target: { text: '≤ 50 MB', pass: capped.growth / MB <= 50 },
      },
      {
        id: 'event-streams.uncapped',
        measure: `Memory growth, ${STREAMS} unread streams all served`,
        unit: 'MB',
        higherIsBetter: false,
        ours: growth(lifted, `${lifted.served} served`),
        budget: 100,
        target: { text: '≤ 100 MB (was 787 MB)', pass: lifted.growth / MB <= 100 },
      },
    ];
  },
};
