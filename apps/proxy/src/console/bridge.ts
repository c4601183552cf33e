import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { CLOSE, type CloseKind } from './close-codes.ts';
import { RfbActivityScanner } from './rfb-activity.ts';
import { guardSocket, type SocketGuardLimits } from './ws-guards.ts';

export interface BridgeLimits extends SocketGuardLimits {
  /** Pause the host side once this many bytes sent to the browser are not yet flushed to the kernel. */
  highWaterMark: number;
  /** Resume the host side once the unflushed bytes fall below this. */
  lowWaterMark: number;
  /** Close when either side has not taken our data for this long. */
  stallTimeoutMs: number;
  /** Close after this long without key or pointer input (0 = never). */
  idleTimeoutMs: number;
}

export interface BridgeResult {
  kind: CloseKind | 'peer-gone';
  bytesToBrowser: number;
  bytesToHost: number;
  inputEvents: number;
}

export interface Bridge {
  /** Ends the console from outside (logout, shutdown, session expiry). */
  close(kind: CloseKind): void;
  readonly done: Promise<BridgeResult>;
}

/** How long finding out why the host ended a console may take before it is simply reported as ended. */
const END_KIND_WAIT_MS = 3000;
/** How long a close handshake may take before the socket is simply destroyed. */
const CLOSE_GRACE_MS = 2000;

/**
 * Joins a browser WebSocket to a host console stream, byte for byte, with backpressure in both
 * directions: the host side pauses while the browser has too much unsent data, and the browser
 * side pauses while the host is not draining. Memory per console is bounded by the marks above.
 */
export interface BridgeOptions {
  limits: BridgeLimits;
  /** Console bytes that arrived with the tunnel's reply. */
  initial?: Buffer;
  /** Why the host ended the stream (e.g. the pool's own idle timeout), given when input was last seen. */
  endKind?: (lastInput: number) => Promise<CloseKind>;
  /** Text frames (presence and control commands); without it a text frame closes the console. */
  onText?: (text: string) => void;
}

export function bridge(ws: WebSocket, upstream: Duplex, options: BridgeOptions): Bridge {
  const { limits, initial, endKind, onText } = options;
  let unflushed = 0;
  let bytesToBrowser = 0;
  let bytesToHost = 0;
  let finished = false;
  let lastInput = Date.now();
  let stallTimer: NodeJS.Timeout | undefined;
  const scanner = new RfbActivityScanner();
  const timers: NodeJS.Timeout[] = [];

  let resolveDone!: (result: BridgeResult) => void;
  const done = new Promise<BridgeResult>((resolve) => (resolveDone = resolve));

  const startStall = (): void => {
    stallTimer ??= setTimeout(() => finish('stalled'), limits.stallTimeoutMs);
  };
  const stopStall = (): void => {
    if (stallTimer) clearTimeout(stallTimer);
    stallTimer = undefined;
  };

  const finish = (kind: CloseKind | 'peer-gone'): void => {
    if (finished) return;
    finished = true;
    stopStall();
    guards.stop();
    for (const timer of timers) clearInterval(timer);
    upstream.off('data', toBrowser);
    upstream.destroy();
    if (kind !== 'peer-gone' && ws.readyState === ws.OPEN) {
      const { code, reason } = CLOSE[kind];
      ws.close(code, reason);
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    } else {
      ws.terminate();
    }
    resolveDone({ kind, bytesToBrowser, bytesToHost, inputEvents: scanner.inputEvents });
  };

  const flushed = (n: number) => (): void => {
    unflushed -= n;
    if (unflushed <= limits.lowWaterMark && upstream.isPaused() && !finished) {
      stopStall();
      upstream.resume();
    }
  };

  function toBrowser(chunk: Buffer): void {
    bytesToBrowser += chunk.length;
    unflushed += chunk.length;
    ws.send(chunk, { binary: true }, flushed(chunk.length));
    if (unflushed > limits.highWaterMark) {
      upstream.pause();
      startStall();
    }
  }

  const toHost = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void => {
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (!isBinary) {
      if (onText) return onText(chunk.toString('utf8'));
      ws.close(CLOSE.notBinary.code, CLOSE.notBinary.reason);
      finish('peer-gone');
      return;
    }
    bytesToHost += chunk.length;
    if (scanner.feed(chunk)) lastInput = Date.now();
    if (!upstream.write(chunk)) {
      ws.pause();
      startStall();
    }
  };

  upstream.on('drain', () => {
    if (finished) return;
    stopStall();
    ws.resume();
  });
  upstream.on('data', toBrowser);
  // The host ended the stream (VM halted, rebooted or migrated away, or the pool's idle timeout): deliver what is
  // queued, then close with the reason.
  let ending = false;
  const hostEnded = (): void => {
    if (ending || finished) return;
    ending = true;
    if (!endKind) return finish('ended');
    const fallback = setTimeout(() => finish('ended'), END_KIND_WAIT_MS);
    endKind(lastInput)
      .catch((): CloseKind => 'ended')
      .then((kind) => {
        clearTimeout(fallback);
        finish(kind);
      });
  };
  upstream.on('end', hostEnded);
  upstream.on('error', hostEnded);
  upstream.on('close', hostEnded);

  ws.on('message', toHost);
  ws.on('close', () => finish('peer-gone'));
  ws.on('error', () => finish('peer-gone'));

  const guards = guardSocket(ws, limits, finish);
  if (limits.idleTimeoutMs > 0) {
    const every = Math.max(50, Math.min(limits.idleTimeoutMs / 4, 5000));
    timers.push(
      setInterval(() => {
        if (Date.now() - lastInput >= limits.idleTimeoutMs) finish('idle');
      }, every),
    );
  }
  for (const timer of timers) timer.unref();

  if (initial?.length) toBrowser(initial);
  if (upstream.isPaused()) upstream.resume();
  if (ws.isPaused) ws.resume();

  return { close: (kind) => finish(kind), done };
}
