import { createClient } from 'redis';
import type { Logger } from './log.ts';

export type RedisClient = ReturnType<typeof createClient>;

/** Commands fail after this rather than hang; with the offline queue off they fail at once while disconnected. */
export const REDIS_COMMAND_TIMEOUT_MS = 2000;

/**
 * A command connection and a subscriber to Redis for what instances share beside sessions (presence, share links):
 * connecting and reconnecting by themselves (100 ms doubling to 3 s), failures logged at debug level as `what`.
 */
export function redisClients(
  url: string,
  log: Logger,
  what: string,
): { client: RedisClient; subscriber: RedisClient; subscriberConnected: Promise<void> } {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: REDIS_COMMAND_TIMEOUT_MS },
    socket: {
      connectTimeout: REDIS_COMMAND_TIMEOUT_MS,
      reconnectStrategy: (retries) => Math.min(3000, 100 * 2 ** retries),
    },
  });
  const subscriber = client.duplicate();
  client.on('error', (error: unknown) => log.debug(`${what} (Redis) connection failed`, { error }));
  subscriber.on('error', (error: unknown) => log.debug(`${what} (Redis) subscriber failed`, { error }));
  client.connect().catch(() => {});
  const subscriberConnected = subscriber.connect().then(() => undefined);
  subscriberConnected.catch(() => {});
  return { client, subscriber, subscriberConnected };
}
