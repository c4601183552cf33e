import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from './processes.ts';

/**
 * The gateway as production runs it: `npm start` runs the esbuild bundle of the server (scripts/build.mjs) with
 * `node --enable-source-maps`, not TypeScript through tsx (whose loader thread alone is ~40 MB of resident memory).
 * The benchmarks' entry (bench/servers/gateway.ts) is bundled once per run with the same options, into bench/tmp.
 */

interface BuildTargets {
  serverBuildOptions(entry: string, outfile: string): esbuild.BuildOptions;
}

/** Beside the profiles when profiling, so that bench/profile.ts can map them back to the sources afterwards. */
const profiles = process.env.XWC_BENCH_PROFILE;
const dir = profiles ? path.resolve(profiles, 'gateway') : path.join(ROOT, 'bench/tmp', `gateway-${process.pid}`);
let built: Promise<string> | undefined;

/** The bundled benchmark gateway (built on first use): a file to run with `node --enable-source-maps`. */
export function gatewayBundle(): Promise<string> {
  built ??= (async () => {
    const targets = (await import(path.join(ROOT, 'scripts/build-targets.mjs') as string)) as BuildTargets;
    const outfile = path.join(dir, 'gateway.js');
    await esbuild.build(targets.serverBuildOptions('bench/servers/gateway.ts', outfile));
    return outfile;
  })();
  return built;
}

/** Removes this run's bundle, unless profiles need it (runs killed before this are cleaned up by the next run). */
export function removeGatewayBundle(): void {
  if (!profiles) fs.rmSync(dir, { recursive: true, force: true });
}
