import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticUi } from '../src/http/static.ts';

const SCRIPT = Buffer.from(`export const answer = ${'42 + '.repeat(200)}0;\n`);
let dir: string;
let server: http.Server;
let base: string;

/** One GET without any automatic decompression: the bytes and headers exactly as the gateway sent them. */
function get(pathname: string, acceptEncoding?: string) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.get(`${base}${pathname}`, {
      headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {},
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xwc-static-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(dir, 'assets/app-1a2b.js'), SCRIPT);
  fs.writeFileSync(path.join(dir, 'assets/app-1a2b.js.br'), zlib.brotliCompressSync(SCRIPT));
  fs.writeFileSync(path.join(dir, 'assets/app-1a2b.js.gz'), zlib.gzipSync(SCRIPT));
  fs.writeFileSync(path.join(dir, 'assets/plain-9f.js'), SCRIPT);
  const app = express();
  app.use(staticUi(dir));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("the UI's pre-compressed assets", () => {
  it('sends the brotli copy to a browser that accepts it, as JavaScript, cached for good', async () => {
    const res = await get('/assets/app-1a2b.js', 'gzip, deflate, br');
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toMatch(/^(text|application)\/javascript/);
    expect(res.headers.vary).toMatch(/Accept-Encoding/i);
    expect(res.headers['cache-control']).toContain('immutable');
    expect(zlib.brotliDecompressSync(res.body).equals(SCRIPT)).toBe(true);
    expect(res.body.length).toBeLessThan(SCRIPT.length);
  });

  it('sends the gzip copy when brotli is not accepted', async () => {
    const res = await get('/assets/app-1a2b.js', 'gzip, deflate');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(res.body).equals(SCRIPT)).toBe(true);
  });

  it('sends the plain file without an Accept-Encoding, or when no copy was built', async () => {
    for (const [pathname, accept] of [
      ['/assets/app-1a2b.js', undefined],
      ['/assets/plain-9f.js', 'br'],
    ] as const) {
      const res = await get(pathname, accept);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(res.body.equals(SCRIPT)).toBe(true);
    }
  });
});
