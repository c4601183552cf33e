import { createHmac } from 'node:crypto';
import type { createClient } from 'redis';
import type { AttemptCount, LoginCounters } from './login-counters.ts';

type Client = ReturnType<typeof createClient>;

/**
 * Login counters shared by every gateway instance: `xwc:login:<HMAC of the key>` is a hash (`count`, `last`) that
 * expires a window after its last attempt. Keys name users and client addresses: Redis sees only their HMAC, under a
 * key derived from SESSION_SECRET, as it sees user names only encrypted. Each operation is one Lua script, so attempts racing on several instances see successive counts.
 * Commands go through the session store's `run`: while Redis is down they fail as SessionStoreUnavailable, and the
 * login is refused with 503 (fail closed, as the session store itself: no login could be kept anyway).
 */
const ADD_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'count', 'last')
  out[i] = { tonumber(v[1]) or 0, tonumber(v[2]) or 0 }
  redis.call('HSET', key, 'count', out[i][1] + 1, 'last', ARGV[1])
  redis.call('PEXPIREAT', key, tonumber(ARGV[1]) + tonumber(ARGV[2]))
end
return out`;

const RESTORE_SCRIPT = `
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[2 * i])
  local last = tonumber(ARGV[2 * i + 1])
  if count == 0 then
    redis.call('DEL', key)
  else
    redis.call('HSET', key, 'count', count, 'last', last)
    redis.call('PEXPIREAT', key, last + tonumber(ARGV[1]))
  end
end
return 0`;

const TAKE_BACK_SCRIPT = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 and redis.call('HINCRBY', key, 'count', -1) <= 0 then redis.call('DEL', key) end
end
return 0`;

export class RedisLoginCounters implements LoginCounters {
  constructor(
    private readonly client: Client,
    private readonly run: <T>(command: () => Promise<T>) => Promise<T>,
    private readonly hmacKey: Buffer,
  ) {}

  async add(keys: readonly string[], now: number, windowMs: number): Promise<AttemptCount[]> {
    const reply = await this.eval(ADD_SCRIPT, keys, [now, windowMs]);
    return (reply as [number, number][]).map(([count, last]) => ({ count: Number(count), last: Number(last) }));
  }

  async restore(keys: readonly string[], before: readonly AttemptCount[], windowMs: number): Promise<void> {
    const counts = keys.flatMap((_, i) => [before[i]?.count ?? 0, before[i]?.last ?? 0]);
    await this.eval(RESTORE_SCRIPT, keys, [windowMs, ...counts]);
  }

  async takeBack(keys: readonly string[]): Promise<void> {
    await this.eval(TAKE_BACK_SCRIPT, keys, []);
  }

  async clear(keys: readonly string[]): Promise<void> {
    await this.run(() => this.client.del(keys.map((key) => this.redisKey(key))));
  }

  private redisKey(key: string): string {
    return `xwc:login:${createHmac('sha256', this.hmacKey).update(key).digest('base64url')}`;
  }

  private eval(script: string, keys: readonly string[], args: readonly number[]): Promise<unknown> {
    return this.run(() =>
      this.client.eval(script, {
        keys: keys.map((key) => this.redisKey(key)),
        arguments: args.map((n) => String(Math.round(n))),
      }),
    );
  }
}
