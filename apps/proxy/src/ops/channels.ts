import { channel } from 'node:diagnostics_channel';

/**
 * Measurements published where they happen (one line at the site, no metrics object to pass down) and counted by
 * ops/metrics.ts. A channel with no subscriber costs nothing.
 */
export const UPSTREAM_CONNECT_CHANNEL = 'xwc:upstream-connect';

export interface UpstreamConnect {
  seconds: number;
  /** `ok`, or the close kind the failure maps to (unreachable, certificate, busy, …). */
  outcome: string;
}

const upstreamConnect = channel(UPSTREAM_CONNECT_CHANNEL);

/** Times `connect` (a console tunnel to a host) and publishes how long it took and how it ended. */
export async function timedUpstreamConnect<T>(connect: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const publish = (outcome: string): void => {
    if (upstreamConnect.hasSubscribers)
      upstreamConnect.publish({ seconds: (performance.now() - started) / 1000, outcome });
  };
  try {
    const result = await connect();
    publish('ok');
    return result;
  } catch (error) {
    publish(typeof (error as { kind?: unknown })?.kind === 'string' ? (error as { kind: string }).kind : 'error');
    throw error;
  }
}
