import path from 'node:path';
import { startPool } from '@xwc/xapi-sim';
import { rrdRequests } from '../apps/xapi-sim/src/rrd/handler.ts';
import { spawnTs } from './lib/processes.ts';
import { cpuSecondsOf } from './lib/proc.ts';
import { measured, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { login, tmpDir } from './lib/stack.ts';
import { sleep } from './lib/stats.ts';

/**
 * Viewers of one host's 10-minute graphs, polling as the Performance tab does (a whole reply, then every 5 s the rows
 * after the last one): how many requests the pool's host gets per 5-s step, and the gateway's CPU. The simulated pool
 * runs in this process (its statistics requests are counted where they are answered); the gateway in its own.
 */

const STEP_S = 5;
const USERS = ['root', 'admin', 'operator', 'poweradmin', 'vmadmin', 'vmoperator', 'readonly'];

interface Outcome {
  viewers: number;
  steps: number;
  requestsPerStep: number;
  cpuPercent: number;
  failed: number;
}

async function watch(ctx: Context, viewers: number, windowS: number): Promise<Outcome> {
  const dir = tmpDir('rrd');
  const pool = await startPool({ seed: 'demo', dataDir: path.join(dir, 'sim'), authFailureDelayMs: 200 });
  const passwords = new Map(pool.users.map((u) => [u.username, u.password]));
  const gateway = spawnTs(
    'gateway',
    'bench/servers/gateway.ts',
    ['--xapi-url', pool.master.url, '--ca-file', pool.caFile],
    {
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: path.join(dir, 'data'),
      AUDIT_LOG: path.join(dir, 'audit.log'),
      LOG_LEVEL: 'warn',
    },
  );
  let stop = false;
  try {
    const { url } = await gateway.nextJson<{ url: string }>(30_000);
    const host = pool.master.uuid;
    const cookies: string[] = [];
    for (let i = 0; i < viewers; i += 20) {
      const batch = Array.from({ length: Math.min(20, viewers - i) }, (_, k) => USERS[(i + k) % USERS.length]!);
      cookies.push(...(await Promise.all(batch.map((user) => login(url, user, passwords.get(user)!)))));
    }
    let failed = 0;
    const viewer = async (cookie: string, offsetMs: number): Promise<void> => {
      // Tabs open at different moments: their polls are spread over the step.
      await sleep(offsetMs);
      let last: number | undefined;
      while (!stop) {
        const query = `range=10m&interval=${STEP_S}${last === undefined ? '' : `&start=${last}`}`;
        try {
          const response = await fetch(`${url}/api/stats/host/${host}?${query}`, { headers: { cookie } });
          if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
          const body = (await response.json()) as { t: number[] };
          last = body.t.at(-1) ?? last;
        } catch {
          if (!stop) failed++;
        }
        await sleep(STEP_S * 1000);
      }
    };
    const running = cookies.map((cookie, i) => viewer(cookie, (i * STEP_S * 1000) / viewers));
    // Every viewer has loaded its graphs once before the window starts.
    await sleep(STEP_S * 1000 + 500);
    const requests0 = rrdRequests.answered;
    const cpu0 = cpuSecondsOf(gateway.pid);
    const started = Date.now();
    await sleep(windowS * 1000);
    const elapsed = (Date.now() - started) / 1000;
    const outcome = {
      viewers,
      steps: elapsed / STEP_S,
      requestsPerStep: (rrdRequests.answered - requests0) / (elapsed / STEP_S),
      cpuPercent: ((cpuSecondsOf(gateway.pid) - cpu0) / elapsed) * 100,
      failed,
    };
    stop = true;
    await Promise.all(running);
    ctx.log(
      `  ${viewers} viewers: ${outcome.requestsPerStep.toFixed(2)} pool requests per step, gateway ` +
        `${outcome.cpuPercent.toFixed(1)} % of a core, ${failed} failed polls`,
    );
    return outcome;
  } finally {
    stop = true;
    await gateway.stop();
    await pool.close();
  }
}

export const rrd: Scenario = {
  name: 'rrd',
  title: 'Performance graphs: viewers of one host',
  method:
    `Viewers (each logged in with a session of its own) poll one host's 10-minute statistics as the Performance tab ` +
    `does: a whole reply, then every ${STEP_S} s the rows after the last one, their polls spread over the step. ` +
    'After one round, requests answered by the simulated hosts and the gateway process’s CPU seconds are counted over ' +
    'a 60 s window (quick: 15 s).',
  allotment: { full: 200, quick: 100 },
  async run(ctx: Context): Promise<Row[]> {
    const windowS = ctx.quick ? 15 : 60;
    const fifty = await watch(ctx, 50, windowS);
    const twoHundred = await watch(ctx, 200, windowS);
    const detail = (o: Outcome): string => `${o.steps.toFixed(0)} steps, ${o.failed} failed polls`;
    return [
      {
        id: 'rrd.pool-requests-per-step.50',
        measure: "Pool requests per 5-s step, 50 viewers of one host's 10-minute graphs",
        unit: 'requests',
        higherIsBetter: false,
        ours: measured([fifty.requestsPerStep], { detail: detail(fifty) }),
        budget: 1,
        target: { text: '≤ 1 (one per step)', pass: fifty.requestsPerStep <= 1.05 },
      },
      {
        id: 'rrd.pool-requests-per-step.200',
        measure: "Pool requests per 5-s step, 200 viewers of one host's 10-minute graphs",
        unit: 'requests',
        higherIsBetter: false,
        ours: measured([twoHundred.requestsPerStep], { detail: detail(twoHundred) }),
        budget: 1,
        target: { text: '≤ 1 (one per step)', pass: twoHundred.requestsPerStep <= 1.05 },
      },
      {
        id: 'rrd.gateway-cpu.200',
        measure: 'Gateway CPU, 200 viewers polling every 5 s',
        unit: '% of a core',
        higherIsBetter: false,
        ours: measured([twoHundred.cpuPercent], { detail: detail(twoHundred) }),
        budget: 25,
        target: { text: '≤ 25 %', pass: twoHundred.cpuPercent <= 25 },
      },
    ];
  },
};
