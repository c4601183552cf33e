import fs from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';

/** Asset names as Vite writes them (flat, hashed): nothing else is looked up, so no path can leave the folder. */
const ASSET_NAME = /^\/[\w.-]+\.(js|css|svg|json|wasm)$/;
const SUFFIX = { br: '.br', gzip: '.gz' } as const;

/**
 * Serves the build's pre-compressed copy of an asset (`.br`, else `.gz`; written by scripts/compress-assets.mjs)
 * to a browser that accepts it; anything else falls through to the plain files.
 */
export function precompressed(assetsDir: string): RequestHandler {
  return (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !ASSET_NAME.test(req.path)) return next();
    // Browsers list gzip first at equal weight; brotli is preferred whenever it is accepted at all.
    const encoding = req.acceptsEncodings('br') === 'br' ? 'br' : req.acceptsEncodings('gzip') === 'gzip' ? 'gzip' : '';
    if (!encoding) return next();
    const file = path.join(assetsDir, req.path.slice(1) + SUFFIX[encoding]);
    if (!fs.existsSync(file)) return next();
    res.vary('Accept-Encoding');
    res.type(path.extname(req.path));
    res.setHeader('Content-Encoding', encoding);
    res.sendFile(file, { immutable: true, maxAge: '365d' }, (error) => error && next(error));
  };
}
