import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { startPool, type PoolOptions } from '@xwc/xapi-sim';
import { RelayDisplay } from '../../apps/xapi-sim/src/rfb/index.ts';

/**
 * The simulated pool in its own process, so the gateway's figures are its own. `--options` is a JSON
 * PoolOptions; `--relay-all <port>` puts that loopback TCP port behind every VM's console. Prints {"master", "ca", "users"} once every host listens, then takes JSON commands on stdin,
 * one per line, answering each with a JSON line carrying the same `id`:
 * - {"op": "vms", "power": "Halted", "limit": 5} → {"vms": [{name, uuid, power}]}
 * - {"op": "start" | "halt", "vm": "<uuid>"} → {"at": epoch ms when the VM's power_state changed}
 *   (a power change made from outside the gateway, as another client or the guest itself would).
 */
const { values } = parseArgs({
  options: { options: { type: 'string', default: '{}' }, 'relay-all': { type: 'string' } },
});
const options = JSON.parse(values.options!) as PoolOptions;
const relayAll = values['relay-all'] === undefined ? undefined : Number(values['relay-all']);
if (relayAll !== undefined && !(Number.isInteger(relayAll) && relayAll > 0 && relayAll < 65536)) {
  throw new Error(`--relay-all expects a TCP port, got "${values['relay-all']}"`);
}
const relay = (): RelayDisplay => new RelayDisplay({ host: '127.0.0.1', port: relayAll! });
const pool = await startPool(
  relayAll === undefined
    ? options
    : { ...options, displays: { textConsole: relay, desktop: relay, relay: (target) => new RelayDisplay(target) } },
);
process.stdout.write(`${JSON.stringify({ master: pool.master.url, ca: pool.caFile, users: pool.users })}\n`);

interface Command {
  id: number;
  op: 'vms' | 'start' | 'halt';
  vm?: string;
  power?: string;
  limit?: number;
}

async function powerChange(op: 'start' | 'halt', vm: string): Promise<number> {
  const { ref } = pool.vm(vm);
  const wanted = op === 'start' ? 'Running' : 'Halted';
  let at: number | undefined;
  let done = false;
  // Watch the record from the event loop's next turn on, so the moment of the change is known within a turn.
  const watch = (): void => {
    if (at !== undefined || done) return;
    if (pool.record('VM', ref).power_state === wanted) at = Date.now();
    else setImmediate(watch);
  };
  setImmediate(watch);
  await (op === 'start' ? pool.start(ref) : pool.halt(ref));
  done = true;
  return at ?? Date.now();
}

async function handle(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'vms': {
      const refs = pool.findRefs(
        'VM',
        (r) =>
          !r.is_a_template && !r.is_control_domain && (command.power === undefined || r.power_state === command.power),
      );
      return {
        vms: refs.slice(0, command.limit ?? 10).map((ref) => {
          const r = pool.record('VM', ref);
          return { name: r.name_label, uuid: r.uuid, power: r.power_state };
        }),
      };
    }
    case 'start':
    case 'halt':
      return { at: await powerChange(command.op, command.vm!) };
  }
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as Command;
  handle(command).then(
    (answer) => process.stdout.write(`${JSON.stringify({ id: command.id, ...(answer as object) })}\n`),
    (error: unknown) => process.stdout.write(`${JSON.stringify({ id: command.id, error: String(error) })}\n`),
  );
});

process.on('SIGTERM', () => {
  void pool.close().finally(() => {
    if (options.dataDir) fs.rmSync(options.dataDir, { recursive: true, force: true });
    process.exit(0);
  });
});
