import WebSocket from 'ws';
import { parseWallNotice, readThumbnailFrame, type WallConsoleKey } from '@xwc/contracts';
import { cpuSecondsOf } from './lib/proc.ts';
import type { Child } from './lib/processes.ts';
import { measured, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { startGatewayStack, startScreens } from './lib/stack.ts';
import { sleep } from './lib/stats.ts';

/**
 * The console wall: one gateway process showing 50 consoles as thumbnails (the simulator's scale seed, every running
 * VM's console relayed to the bench's VNC server, whose 1024×768 screen redraws a text window twice a second). Wall
 * pages are WebSockets from this process (`/api/wall`), watching all 50: one page, then five pages of the same
 * consoles (thumbnails are made once per console, so five pages cost about what one does). Gateway CPU from /proc over
 * the window once every console is live, beside the refresh interval the gateway chose and the thumbnails delivered.
 */

const CONSOLES = 50;
const SCREEN = { kind: 'changing', content: 'text', fps: 2 } as const;

/** One wall page's socket: counts the thumbnails it gets, notes the interval the gateway announces. */
class WallPage {
  readonly live = new Set<string>();
  thumbnails = 0;
  intervalMs = 0;
  private readonly socket: WebSocket;
  readonly opened: Promise<void>;

  constructor(url: string, cookie: string, keys: readonly WallConsoleKey[]) {
    this.socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/wall`, { headers: { cookie, origin: url } });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => {
        this.socket.send(JSON.stringify({ type: 'watch', consoles: keys }));
        resolve();
      });
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data: Buffer, binary: boolean) => {
      if (binary) {
        if (readThumbnailFrame(new Uint8Array(data))) this.thumbnails++;
        return;
      }
      const notice = parseWallNotice(data.toString('utf8'));
      if (notice?.type === 'hello' || notice?.type === 'rate') this.intervalMs = notice.intervalMs;
      if (notice?.type === 'state' && notice.state === 'live') this.live.add(notice.console);
    });
  }

  close(): void {
    this.socket.close(1000);
  }
}

interface Outcome {
  pages: number;
  cpuPercent: number;
  intervalMs: number;
  /** Thumbnails each page received per second (mean over the pages). */
  perPage: number;
}

async function runOnce(ctx: Context, pages: number, windowMs: number): Promise<Outcome> {
  const children: Child[] = [];
  try {
    const screens = await startScreens([SCREEN]);
    children.push(screens.child);
    const stack = await startGatewayStack({
      relayAll: screens.ports[0]!,
      pool: { seed: 'scale', hosts: 10, vms: CONSOLES * 12 },
      env: { WALL_VIEWS_PER_SESSION: String(pages), WALL_CONSOLES: String(CONSOLES) },
    });
    children.push(stack.pool, stack.gateway);
    const { vms } = await stack.ask<{ vms: { uuid: string }[] }>({ op: 'vms', power: 'Running', limit: CONSOLES });
    if (vms.length < CONSOLES) throw new Error(`the scale pool runs ${vms.length} VMs, ${CONSOLES} needed`);
    const keys = vms.map((vm) => `vm/${vm.uuid}` as WallConsoleKey);
    const walls = Array.from({ length: pages }, () => new WallPage(stack.url, stack.cookie, keys));
    await Promise.all(walls.map((w) => w.opened));
    const deadline = Date.now() + 60_000;
    while (walls.some((w) => w.live.size < CONSOLES) && Date.now() < deadline) await sleep(200);
    if (walls.some((w) => w.live.size < CONSOLES)) throw new Error('not every console went live within 60 s');
    // Settle: the first thumbnails and the gateway's measured cost.
    await sleep(3000);
    const before = walls.map((w) => w.thumbnails);
    const cpuBefore = cpuSecondsOf(stack.gateway.pid);
    const started = performance.now();
    await sleep(windowMs);
    const seconds = (performance.now() - started) / 1000;
    const cpuPercent = ((cpuSecondsOf(stack.gateway.pid) - cpuBefore) / seconds) * 100;
    const perPage = walls.reduce((sum, w, i) => sum + (w.thumbnails - before[i]!), 0) / pages / seconds;
    const intervalMs = walls[0]!.intervalMs;
    for (const wall of walls) wall.close();
    ctx.log(
      `  ${pages} page(s): gateway CPU ${cpuPercent.toFixed(1)} %, refresh every ${intervalMs} ms, ` +
        `${perPage.toFixed(1)} thumbnails/s per page`,
    );
    return { pages, cpuPercent, intervalMs, perPage };
  } finally {
    for (const child of children.reverse()) await child.stop();
  }
}

export const wall: Scenario = {
  name: 'wall',
  title: 'Console wall',
  method:
    `A wall of ${CONSOLES} consoles through one gateway process: running VMs of the simulator’s scale seed (600 VMs ` +
    'on 10 hosts), every console relayed to the bench’s VNC server (1024×768, a 320×240 text window redrawn twice a ' +
    'second), so the gateway holds 50 upstreams decoding into 50 framebuffers and makes a 320×240 PNG of each as it ' +
    'changes, at the interval it chooses (WALL_CPU_PERCENT=10). Wall pages are WebSockets from the bench process ' +
    'watching all 50: one page, then five pages of the same consoles. Gateway CPU from /proc/<pid>/stat over 20 s ' +
    '(quick: 8 s) once all are live and 3 s have passed.',
  allotment: { full: 120, quick: 40 },
  async run(ctx: Context): Promise<Row[]> {
    const windowMs = ctx.quick ? 8000 : 20_000;
    const one = await runOnce(ctx, 1, windowMs);
    const five = ctx.allows(60_000) ? await runOnce(ctx, 5, windowMs) : undefined;
    const notes = [`refresh interval chosen by the gateway: ${one.intervalMs} ms`];
    return [
      {
        id: 'wall.cpu',
        measure: `Gateway CPU, a wall of ${CONSOLES} thumbnails (one page)`,
        unit: '% of a core',
        higherIsBetter: false,
        ours: measured([one.cpuPercent]),
        notes,
      },
      ...(five
        ? [
            {
              id: 'wall.cpu.five-pages',
              measure: `Gateway CPU, the same ${CONSOLES} thumbnails on five pages`,
              unit: '% of a core',
              higherIsBetter: false,
              ours: measured([five.cpuPercent]),
              notes: ['thumbnails are made once per console: five pages add only the sending'],
            } satisfies Row,
          ]
        : []),
      {
        id: 'wall.rate',
        measure: 'Thumbnails delivered per second to a page',
        unit: '/s',
        higherIsBetter: true,
        ours: measured([one.perPage]),
      },
    ];
  },
};
