import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type InlineConfig, type ViteDevServer } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Vite's dev server as `npm run dev` runs it behind the gateway: on 127.0.0.1 (port 0: any free one), writing the
 * run's CSP nonce on the inline scripts and styles it injects. `config` adds to or replaces the project's
 * vite.config.ts (tests serve a fixture app this way, never the real sources).
 */
export async function startViteDevServer(options: {
  nonce: string;
  port?: number;
  config?: InlineConfig;
}): Promise<{ vite: ViteDevServer; url: string }> {
  const { nonce, port = 0, config = {} } = options;
  const vite = await createServer({
    configFile: path.join(root, 'vite.config.ts'),
    clearScreen: false,
    logLevel: 'warn',
    ...config,
    server: { host: '127.0.0.1', port, strictPort: port !== 0, ...config.server },
    html: { cspNonce: nonce },
  });
  await vite.listen();
  const { port: bound } = vite.httpServer!.address() as AddressInfo;
  return { vite, url: `http://127.0.0.1:${bound}` };
}
