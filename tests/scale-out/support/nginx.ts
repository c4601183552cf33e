import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, listening, startChild, waitFor } from './processes.ts';

const DEPLOY_DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/deploy.md');

/**
 * The site configuration documented in docs/deploy.md, made to run on loopback: the upstream servers become
 * the test's instances and the TLS `listen` becomes a plain loopback one. Everything else is used as written,
 * so the documented configuration is the tested one.
 */
export function siteConfig(upstreams: readonly string[], port: number): string {
  const doc = fs.readFileSync(DEPLOY_DOC, 'utf8');
  const blocks = [...doc.matchAll(/^```nginx\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  if (blocks.length !== 1) throw new Error(`docs/deploy.md should hold one nginx block, found ${blocks.length}`);
  const lines = blocks[0]!.split('\n');
  const isServer = (line: string): boolean => /^\s*server\s+[\d.]+:\d+\b/.test(line);
  if (lines.filter(isServer).length < 2) throw new Error('the documented upstream should list at least two instances');
  const out: string[] = [];
  let previousWasServer = false;
  for (const line of lines) {
    const server = isServer(line);
    const firstOfGroup = server && !previousWasServer;
    previousWasServer = server;
    // Each upstream group's documented servers become the test's instances, with the group's first server's options.
    if (firstOfGroup) {
      const options = /^\s*server\s+\S+(.*)$/.exec(line)![1];
      out.push(...upstreams.map((address) => `    server ${address}${options}`));
    } else if (server || /^\s*ssl_/.test(line)) continue;
    else if (/^\s*listen\s+443\s+ssl;/.test(line)) out.push(`    listen 127.0.0.1:${port};`);
    else out.push(line);
  }
  if (!out.some((line) => line.includes(`listen 127.0.0.1:${port};`))) {
    throw new Error('the documented server block should `listen 443 ssl;`');
  }
  return out.join('\n');
}

export interface Nginx {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly config: string;
  stop(): Promise<void>;
}

/** nginx in the foreground with everything (pid, logs, temp files) under `dir`, stopped by PID. */
export async function startNginx(dir: string, upstreams: readonly string[]): Promise<Nginx> {
  const port = await freePort();
  fs.mkdirSync(path.join(dir, 'temp'), { recursive: true });
  // Workers may run as another user when the tests run as root; they only need to traverse the directory.
  fs.chmodSync(dir, 0o755);
  const temp = (name: string): string => `${name}_temp_path ${path.join(dir, 'temp', name)};`;
  const config = [
    'daemon off;',
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${path.join(dir, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log ${path.join(dir, 'access.log')};`,
    `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}`,
    siteConfig(upstreams, port),
    '}',
    '',
  ].join('\n');
  const file = path.join(dir, 'nginx.conf');
  fs.writeFileSync(file, config);
  const child = startChild('nginx', ['-c', file, '-p', dir, '-e', path.join(dir, 'error.log')]);
  await waitFor(`nginx on port ${port}`, () => listening(port)).catch(async (error: unknown) => {
    await child.stop();
    const log = fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
    throw new Error(`${(error as Error).message}\n${child.output()}\n${log}`);
  });
  return { url: `http://127.0.0.1:${port}`, config, stop: () => child.stop() };
}
