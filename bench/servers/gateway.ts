import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig, startGateway } from '@xwc/proxy';

/**
 * The whole gateway in its own process (so its resident memory and CPU are its own), configured from the
 * environment exactly as `npm start` is, in front of a pool given by URL and CA file. `--ui-dir` serves a UI
 * build. The benchmarks run it bundled, as `npm start` runs the built gateway (bench/lib/gateway-build.ts).
 * Prints {"url"} once listening; closes on SIGTERM.
 */
const { values } = parseArgs({
  options: { 'xapi-url': { type: 'string' }, 'ca-file': { type: 'string' }, 'ui-dir': { type: 'string' } },
});
const config = loadConfig(process.env);
const gateway = await startGateway({
  config,
  xapiUrl: values['xapi-url']!,
  trust: { kind: 'ca', pem: fs.readFileSync(values['ca-file']!, 'utf8') },
  ...(values['ui-dir'] ? { uiDir: values['ui-dir'] } : {}),
});
process.stdout.write(`${JSON.stringify({ url: gateway.url })}\n`);
process.on('SIGTERM', () => {
  void gateway.close().finally(() => process.exit(0));
});
