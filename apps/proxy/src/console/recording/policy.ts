import type { XapiSession } from '@xwc/api-client';
import type { ConsoleOwner } from '../resolve.ts';

/**
 * Whether a console is recorded, read from the pool itself (docs/configuration.md, "Console recordings"): the policy
 * lives in `other_config`, so it follows the VM or host, shows in XenCenter and `xe`, and every gateway instance reads
 * the same one.
 *
 * - `pool.other_config:xwc-recording=all` records every VM and host console of the pool;
 * - `other_config:xwc-recording=on` on a VM or host records that console;
 * - `other_config:xwc-recording-keys=on` on the VM or host (or the pool, for all) records which keys were pressed.
 *
 * An object's key can only add recording, never exempt it from the pool's policy: writing a VM's other_config needs
 * less than pool-admin in XAPI, and that must not switch off what a pool admin turned on.
 */
export interface RecordingPolicy {
  readonly record: boolean;
  readonly keys: boolean;
}

export const POLICY_KEYS = { record: 'xwc-recording', keys: 'xwc-recording-keys' } as const;

export const NOT_RECORDED: RecordingPolicy = { record: false, keys: false };

type Config = Readonly<Record<string, string>>;

/** The policy from the pool's and the object's other_config (pure). */
export function policyOf(pool: Config, object: Config): RecordingPolicy {
  const on = (value: string | undefined) => value?.trim().toLowerCase() === 'on';
  const record = pool[POLICY_KEYS.record]?.trim().toLowerCase() === 'all' || on(object[POLICY_KEYS.record]);
  return { record, keys: record && (on(pool[POLICY_KEYS.keys]) || on(object[POLICY_KEYS.keys])) };
}

/** Reads the policy with the viewer's own session (every role may read other_config). */
export async function readPolicy(xapi: XapiSession, owner: ConsoleOwner, uuid: string): Promise<RecordingPolicy> {
  const pools = await xapi.call('pool.get_all');
  const pool = Array.isArray(pools) && typeof pools[0] === 'string' ? pools[0] : undefined;
  const poolConfig = pool ? await xapi.getField('pool', pool, 'other_config') : {};
  const objectConfig =
    owner === 'host'
      ? await xapi.getField('host', await xapi.getByUuid('host', uuid), 'other_config')
      : await xapi.getField('VM', await xapi.getByUuid('VM', uuid), 'other_config');
  return policyOf(poolConfig, objectConfig);
}
