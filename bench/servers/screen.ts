import net from 'node:net';
import { parseArgs } from 'node:util';
import { Framebuffer, Handshake, parseClientMessage, SERVER_PIXEL_FORMAT, type PixelFormat, type Rect } from '@xwc/rfb';
import { Encoding, rectHeader, serverInit, updateHeader } from '../../packages/rfb/src/messages.ts';
import { slice } from '../lib/pattern.ts';
import { colourOf, echoCell, SCREEN, seqOfKeysym } from '../lib/screen.ts';

/**
 * The VNC server behind the consoles of the shared-console benchmarks, in its own process: RFB 3.8, security None, a
 * 1024×768 screen sent in Raw (the encoding every client takes: a reader is then limited by the bytes it reads, not
 * by decoding, and the gateway's work is the same whatever it asks for), 32 bits a pixel. `--screens` is a JSON
 * list; each entry gets its own loopback listener:
 * - `{"kind":"flood","content":"noise"|"text","pace":"push"|"answer"}`: a saturating screen, the top 1024×640
 *   redrawn in 128×128 rectangles (64 KiB: the byte flood's frame size) with new content each time. "push": one
 *   rectangle an update, written as fast as the socket drains without waiting for requests, as the byte flood is
 *   written; "answer": each FramebufferUpdateRequest is answered at once with the whole area redrawn, as a VNC
 *   server answers while the screen changes faster than the client asks. "noise": the byte flood's own
 *   pseudo-random bytes (full colour, incompressible); "text": glyph-like 8×16 cells in 8 colours.
 * - `{"kind":"changing","content":"noise"|"text","fps":10}`: `fps` times a second, "text" redraws a 320×240 window
 *   (9.8 % of the screen) with glyph-like cells at a moving place, "noise" the whole screen in full colour; each
 *   FramebufferUpdateRequest is answered with what changed since that client's last update, as a real server does.
 * - `{"kind":"idle"}`: nothing changes but the echo of typed keys.
 * Every screen echoes each key press carrying a sequence number (bench/lib/screen.ts) into the bottom line: a pushing
 * flood writes the echo behind what it has queued already; the others send it in answer to the next request.
 * Prints {"ports": [...]} in the order given; stops on SIGTERM.
 */

type ScreenSpec =
  | { kind: 'flood'; content: 'noise' | 'text'; pace: 'push' | 'answer' }
  | { kind: 'changing'; content: 'noise' | 'text'; fps: number }
  | { kind: 'idle' };

const FLOOD_TILE = 128;
const FLOOD_AREA = { w: SCREEN.w, h: 5 * FLOOD_TILE };
const FLOOD_PLACES = (FLOOD_AREA.w / FLOOD_TILE) * (FLOOD_AREA.h / FLOOD_TILE);
const TEXT_WINDOW = { w: 320, h: 240 };
/** Distinct blocks a flood cycles through (prime, so a place rarely gets the same block twice running). */
const FLOOD_BLOCKS = 37;

const PALETTE = [0x000000, 0xaaaaaa, 0xffffff, 0x0000aa, 0x55ff55, 0xaa0000, 0xffff55, 0x00aaaa];

/** Deterministic pseudo-random numbers (xorshift32), so every run draws the same pictures. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Draws text-like cells: each 8×16 cell a background and a foreground from PALETTE, with glyph-like rows. */
function drawText(fb: Framebuffer, area: Rect, seed: number): void {
  const next = random(seed * 2654435761);
  for (let y = area.y; y < area.y + area.h; y += 16) {
    for (let x = area.x; x < area.x + area.w; x += 8) {
      const bg = next() % 8 === 0 ? PALETTE[3]! : PALETTE[0]!;
      const fg = PALETTE[1 + (next() % (PALETTE.length - 1))]!;
      const glyph = next();
      // Blank cells are common in text; the others get one bit pattern per pair of rows.
      if (glyph % 4 === 0) fb.fillRect(x, y, 8, 16, bg);
      else fb.paint(x, y, 8, 16, (px, py) => ((glyph >>> (((py - y) >> 1) * 4 + ((px - x) >> 1))) & 1 ? fg : bg));
    }
  }
}

function drawNoise(fb: Framebuffer, area: Rect, seed: number): void {
  const next = random(seed * 40503 + 1);
  fb.paint(area.x, area.y, area.w, area.h, () => next() & 0xffffff);
}

function listen(spec: ScreenSpec): Promise<number> {
  const fb = new Framebuffer(SCREEN.w, SCREEN.h);
  const connections = new Set<() => void>();
  if (spec.kind === 'changing') {
    let frame = 0;
    setInterval(() => {
      frame++;
      if (spec.content === 'noise') drawNoise(fb, fb.bounds, frame);
      else {
        const x = ((frame * 97) % ((SCREEN.w - TEXT_WINDOW.w) / 8)) * 8;
        const y = ((frame * 53) % ((SCREEN.h - TEXT_WINDOW.h) / 16)) * 16;
        drawText(fb, { x, y, ...TEXT_WINDOW }, frame);
      }
      for (const wake of connections) wake();
    }, 1000 / spec.fps);
  }
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    const handshake = new Handshake('3.8');
    let format: PixelFormat = SERVER_PIXEL_FORMAT;
    let ready = false;
    let input: Buffer = Buffer.alloc(0);
    let pending: Rect | undefined;
    const tracker = fb.track(() => undefined);
    /**
     * Writes one message in one go, as VNC servers flush a whole update: the simulated pool's relay then forwards it
     * as one piece, instead of small pieces that its Nagle-delayed socket would hold back for an acknowledgement.
     */
    const send = (parts: readonly Buffer[]): boolean => {
      socket.cork();
      let ok = true;
      for (const part of parts) ok = socket.write(part);
      socket.uncork();
      return ok;
    };
    const rawRects = (rects: readonly Rect[]): Buffer[] =>
      rects.flatMap((r) => [rectHeader(r, Encoding.Raw), fb.encode(r, format)]);
    const rawUpdate = (rects: readonly Rect[]): Buffer[] => [updateHeader(rects.length), ...rawRects(rects)];
    /** Answers the pending request with what changed in it, if anything did. */
    const answer = (): void => {
      if (!pending || !tracker.hasDamage(pending)) return;
      const rects = tracker.take(pending);
      pending = undefined;
      send(rawUpdate(rects));
    };
    const wake = (): void => answer();
    connections.add(wake);
    socket.once('close', () => {
      connections.delete(wake);
      fb.untrack(tracker);
    });
    /**
     * The flood's rectangles in order: the top 1024×640 over and over, in Raw, each time with new content: the byte
     * flood's own bytes for noise, one of FLOOD_BLOCKS text blocks (drawn once) for text.
     */
    const floodSource = (content: 'noise' | 'text'): (() => [Buffer, Buffer]) => {
      const blocks =
        content === 'text'
          ? Array.from({ length: FLOOD_BLOCKS }, (_, i) => {
              const scratch = new Framebuffer(FLOOD_TILE, FLOOD_TILE);
              drawText(scratch, scratch.bounds, i + 1);
              return scratch.encode(scratch.bounds, format);
            })
          : [];
      const columns = FLOOD_AREA.w / FLOOD_TILE;
      const bytes = FLOOD_TILE * FLOOD_TILE * 4;
      let n = 0;
      return () => {
        const place = n % FLOOD_PLACES;
        const rect = {
          x: (place % columns) * FLOOD_TILE,
          y: Math.floor(place / columns) * FLOOD_TILE,
          w: FLOOD_TILE,
          h: FLOOD_TILE,
        };
        const pixels = content === 'noise' ? slice(n * bytes, bytes) : blocks[n % FLOOD_BLOCKS]!;
        n++;
        return [rectHeader(rect, Encoding.Raw), pixels];
      };
    };
    let flood: (() => [Buffer, Buffer]) | undefined;
    /** Writes one-rectangle updates as fast as the socket drains, whatever the client asked. */
    const push = (): void => {
      while (!socket.destroyed) {
        if (!send([updateHeader(1), ...flood!()])) return void socket.once('drain', push);
      }
    };
    /** Answers a request with what changed (typed keys' echoes), then the whole flood area redrawn. */
    const answerFlood = (rect: Rect): void => {
      const changed = tracker.take(rect);
      send([
        updateHeader(changed.length + FLOOD_PLACES),
        ...rawRects(changed),
        ...Array.from({ length: FLOOD_PLACES }, () => flood!()).flat(),
      ]);
    };
    const handle = (chunk: Buffer): void => {
      input = input.length ? Buffer.concat([input, chunk]) : chunk;
      for (;;) {
        if (!ready) {
          const step = handshake.step(input);
          if (step.kind === 'incomplete') return;
          if (step.kind === 'fail') return void socket.destroy();
          if (step.kind === 'progress' && step.reply) socket.write(step.reply);
          input = input.subarray(step.consumed);
          if (step.kind === 'done') {
            ready = true;
            socket.write(serverInit(SCREEN.w, SCREEN.h, SERVER_PIXEL_FORMAT, 'bench screen'));
          }
          continue;
        }
        const parsed = parseClientMessage(input);
        if (parsed.kind === 'incomplete') return;
        if (parsed.kind === 'error') {
          process.stderr.write(`screen: client error: ${parsed.reason}\n`);
          return void socket.destroy();
        }
        input = input.subarray(parsed.length);
        const m = parsed.message;
        if (m.type === 'set-pixel-format') {
          if (m.format.bitsPerPixel !== 32 || !m.format.trueColour) {
            process.stderr.write('screen: only 32-bit true-colour pixel formats are served\n');
            return void socket.destroy();
          }
          format = m.format;
        } else if (m.type === 'update-request') {
          if (!m.incremental) tracker.add(m.rect);
          if (spec.kind === 'flood' && spec.pace === 'push') {
            // The whole screen once; from then on the flood is written whatever is asked.
            if (!m.incremental) send(rawUpdate(tracker.take(fb.bounds)));
            if (!flood) {
              flood = floodSource(spec.content);
              push();
            }
          } else if (spec.kind === 'flood') {
            flood ??= floodSource(spec.content);
            answerFlood(m.rect);
          } else {
            pending = m.rect;
            answer();
          }
        } else if (m.type === 'key' && m.down) {
          const seq = seqOfKeysym(m.keysym);
          if (seq === undefined) continue;
          const cell = echoCell(seq);
          fb.fillRect(cell.x, cell.y, cell.w, cell.h, colourOf(seq));
          if (spec.kind === 'flood' && spec.pace === 'push') {
            send(rawUpdate(tracker.take(cell)));
          } else {
            for (const wakeOther of connections) wakeOther();
          }
        }
      }
    };
    socket.on('data', handle);
    socket.write(handshake.greeting());
  });
  server.maxConnections = 2000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

const { values } = parseArgs({ options: { screens: { type: 'string', default: '[{"kind":"idle"}]' } } });
const specs = JSON.parse(values.screens!) as ScreenSpec[];
const ports = await Promise.all(specs.map(listen));
process.stdout.write(`${JSON.stringify({ ports })}\n`);
process.on('SIGTERM', () => process.exit(0));
