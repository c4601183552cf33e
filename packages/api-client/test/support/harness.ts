import { afterEach } from 'vitest';
import { XapiConnection, type ConnectionOptions } from '../../src/connection.ts';
import { startFakeXapi, type FakeXapi, type FakeXapiOptions } from './fake-xapi.ts';

/** Fake XAPI servers and client connections made by one test file's tests, all closed after each test. */
export function fakeXapiHarness(): {
  fake(options?: FakeXapiOptions): Promise<FakeXapi>;
  connect(to: string | { url: string }, options?: Partial<ConnectionOptions>): XapiConnection;
} {
  const servers: FakeXapi[] = [];
  const connections: XapiConnection[] = [];
  afterEach(async () => {
    for (const connection of connections.splice(0)) connection.close();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return {
    async fake(options = {}) {
      const server = await startFakeXapi(options);
      servers.push(server);
      return server;
    },
    connect(to, options = {}) {
      const connection = new XapiConnection({ url: typeof to === 'string' ? to : to.url, ...options });
      connections.push(connection);
      return connection;
    },
  };
}
