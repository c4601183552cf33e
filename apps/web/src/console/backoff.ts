/**
 * Reconnect delays: quick first tries (a reboot's console is back within seconds), then doubling to a cap, with
 * ±20 % jitter so many browsers do not return in step. `random` is injectable for tests.
 */
export interface BackoffOptions {
  readonly firstMs: number;
  readonly capMs: number;
  /** Attempts after which the caller should stop and offer a button. */
  readonly maxAttempts: number;
}

export const CONSOLE_BACKOFF: BackoffOptions = { firstMs: 500, capMs: 15_000, maxAttempts: 20 };

export function backoffDelay(attempt: number, options: BackoffOptions = CONSOLE_BACKOFF, random = Math.random): number {
  const base = Math.min(options.capMs, options.firstMs * 2 ** Math.max(0, attempt));
  const jitter = 1 + (random() * 2 - 1) * 0.2;
  return Math.round(Math.min(options.capMs, base * jitter));
}
