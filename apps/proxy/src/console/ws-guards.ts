import type { WebSocket } from 'ws';

export interface SocketGuardLimits {
  /** WebSocket ping interval; a peer that misses a whole interval is dropped. */
  keepaliveMs: number;
  /** Close after this long in any case (0 = never). */
  maxDurationMs: number;
}

/** Why a guard ended the socket. */
export type GuardVerdict = 'peer-gone' | 'policy' | 'timeLimit';

/** Each ping makes us queue a pong: a peer sending more than this per second is flooding. */
const MAX_PINGS_PER_SECOND = 20;

/**
 * The per-WebSocket guards every console connection has, whatever it carries: keepalive pings (a peer that stops
 * answering is gone), a ping-flood limit, and the absolute time limit. `onVerdict` is called once at most.
 */
export function guardSocket(
  ws: WebSocket,
  limits: SocketGuardLimits,
  onVerdict: (verdict: GuardVerdict) => void,
): { stop(): void } {
  let alive = true;
  let stopped = false;
  let pings = 0;
  let pingWindow = Date.now();
  const timers: NodeJS.Timeout[] = [];
  const end = (verdict: GuardVerdict): void => {
    if (stopped) return;
    stop();
    onVerdict(verdict);
  };
  const onPong = (): void => {
    alive = true;
  };
  const onPing = (): void => {
    const now = Date.now();
    if (now - pingWindow >= 1000) {
      pingWindow = now;
      pings = 0;
    }
    if (++pings > MAX_PINGS_PER_SECOND) end('policy');
  };
  function stop(): void {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    ws.off('pong', onPong);
    ws.off('ping', onPing);
  }
  ws.on('pong', onPong);
  ws.on('ping', onPing);
  timers.push(
    setInterval(() => {
      if (!alive) return end('peer-gone');
      alive = false;
      ws.ping();
    }, limits.keepaliveMs),
  );
  if (limits.maxDurationMs > 0) timers.push(setTimeout(() => end('timeLimit'), limits.maxDurationMs));
  for (const timer of timers) timer.unref();
  return { stop };
}
