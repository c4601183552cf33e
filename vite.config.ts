import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { PRODUCT_NAME } from './apps/web/src/product/product-name.ts';

/**
 * Builds the browser UI (apps/web) into apps/web/dist, which the gateway serves. In development (`npm run dev`,
 * scripts/dev.mjs) the gateway stands in front of Vite's dev server instead: one origin, production's checks.
 */

export default defineConfig({
  root: fileURLToPath(new URL('./apps/web', import.meta.url)),
  plugins: [
    react(),
    // The page's first title, before the app sets its own: the product's one name (product/product-name.ts).
    { name: 'product-name', transformIndexHtml: (html) => html.replaceAll('%PRODUCT_NAME%', PRODUCT_NAME) },
  ],
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
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
});
