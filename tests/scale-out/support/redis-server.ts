import net from 'node:net';
import { createClient } from 'redis';
import { freePort, startChild, waitFor, type Child } from './processes.ts';

/** A real redis-server on a loopback port, without persistence; can be stopped and started again on that port. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether a Redis server answers PING on `port`. */
const pong = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.once('close', () => resolve(false));
    socket.once('error', () => resolve(false));
  });

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: Child | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = startChild('redis-server', [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--logfile',
        '',
      ]);
      const started = child;
      await waitFor(`redis-server on port ${port}`, () => pong(port)).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}\n${started.output()}`);
      });
    },
    async stop() {
      await child?.stop();
      child = undefined;
    },
  };
  await server.start();
  return server;
}

/** Everything Redis holds, keys and values, as one string. */
export async function dumpRedis(url: string): Promise<{ keys: string[]; text: string }> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  try {
    const keys: string[] = [];
    for await (const batch of client.scanIterator({ COUNT: 100 })) keys.push(...batch);
    const values: unknown[] = [];
    for (const key of keys) {
      const type = await client.type(key);
      values.push(type === 'hash' ? await client.hGetAll(key) : type === 'string' ? await client.get(key) : type);
    }
    return { keys, text: JSON.stringify({ keys, values }) };
  } finally {
    client.destroy();
  }
}
