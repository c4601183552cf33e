import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Health } from './health.ts';
import type { GatewayMetrics } from './metrics.ts';

/**
 * Answers `/healthz` and `/readyz` (on any listener: they hold no data, need no login and pass no Host check, so load
 * balancers and orchestrators may probe an instance by its address). Undefined for any other path.
 */
export function answerHealth(
  health: Health,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> | undefined {
  const path = (req.url ?? '').split('?', 1)[0];
  if (path !== '/healthz' && path !== '/readyz') return undefined;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' }).end();
    return Promise.resolve();
  }
  const reply = (status: number, body: unknown): void => {
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  if (path === '/healthz') {
    reply(200, { status: 'alive' });
    return Promise.resolve();
  }
  return health.readiness().then(({ ready, checks }) => reply(ready ? 200 : 503, { ready, checks }));
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/** The metrics listener (METRICS_HOST, METRICS_PORT): `/metrics` in Prometheus' text format, and the health probes. */
export async function startOpsServer(options: {
  host: string;
  port: number;
  metrics: GatewayMetrics;
  health: Health;
}): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    const health = answerHealth(options.health, req, res);
    if (health) return void health.catch(() => res.destroy());
    if ((req.url ?? '').split('?', 1)[0] !== '/metrics' || req.method !== 'GET') {
      res.writeHead(404, { 'Content-Length': '0' }).end();
      return;
    }
    options.metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': options.metrics.registry.contentType }).end(text),
      () => res.writeHead(500, { 'Content-Length': '0' }).end(),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
