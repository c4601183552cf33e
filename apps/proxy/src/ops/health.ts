import { XapiError } from '@xwc/api-client';
import type { PoolLink } from '../pool/link.ts';

export interface Readiness {
  ready: boolean;
  /** Each check: `ok`, or why not. `sessionStore` is absent without Redis. */
  checks: { pool: string; sessionStore?: string; draining?: string };
}

/** How long one answer about the pool serves further probes: load balancers probe every few seconds, each instance. */
const POOL_CHECK_TTL_MS = 2000;

/**
 * `/healthz` and `/readyz`. Alive is the process answering. Ready is: the pool answers (any XAPI answer, even a
 * refusal, proves the master is reachable and its certificate trusted), the session store answers when there is one
 * (Redis), and the gateway is not draining for a stop.
 */
export class Health {
  private draining = false;
  private pool: { at: number; state: Promise<string> } | undefined;

  constructor(
    private readonly link: PoolLink,
    /** The session store: whether it answers now, and whether there is one to check (Redis). */
    private readonly sessionStore: { available: () => boolean; shared: boolean },
  ) {}

  /** From now on /readyz answers 503 `draining`: the first step of a graceful stop. */
  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async readiness(): Promise<Readiness> {
    const pool = await this.poolState();
    const checks: Readiness['checks'] = { pool };
    if (this.sessionStore.shared) checks.sessionStore = this.sessionStore.available() ? 'ok' : 'unreachable';
    if (this.draining) checks.draining = 'stopping';
    return { ready: pool === 'ok' && checks.sessionStore !== 'unreachable' && !this.draining, checks };
  }

  private poolState(): Promise<string> {
    if (this.pool && Date.now() - this.pool.at < POOL_CHECK_TTL_MS) return this.pool.state;
    const state = this.link.connection.call('pool.get_all', ['OpaqueRef:NULL'], { timeoutMs: 5000 }).then(
      () => 'ok',
      (error: unknown) => {
        if (error instanceof XapiError) return 'ok';
        const kind = (error as { kind?: unknown } | null)?.kind;
        return kind === 'tls' ? 'certificate refused' : kind === 'timeout' ? 'no answer in time' : 'unreachable';
      },
    );
    this.pool = { at: Date.now(), state };
    return state;
  }
}
