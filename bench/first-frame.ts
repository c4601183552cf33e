import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';
import { setSecurityHeaders } from '../apps/proxy/src/http/security-headers.ts';
import { launchChromium, VIEWPORT } from './lib/browser.ts';
import { startXvnc } from './lib/processes.ts';
import { alternate, measured, pairedRatio, runPair, type Context, type Row, type Scenario } from './lib/scenario.ts';
import { startGatewayStack, TARGET_VM } from './lib/stack.ts';
import { percentile, sleep, within } from './lib/stats.ts';
import { RfbViewer } from './lib/rfb-viewer.ts';
import type { Endpoint } from './lib/conn.ts';

/**
 * Time to first frame, measured in the page: from the user's action (a click on the Console tab, or a new tab's
 * navigation start) to the first draw onto noVNC's visible canvas that leaves a visible pixel. The UI exposes no
 * first-frame signal, so the canvas is watched (its 2D context's drawImage/putImageData).
 *
 * Three console servers and paths: a real Xvnc behind TARGET_VM's console (what a user sees with QEMU behind a real
 * host), the simulator's own RFB server (raw encoding only: a test double), and Chromium's own floor on this
 * machine (a new tab painting a one-file page, no app), which bounds what any new-window path can reach.
 */

const SIMULATED_VM = 'Windows Server 2022';

declare global {
  interface Window {
    __xwcFirstFrame?: number;
    /** When every pixel of the visible canvas had been drawn at least once since the opening began. */
    __xwcWholeFrame?: number;
    /** Forgets what was drawn (a new opening on the same page). */
    __xwcResetCoverage?: () => void;
    __xwcMarks?: Record<string, number>;
  }
}

/**
 * Runs in the page before any of its scripts. Plain JavaScript text: tsx would wrap named functions in helpers
 * that do not exist in the page.
 */
const FIRST_FRAME_PROBE = `(() => {
  const marks = (window.__xwcMarks = {});
  const Native = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    if (String(url).includes('/api/consoles/') && marks.wsCreated === undefined) {
      marks.wsCreated = performance.now();
      ws.addEventListener('open', () => (marks.wsOpen = performance.now()));
      // Text frames are presence notices; the console's first bytes come in binary frames.
      ws.addEventListener('message', (e) => typeof e.data !== 'string' && (marks.wsFirstMessage ??= performance.now()));
    }
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  const proto = CanvasRenderingContext2D.prototype;
  const onScreen = (canvas) => canvas.closest && canvas.closest('.console-screen') && canvas.width > 0 && canvas.height > 0;
  const anyVisible = (data) => {
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] !== 0 && (data[i] !== 0 || data[i + 1] !== 0 || data[i + 2] !== 0)) return true;
    }
    return false;
  };
  // Only what this call drew is read back: reading the whole canvas after every rectangle would cost the page
  // more than noVNC's own drawing and delay the frame being measured.
  const drawnRect = (args) => {
    const source = args[0];
    if (args.length >= 9) return [args[5], args[6], args[7], args[8]];
    if (args.length >= 5) return [args[1], args[2], args[3], args[4]];
    return [args[1], args[2], source.width, source.height];
  };
  const seen = () => {
    if (window.__xwcFirstFrame === undefined) window.__xwcFirstFrame = performance.now();
  };
  // The whole first screen: one byte per pixel of the visible canvas, set when a draw covers it; checked only once
  // the area drawn adds up to the canvas's (a cheap native scan then).
  let covered = new Uint8Array(0);
  let coveredW = 0;
  let drawnArea = 0;
  window.__xwcResetCoverage = () => {
    covered = new Uint8Array(0);
    drawnArea = 0;
    window.__xwcWholeFrame = undefined;
  };
  // Counted from the first draw with a visible pixel on: noVNC first flips its empty (black) backbuffer over the
  // whole canvas, which is no screen from the console.
  const cover = (canvas, left, top, width, height) => {
    if (window.__xwcWholeFrame !== undefined || window.__xwcFirstFrame === undefined) return;
    if (covered.length !== canvas.width * canvas.height || coveredW !== canvas.width) {
      covered = new Uint8Array(canvas.width * canvas.height);
      coveredW = canvas.width;
      drawnArea = 0;
    }
    for (let row = top; row < top + height; row++) covered.fill(1, row * coveredW + left, row * coveredW + left + width);
    drawnArea += width * height;
    if (drawnArea >= covered.length && covered.indexOf(0) === -1) window.__xwcWholeFrame = performance.now();
  };
  const clip = (canvas, x, y, w, h) => {
    const left = Math.max(0, Math.floor(x));
    const top = Math.max(0, Math.floor(y));
    return [left, top, Math.min(canvas.width, Math.floor(x + w)) - left, Math.min(canvas.height, Math.floor(y + h)) - top];
  };
  const drawImage = proto.drawImage;
  proto.drawImage = function (...args) {
    drawImage.apply(this, args);
    if (!onScreen(this.canvas)) return;
    const [left, top, width, height] = clip(this.canvas, ...drawnRect(args));
    if (width <= 0 || height <= 0) return;
    if (window.__xwcFirstFrame === undefined && anyVisible(this.getImageData(left, top, width, height).data)) seen();
    cover(this.canvas, left, top, width, height);
  };
  const putImageData = proto.putImageData;
  proto.putImageData = function (...args) {
    putImageData.apply(this, args);
    if (!onScreen(this.canvas)) return;
    const [left, top, width, height] = clip(this.canvas, args[1], args[2], args[0].width, args[0].height);
    if (window.__xwcFirstFrame === undefined && anyVisible(args[0].data)) seen();
    if (width > 0 && height > 0) cover(this.canvas, left, top, width, height);
  };
})();`;

const PHASE: Record<string, string> = {
  domContentLoaded: 'page loaded',
  wsCreated: 'console WebSocket created',
  wsOpen: 'WebSocket open',
  wsFirstMessage: 'first console bytes',
  // The app's own marks (apps/web/src/console/controller.ts), read in a new tab.
  'xwc:console-viewer': 'noVNC attached',
  'xwc:console-connected': 'RFB handshake done',
};

/** A page that only paints a 1024×768 canvas: what a new tab costs before any application code. */
const FLOOR_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>floor</title>
<script type="module" src="paint.js"></script></head>
<body><div class="console-screen"><canvas width="1024" height="768"></canvas></div></body></html>`;
const FLOOR_SCRIPT = `const ctx = document.querySelector('canvas').getContext('2d');
const picture = ctx.createImageData(1024, 768);
for (let i = 0; i < picture.data.length; i += 4) { picture.data[i] = 128; picture.data[i + 3] = 255; }
ctx.putImageData(picture, 0, 0);`;

/**
 * Serves the floor page twice: plain, and under the gateway's own security headers (its
 * Cross-Origin-Opener-Policy makes Chromium move a new tab to a fresh renderer process, which costs time here).
 */
async function serveFloorPage(): Promise<{ plain: string; secured: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/secured/')) setSecurityHeaders(res, false);
    const script = req.url?.endsWith('/paint.js') ?? false;
    res.writeHead(200, { 'content-type': script ? 'text/javascript' : 'text/html', 'cache-control': 'no-store' });
    res.end(script ? FLOOR_SCRIPT : FLOOR_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    plain: `${base}/plain/`,
    secured: `${base}/secured/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Opening {
  /** To the first draw that left a visible pixel. */
  ms: number;
  /**
   * To the whole first screen drawn: every pixel of the canvas drawn since the first visible pixel; NaN if that did
   * not happen within 5 s.
   */
  whole: number;
  marks: Record<string, number>;
}

/** Waits (up to 5 s) for the whole first screen once the first pixel is in; a screen never completed is NaN. */
async function wholeScreen(page: Page): Promise<void> {
  await page
    .waitForFunction(() => window.__xwcWholeFrame !== undefined, undefined, { timeout: 5000 })
    .catch(() => undefined);
}

/** A fresh tab navigating to `url`; times from navigation start. */
async function openTab(context: BrowserContext, url: string): Promise<Opening> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__xwcFirstFrame !== undefined, undefined, { timeout: 15_000 });
    await wholeScreen(page);
    return await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const app = performance
        .getEntriesByType('mark')
        .filter((m) => m.name === 'xwc:console-viewer' || m.name === 'xwc:console-connected');
      return {
        ms: window.__xwcFirstFrame!,
        whole: window.__xwcWholeFrame ?? NaN,
        marks: {
          ...window.__xwcMarks,
          ...(nav ? { domContentLoaded: nav.domContentLoadedEventEnd } : {}),
          ...Object.fromEntries(app.map((m) => [m.name, m.startTime])),
        },
      };
    });
  } finally {
    await page.close();
  }
}

/** In a logged-in app showing a VM, leave its console (General tab), then click Console; times from the click. */
async function openConsoleTab(page: Page): Promise<Opening> {
  await page.getByRole('link', { name: 'General', exact: true }).click();
  await page.locator('.console-screen').waitFor({ state: 'detached' });
  await page.waitForTimeout(200);
  const started = await page.evaluate(() => {
    window.__xwcFirstFrame = undefined;
    window.__xwcResetCoverage!();
    // The probe's WebSocket wrapper holds this object: empty it rather than replace it.
    for (const key of Object.keys(window.__xwcMarks ?? {})) delete window.__xwcMarks![key];
    const link = [...document.querySelectorAll('a')].find((a) => a.textContent?.trim() === 'Console');
    if (!link) throw new Error('no Console tab');
    const at = performance.now();
    link.click();
    return at;
  });
  await page.waitForFunction(() => window.__xwcFirstFrame !== undefined, undefined, { timeout: 15_000 });
  await wholeScreen(page);
  return page.evaluate((at) => {
    const marks: Record<string, number> = {};
    for (const [k, v] of Object.entries(window.__xwcMarks ?? {})) marks[k] = v - at;
    return { ms: window.__xwcFirstFrame! - at, whole: (window.__xwcWholeFrame ?? NaN) - at, marks };
  }, started);
}

const describeOpening = (opening: Opening): string => {
  const marks = Object.entries(opening.marks)
    .map(([k, v]) => `${k} ${v.toFixed(0)}`)
    .join(', ');
  return `${opening.ms.toFixed(0)} ms, whole screen ${opening.whole.toFixed(0)} ms${marks ? ` (${marks})` : ''}`;
};

/** One warm-up (discarded) and `count` measured openings; progress on the log. */
async function series(ctx: Context, label: string, count: number, open: () => Promise<Opening>): Promise<Opening[]> {
  const kept: Opening[] = [];
  for (let i = 0; i <= count; i++) {
    const opening = await open();
    if (i > 0) kept.push(opening);
    ctx.log(`  ${label} ${i}${i === 0 ? ' (warm-up)' : ''}: ${describeOpening(opening)}`);
  }
  return kept;
}

/** A page of the app showing a VM's console tab, for repeated openings. */
async function consolePage(context: BrowserContext, uuid: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`/object/vm/${uuid}/console`);
  await page.locator('.console-status', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
  return page;
}

/**
 * Console-tab openings on two gateways in pairs of alternating order (A then B, B then A, …), after one discarded
 * warm-up each: the same Xvnc behind both, the same browser, the same minutes.
 */
async function pairedSeries(
  ctx: Context,
  count: number,
  a: { label: string; page: Page },
  b: { label: string; page: Page },
): Promise<{ a: Opening[]; b: Opening[] }> {
  const out = { a: [] as Opening[], b: [] as Opening[] };
  const one = (side: 'a' | 'b', i: number) => async (): Promise<void> => {
    const { label, page } = side === 'a' ? a : b;
    const opening = await openConsoleTab(page);
    if (i >= 0) out[side].push(opening);
    ctx.log(`  ${label} ${i + 1}${i < 0 ? ' (warm-up)' : ''}: ${describeOpening(opening)}`);
  };
  for (let i = -1; i < count; i++) await runPair(Math.max(0, i), one('a', i), one('b', i));
  return out;
}

/**
 * The gateway's share of a first frame, without a browser: from ServerInit to the first complete update, for a
 * viewer (bench/lib/rfb-viewer.ts, noVNC's encodings) opening the console afresh; and the rectangles it took.
 */
async function firstUpdate(endpoint: Endpoint): Promise<{ ms: number; rects: number }> {
  let done!: (value: { ms: number; rects: number }) => void;
  const first = new Promise<{ ms: number; rects: number }>((resolve) => (done = resolve));
  let readyAt = 0;
  const viewer = await RfbViewer.open(endpoint, {
    onUpdate: (v) => v.updates === 1 && done({ ms: performance.now() - readyAt, rects: v.rects }),
  });
  readyAt = performance.now();
  try {
    return await within(10_000, 'the first update', first);
  } finally {
    viewer.close();
    await Promise.race([viewer.closed, sleep(2000)]);
    // The gateway lets go of the console (the engine closes its upstream) before the next opening.
    await sleep(200);
  }
}

/** Medians of each phase mark, for the report's "where the time goes" note. */
function phaseNote(openings: readonly Opening[], origin: string): string {
  const p50 = percentile(
    openings.map((o) => o.ms),
    50,
  );
  const phases = Object.keys(PHASE)
    .filter((k) => openings.every((o) => o.marks[k] !== undefined))
    .map(
      (k) =>
        `${PHASE[k]} ${percentile(
          openings.map((o) => o.marks[k]!),
          50,
        ).toFixed(0)}`,
    );
  return `where the time goes (medians, ms from ${origin}): ${[...phases, `first frame ${p50.toFixed(0)}`].join(', ')}`;
}

function row(
  id: string,
  measure: string,
  openings: readonly Opening[],
  extra: Partial<Row> = {},
  pick: (o: Opening) => number = (o) => o.ms,
): Row {
  const times = openings.map(pick);
  const incomplete = times.filter((t) => !Number.isFinite(t)).length;
  return {
    id,
    measure,
    unit: 'ms',
    higherIsBetter: false,
    ours: measured([percentile(times.filter(Number.isFinite), 50)], {
      detail:
        `openings: ${times.map((t) => t.toFixed(0)).join(', ')} ms` +
        (incomplete ? `; ${incomplete} never drew the whole screen within 5 s` : ''),
    }),
    ...extra,
  };
}

/** p50 to the whole first screen; an opening that never completed it counts as infinitely late. */
const wholeP50 = (openings: readonly Opening[]): number =>
  percentile(
    openings.map((o) => (Number.isFinite(o.whole) ? o.whole : Infinity)),
    50,
  );
const whole = (o: Opening): number => o.whole;

const login = async (context: BrowserContext, url: string): Promise<void> => {
  const response = await context.request.post('/api/session', {
    data: { username: 'root', password: 'xenroot' },
    headers: { origin: url },
  });
  if (!response.ok()) throw new Error(`login: ${response.status()}`);
};

export const firstFrame: Scenario = {
  name: 'first-frame',
  title: 'Time to first frame',
  method:
    'Chromium (Debian, headless), logged in. **Console tab:** the app shows a running VM; each opening leaves the ' +
    'console (General tab) and clicks Console, timed from the click to the first draw on noVNC’s visible canvas ' +
    'with a non-black visible pixel, and to the whole first screen (every pixel of the canvas drawn, counted from ' +
    'that first visible draw on, as noVNC first flips an empty black canvas: the targets are judged on this), ' +
    'measured in the page. Behind the VM’s console either a real TigerVNC Xvnc ' +
    '(1024×768, Debian’s, like the QEMU behind a real host’s console) or the simulator’s own RFB server (raw ' +
    'encoding only, a test double). With Xvnc, two gateways on the same pool, the same settings but ' +
    'CONSOLE_SHARING: the default (a lone viewer is bridged byte for byte: pass-through) and `always` (the shared ' +
    'console engine: each opening connects it upstream, it decodes Xvnc’s first screen and serves it to noVNC ' +
    'anew); their openings alternate in pairs (pass-through then engine, engine then pass-through, …), the ratio ' +
    'taken within each pair. The gateway’s share alone: a Node viewer with noVNC’s encodings opens the console ' +
    'afresh through each gateway (alternating pairs), timed from ServerInit to its first complete update. **New tab:** a fresh tab navigating to /console/vm/<uuid> (what "open in a new ' +
    'window" loads), timed from navigation start. **Chromium’s floor:** a fresh tab loading a one-file page that ' +
    'paints a 1024×768 canvas, served from loopback: no path that opens a new tab can be faster on this machine. ' +
    '15 openings each (quick: 5) after one discarded warm-up (cached assets, as for any console after the first).',
  allotment: { full: 200, quick: 60 },
  async run(ctx: Context): Promise<Row[]> {
    const count = ctx.quick ? 5 : 15;
    const uiDir = await ctx.uiDir();
    const xvnc = await startXvnc();
    const floor = await serveFloorPage();
    const stack = await startGatewayStack({
      uiDir,
      targetPort: xvnc.port,
      env: { LOGIN_ATTEMPTS_PER_USER: '100' },
    });
    const engine = await stack.addGateway({
      uiDir,
      env: { LOGIN_ATTEMPTS_PER_USER: '100', CONSOLE_SHARING: 'always' },
    });
    const browser = await launchChromium();
    try {
      const loggedIn = async (url: string): Promise<BrowserContext> => {
        const c = await browser.newContext({ viewport: VIEWPORT, baseURL: url });
        await c.addInitScript({ content: FIRST_FRAME_PROBE });
        await login(c, url);
        return c;
      };
      const context = await loggedIn(stack.url);
      const engineContext = await loggedIn(engine.url);
      const real = await stack.vmUuid(TARGET_VM);
      const simulated = await stack.vmUuid(SIMULATED_VM);

      const directPage = await consolePage(context, real);
      const enginePage = await consolePage(engineContext, real);
      const { a: tabXvnc, b: tabEngine } = await pairedSeries(
        ctx,
        count,
        { label: 'Console tab, Xvnc, pass-through', page: directPage },
        { label: 'Console tab, Xvnc, engine', page: enginePage },
      );
      await directPage.close();
      await enginePage.close();
      await engineContext.close();
      const updates = await alternate(
        ctx,
        count,
        async () => firstUpdate(stack.rfbConsole(real)),
        async () => firstUpdate(engine.rfbConsole(real)),
      );
      const simulatedPage = await consolePage(context, simulated);
      const tabSimulated = await series(ctx, 'Console tab, simulated RFB server', count, () =>
        openConsoleTab(simulatedPage),
      );
      await simulatedPage.close();
      const window = await series(ctx, 'new tab, Xvnc', count, () => openTab(context, `/console/vm/${real}`));
      const floorContext = await browser.newContext({ viewport: VIEWPORT });
      await floorContext.addInitScript({ content: FIRST_FRAME_PROBE });
      const floorOpenings = await series(ctx, 'Chromium floor', count, () => openTab(floorContext, floor.plain));
      const securedFloor = await series(ctx, 'Chromium floor, security headers', count, () =>
        openTab(floorContext, floor.secured),
      );
      await floorContext.close();
      await context.close();

      const p50 = percentile(
        tabXvnc.map((o) => o.ms),
        50,
      );
      const floorP50 = percentile(
        securedFloor.map((o) => o.ms),
        50,
      );
      return [
        row(
          'first-frame.p50',
          `Time to first frame, Console tab, real Xvnc behind the console, p50 of ${count}`,
          tabXvnc,
          { notes: [phaseNote(tabXvnc, 'the click')] },
        ),
        row(
          'first-frame.whole.p50',
          `Time to the whole first screen, Console tab, real Xvnc behind the console, p50 of ${count}`,
          tabXvnc,
          { budget: 300, target: { text: '≤ 300 ms', pass: wholeP50(tabXvnc) <= 300 } },
          whole,
        ),
        row(
          'first-frame.engine.p50',
          `Time to first frame, Console tab, real Xvnc behind the console, through the engine, p50 of ${count}`,
          tabEngine,
          {
            paired: {
              name: 'pass-through',
              theirs: measured([p50]),
              ratio: pairedRatio(
                tabEngine.map((o) => o.ms),
                tabXvnc.map((o) => o.ms),
              ),
            },
            notes: [phaseNote(tabEngine, 'the click')],
          },
        ),
        row(
          'first-frame.engine.whole.p50',
          `Time to the whole first screen, Console tab, real Xvnc, through the engine, p50 of ${count}`,
          tabEngine,
          {
            budget: 300,
            target: { text: '≤ 300 ms', pass: wholeP50(tabEngine) <= 300 },
            paired: {
              name: 'pass-through',
              theirs: measured([wholeP50(tabXvnc)]),
              ratio: pairedRatio(tabEngine.map(whole), tabXvnc.map(whole)),
            },
          },
          whole,
        ),
        {
          id: 'first-frame.engine.first-update',
          measure: `The gateway’s share: ServerInit → first complete update, a Node viewer, through the engine, p50 of ${count}`,
          unit: 'ms',
          higherIsBetter: false,
          ours: measured(updates.b.map((u) => u.ms)),
          paired: {
            name: 'pass-through',
            theirs: measured(updates.a.map((u) => u.ms)),
            ratio: pairedRatio(
              updates.b.map((u) => u.ms),
              updates.a.map((u) => u.ms),
            ),
          },
          notes: [
            `rectangles in the first update: ${measured(updates.b.map((u) => u.rects)).value} through the engine, ` +
              `${measured(updates.a.map((u) => u.rects)).value} from Xvnc through pass-through`,
          ],
        },
        {
          id: 'first-frame.p95',
          measure: `Time to first frame, Console tab, real Xvnc behind the console, p95 of ${count}`,
          unit: 'ms',
          higherIsBetter: false,
          ours: measured([
            percentile(
              tabXvnc.map((o) => o.ms),
              95,
            ),
          ]),
        },
        row(
          'first-frame.simulated.p50',
          `Time to first frame, Console tab, the simulator’s RFB server (raw encoding), p50 of ${count}`,
          tabSimulated,
          { notes: [phaseNote(tabSimulated, 'the click')] },
        ),
        row('first-frame.window.p50', `Time to first frame, console in a new tab, real Xvnc, p50 of ${count}`, window, {
          notes: [
            phaseNote(window, 'navigation start'),
            `${(
              percentile(
                window.map((o) => o.ms),
                50,
              ) / floorP50
            ).toFixed(2)}× Chromium’s floor for a new tab under the same headers`,
          ],
        }),
        row(
          'first-frame.window.whole.p50',
          `Time to the whole first screen, console in a new tab, real Xvnc, p50 of ${count}`,
          window,
          { budget: 300, target: { text: '≤ 300 ms', pass: wholeP50(window) <= 300 } },
          whole,
        ),
        row(
          'first-frame.floor.p50',
          `Chromium’s floor: a new tab painting a one-file page (no app), p50 of ${count}`,
          floorOpenings,
        ),
        row(
          'first-frame.floor-secured.p50',
          `Chromium’s floor, the page under the gateway’s security headers, p50 of ${count}`,
          securedFloor,
        ),
      ];
    } finally {
      await browser.close();
      await stack.stop();
      await floor.close();
      await xvnc.child.stop();
    }
  },
};
