import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { precompressed } from './precompressed.ts';

/**
 * Serves the built UI. Unknown non-API paths get index.html (client-side routes); paths starting
 * with `//` are refused outright so no redirect can ever point off-site (CVE-2021-3654's class).
 */
export function staticUi(uiDir: string): Router {
  const router = express.Router();
  const dir = path.resolve(uiDir);
  const index = path.join(dir, 'index.html');
  router.use((req, res, next) => {
    if (req.path.startsWith('//') || req.originalUrl.startsWith('//')) {
      res.status(400).type('text/plain').send('Bad request.');
      return;
    }
    next();
  });
  router.use('/assets', precompressed(path.join(dir, 'assets')));
  router.use(
    '/assets',
    express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', redirect: false, fallthrough: false }),
  );
  router.use(express.static(dir, { redirect: false, index: false, maxAge: 0 }));
  router.get(/.*/, (req, res, next) => {
    if (req.path.startsWith('/api/')) return next();
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send('The web UI is not built yet: run `npm run build`.');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
