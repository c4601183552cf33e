// `npm run dev`: the product on one origin for development. Vite's dev server listens on a free loopback port; the
// gateway (with the simulated pool unless XAPI_URL is set) stands in front of it and relays pages, modules and the
// hot-reload WebSocket to it with http-proxy-3, so cookies, Host and Origin checks and the CSP are production's (but
// for a per-run nonce Vite writes on its inline scripts and styles). Edit apps/web/src and the browser updates.
// Runs under tsx (package.json), which lets it start the TypeScript gateway in this same process.
import { randomBytes } from 'node:crypto';
import { startViteDevServer } from './vite-dev.ts';

const nonce = randomBytes(18).toString('base64url');
const { vite, url } = await startViteDevServer({ nonce, port: Number(process.env.VITE_PORT ?? 0) });
process.env.DEV_SERVER_URL = url;
process.env.DEV_CSP_NONCE = nonce;
process.stdout.write(`Development mode: the UI comes from Vite's dev server (${url}) through the gateway below.\n`);
process.on('exit', () => void vite.close());
await import('../apps/proxy/src/main.ts');
