import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Builds the browser UI (apps/web) into apps/web/dist, which the gateway serves. The dev server forwards /api
 * (including console WebSockets) to a running gateway; add the dev origin to the gateway's ALLOWED_ORIGINS.
 */
const gateway = process.env.XWC_GATEWAY ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('./apps/web', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // noVNC 1.7 keeps a top-level await; every browser that runs the UI supports ES2022.
    target: 'es2022',
    // Inline nothing as data: URLs so the production CSP needs no exceptions beyond img data:.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: gateway, ws: true } },
  },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
