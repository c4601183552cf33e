import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * Writes `name.br` (quality 11) and `name.gz` (level 9) beside each text asset of a built UI's assets/ folder, once
 * at build time: the gateway sends them to browsers that accept them (apps/proxy/src/http/precompressed.ts), so
 * no byte is compressed per request.
 */
const COMPRESSIBLE = /\.(js|css|svg|json|wasm)$/;

export function compressAssets(uiDir) {
  const assets = path.join(uiDir, 'assets');
  for (const name of fs.readdirSync(assets)) {
    if (!COMPRESSIBLE.test(name)) continue;
    const data = fs.readFileSync(path.join(assets, name));
    fs.writeFileSync(
      path.join(assets, `${name}.br`),
      zlib.brotliCompressSync(data, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
    fs.writeFileSync(path.join(assets, `${name}.gz`), zlib.gzipSync(data, { level: 9 }));
  }
}
