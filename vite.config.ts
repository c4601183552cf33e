import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { PRODUCT_NAME } from './apps/web/src/product/product-name.ts';

/**
 * Builds the browser UI (apps/web) into apps/web/dist, which the gateway serves. In development (`npm run dev`,
 * scripts/dev.mjs) the gateway stands in front of Vite's dev server instead: one origin, production's checks.
 */

/**
 * noVNC's module waits, as it loads, for a test decode of an H.264 frame (to offer that encoding): in a new tab that
 * starts the media decoder and holds the console back by 30–200 ms. No console behind XAPI (QEMU's VNC server, the
 * gateway's engine) sends H.264, so the probe is left out and noVNC never offers it.
 */
function skipH264Probe(): Plugin {
  const probe = 'supportsWebCodecsH264Decode = await _checkWebCodecsH264DecodeSupport();';
  return {
    name: 'novnc-skip-h264-probe',
    transform(code, id) {
      if (!id.endsWith('/@novnc/novnc/core/util/browser.js')) return undefined;
      // A noVNC that changed this line must be looked at again, not built silently with the probe.
      if (!code.includes(probe)) throw new Error(`noVNC's H.264 probe changed: update skipH264Probe (${id})`);
      return code.replace(probe, '');
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('./apps/web', import.meta.url)),
  plugins: [
    react(),
    // The page's first title, before the app sets its own: the product's one name (product/product-name.ts).
    { name: 'product-name', transformIndexHtml: (html) => html.replaceAll('%PRODUCT_NAME%', PRODUCT_NAME) },
    skipH264Probe(),
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
