/**
 * `npx tsx packages/rfb/bench/viewers.ts [viewers] [seconds]`: the gateway side of a shared console under load. One
 * 1024×768 framebuffer changes 10 times a second; `viewers` (default 50) RFB sessions serve it over loopback TCP
 * to clients in a child process that pull like noVNC (an incremental request as soon as an update is read) and
 * parse but do not decode. Prints the server process's CPU time as a share of one core, per scenario, with the
 * encoded-rectangle cache on and (for comparison) off. Then times the Tight encoder on whole screens cut into
 * tiles of 32, 64 and 128 pixels. Loopback only; every loop bounded; the child is stopped by PID.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { tightPayload } from '../src/encoders/tight.ts';
import { Framebuffer, RfbSession } from '../src/index.ts';
import { NOVNC_ENCODINGS, UpdateReader } from './update-reader.ts';

const WIDTH = 1024;
const HEIGHT = 768;
const FRAMES_PER_SECOND = 10;

// ---------------------------------------------------------------------------------------------- the client side

async function runClients(port: number, viewers: number): Promise<void> {
  const readers: UpdateReader[] = [];
  for (let i = 0; i < viewers; i++) {
    const socket = connect({ host: '127.0.0.1', port });
    let handshake = 0;
    const request = (incremental: boolean) =>
      socket.write(
        Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, WIDTH >> 8, WIDTH & 255, HEIGHT >> 8, HEIGHT & 255]),
      );
    const reader = new UpdateReader(() => request(true));
    readers.push(reader);
    socket.on('data', (chunk: Buffer) => {
      if (handshake < 12 + 2 + 4 + 24 + 11) {
        // Banner, security list, SecurityResult, ServerInit with the bench's 11-byte name: then the updates.
        const take = Math.min(chunk.length, 12 + 2 + 4 + 24 + 11 - handshake);
        const before = handshake;
        handshake += take;
        if (before < 12 && handshake >= 12) socket.write('RFB 003.008\n');
        if (before < 14 && handshake >= 14) socket.write(Buffer.from([1]));
        if (before < 18 && handshake >= 18) socket.write(Buffer.from([1]));
        if (handshake === 12 + 2 + 4 + 24 + 11) {
          const pf = Buffer.from([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16, 0, 0, 0]);
          const enc = Buffer.alloc(4 + 4 * NOVNC_ENCODINGS.length);
          enc[0] = 2;
          enc.writeUInt16BE(NOVNC_ENCODINGS.length, 2);
          NOVNC_ENCODINGS.forEach((e, k) => enc.writeInt32BE(e, 4 + 4 * k));
          socket.write(Buffer.concat([pf, enc]));
          request(false);
        }
        chunk = chunk.subarray(take);
      }
      if (chunk.length) reader.push(chunk);
    });
    socket.on('error', () => undefined);
  }
  process.on('message', () => {
    const updates = readers.reduce((n, r) => n + r.updates, 0);
    const bytes = readers.reduce((n, r) => n + r.bytes, 0);
    process.send!({ updates, bytes });
  });
}

// ---------------------------------------------------------------------------------------------- the server side

interface Scenario {
  name: string;
  /** Draws frame `n` (the screen changes between frames only). */
  frame(fb: Framebuffer, n: number): void;
}

const PALETTE = [0x000000, 0xaaaaaa, 0xffffff, 0x0000aa, 0x55ff55, 0xaa0000];

function textRow(fb: Framebuffer, y: number, seed: number): void {
  for (let x = 0; x < WIDTH; x += 8) fb.fillRect(x, y, 8, 16, PALETTE[(x * 31 + seed * 17) % PALETTE.length]!);
}

const SCENARIOS: Scenario[] = [
  {
    name: 'terminal scroll (CopyRect up 16 px + a new text line)',
    frame: (fb, n) => {
      fb.copyRect(0, 16, { x: 0, y: 0, w: WIDTH, h: HEIGHT - 16 });
      textRow(fb, HEIGHT - 16, n);
    },
  },
  {
    name: 'desktop: 10% of the screen redrawn with text-like pixels',
    frame: (fb, n) => {
      const x0 = (n * 97) % (WIDTH - 320);
      const y0 = (n * 53) % (HEIGHT - 240);
      for (let y = y0; y < y0 + 240; y += 16) {
        for (let x = x0; x < x0 + 320; x += 8) fb.fillRect(x, y, 8, 16, PALETTE[(x + y + n) % PALETTE.length]!);
      }
    },
  },
  {
    name: 'worst case: whole screen full-colour every frame',
    frame: (fb, n) => {
      const row = new Uint8Array(WIDTH * 4);
      for (let y = 0; y < HEIGHT; y++) {
        for (let x = 0; x < WIDTH; x++) {
          const v = (x * 2654435761 + y * 40503 + n * 7919) >>> 0;
          row.set([v & 255, (v >>> 8) & 255, (v >>> 16) & 255, 255], x * 4);
        }
        fb.putRgba(0, y, WIDTH, 1, row);
      }
    },
  },
];

async function measure(scenario: Scenario, viewers: number, seconds: number, share: boolean) {
  const fb = new Framebuffer(WIDTH, HEIGHT);
  for (let y = 0; y < HEIGHT; y += 16) textRow(fb, y, y);
  let encodings = 0;
  const put = fb.encoded.put.bind(fb.encoded);
  fb.encoded.put = (...args) => {
    encodings++;
    put(...args);
  };
  if (!share) fb.encoded.get = () => undefined;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    new RfbSession(socket, {
      framebuffer: fb,
      name: 'bench scrn.',
      version: '3.8',
      onReady: () => undefined,
      onInput: () => undefined,
      onClosed: () => sockets.delete(socket),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['client', String(port), String(viewers)], {
    execArgv: ['--import', 'tsx'],
  });
  const ask = () =>
    new Promise<{ updates: number; bytes: number }>((resolve) => {
      child.once('message', (m) => resolve(m as { updates: number; bytes: number }));
      child.send('report');
    });
  try {
    // Let every viewer connect and receive its first full screen.
    for (let i = 0; i < 200 && sockets.size < viewers; i++) await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 1000));
    const startReport = await ask();
    const startEncodings = encodings;
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const frames = seconds * FRAMES_PER_SECOND;
    for (let n = 0; n < frames; n++) {
      scenario.frame(fb, n);
      await new Promise((r) => setTimeout(r, 1000 / FRAMES_PER_SECOND));
    }
    const used = process.cpuUsage(cpu);
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    const end = await ask();
    return {
      cpuShare: (used.user + used.system) / 1e6 / elapsed,
      updatesPerViewerPerSecond: (end.updates - startReport.updates) / viewers / elapsed,
      kbPerViewerPerSecond: (end.bytes - startReport.bytes) / viewers / elapsed / 1024,
      encodingsPerFrame: (encodings - startEncodings) / frames,
      cacheBytes: fb.encoded.size,
    };
  } finally {
    if (child.pid) process.kill(child.pid);
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Milliseconds and bytes to Tight-encode a whole screen cut into square tiles of `size`. */
function tileCost(fb: Framebuffer, size: number): { ms: number; bytes: number } {
  const rounds = 5;
  let bytes = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    bytes = 0;
    for (let y = 0; y < HEIGHT; y += size) {
      for (let x = 0; x < WIDTH; x += size) {
        bytes += 12 + tightPayload(fb, { x, y, w: Math.min(size, WIDTH - x), h: Math.min(size, HEIGHT - y) }, 6).length;
      }
    }
  }
  return { ms: Number(process.hrtime.bigint() - t) / 1e6 / rounds, bytes };
}

async function main(): Promise<void> {
  const viewers = Number(process.argv[2] ?? 50);
  const seconds = Number(process.argv[3] ?? 10);
  console.log(`${viewers} viewers, ${WIDTH}x${HEIGHT}, ${FRAMES_PER_SECOND} frames/s, ${seconds} s per run`);
  for (const scenario of SCENARIOS) {
    for (const share of [true, false]) {
      const r = await measure(scenario, viewers, seconds, share);
      console.log(
        `${scenario.name} | cache ${share ? 'on ' : 'off'} | server CPU ${(r.cpuShare * 100).toFixed(1)}% of a core` +
          ` | ${r.updatesPerViewerPerSecond.toFixed(1)} updates/s and ${r.kbPerViewerPerSecond.toFixed(0)} KiB/s per viewer` +
          ` | ${r.encodingsPerFrame.toFixed(1)} rectangles encoded per frame | cache ${(r.cacheBytes / 1024).toFixed(0)} KiB`,
      );
    }
  }
  const text = new Framebuffer(WIDTH, HEIGHT);
  for (let y = 0; y < HEIGHT; y += 16) textRow(text, y, y);
  const photo = new Framebuffer(WIDTH, HEIGHT);
  SCENARIOS[2]!.frame(photo, 1);
  for (const size of [32, 64, 128]) {
    const a = tileCost(text, size);
    const b = tileCost(photo, size);
    console.log(
      `tiles of ${size}: text screen ${a.ms.toFixed(1)} ms, ${(a.bytes / 1024).toFixed(0)} KiB;` +
        ` full-colour screen ${b.ms.toFixed(1)} ms, ${(b.bytes / 1024).toFixed(0)} KiB`,
    );
  }
}

if (process.argv[2] === 'client') await runClients(Number(process.argv[3]), Number(process.argv[4]));
else await main();
