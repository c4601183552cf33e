import { STATS_ERRORS } from '@xwc/contracts';
import type { XapiRef } from '@xwc/api-client';
import type { UserSession } from '../auth/sessions.ts';
import { ApiError } from '../http/errors.ts';
import type { PoolHost, PoolHosts, PoolLink } from '../pool/link.ts';
import { SharedCache } from './cache.ts';

/** Where an object's statistics are kept, as its user may learn it. */
export interface StatsTarget {
  readonly host: PoolHost;
  readonly pool: PoolHosts;
  readonly powerState: string;
  /** True: the host's `/rrd_updates` has them; false: a VM that does not run, whose RRD the master archives. */
  readonly live: boolean;
}

/** How long a user's answer about where an object lives is reused (a miss in the host's reply asks again). */
const TARGET_TTL_MS = 10_000;
const MAX_TARGETS = 10_000;

const RUNNING = new Set(['Running', 'Paused']);

/**
 * Finds the host that keeps an object's statistics with the user's own session, so XAPI decides what the user may
 * see (an unknown or hidden uuid is XAPI's UUID_INVALID, a 404): a host itself; a running VM's resident host; the
 * master for a VM that does not run. Answers are kept a little per user, as many viewers ask every few seconds.
 */
export class StatsTargets {
  readonly #kept = new SharedCache<StatsTarget>(MAX_TARGETS);

  constructor(private readonly link: PoolLink) {}

  /** Where the object's statistics are; `fresh` asks the pool again even if an answer is kept. */
  resolve(session: UserSession, cls: 'vm' | 'host', uuid: string, fresh = false): Promise<StatsTarget> {
    const key = `${session.id}|${cls}|${uuid}`;
    if (fresh) this.#kept.drop(key, 0);
    return this.#kept.get(key, TARGET_TTL_MS, () =>
      cls === 'host' ? this.#host(session, uuid) : this.#vm(session, uuid),
    );
  }

  async #host(session: UserSession, uuid: string): Promise<StatsTarget> {
    const ref = await session.xapi.getByUuid('host', uuid);
    return { ...(await this.#home(session, ref)), powerState: 'Running', live: true };
  }

  async #vm(session: UserSession, uuid: string): Promise<StatsTarget> {
    const { xapi } = session;
    const vm = await xapi.getRecord('VM', await xapi.getByUuid('VM', uuid));
    if (vm.is_a_template || vm.is_a_snapshot) {
      throw new ApiError(404, STATS_ERRORS.none, 'Templates and snapshots have no performance statistics.');
    }
    const live = RUNNING.has(vm.power_state);
    const home = live ? vm.resident_on : [...(await xapi.getAllRecords('pool')).values()][0]?.master;
    return { ...(await this.#home(session, home ?? 'OpaqueRef:NULL')), powerState: vm.power_state, live };
  }

  /** A host the pool lists (the list is read again once for a host it does not have yet), with its address. */
  async #home(session: UserSession, ref: XapiRef): Promise<{ host: PoolHost; pool: PoolHosts }> {
    let pool = await this.link.poolHosts(session.xapi);
    if (!pool.byRef.get(ref)?.address) pool = await this.link.poolHosts(session.xapi, true);
    const host = pool.byRef.get(ref);
    if (!host?.address) {
      throw new ApiError(503, STATS_ERRORS.unavailable, 'The host that keeps these statistics cannot be found.');
    }
    return { host, pool };
  }
}
