import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import xmlrpcLib from 'xmlrpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./fixtures/xenapi_client.py', import.meta.url));

let pool: SimulatedPool;
beforeAll(async () => {
  pool = await startPool({ operationMs: 10, authFailureDelayMs: 10 });
});
afterAll(() => pool.close());

/** The `xmlrpc` npm package: an XML-RPC implementation that shares no code with the simulator. */
function npmCall(method: string, params: unknown[]): Promise<unknown> {
  const url = new URL(pool.master.url);
  const client = xmlrpcLib.createSecureClient({
    host: url.hostname,
    port: Number(url.port),
    path: '/',
    ca: pool.caPem,
  } as Parameters<typeof xmlrpcLib.createSecureClient>[0]);
  return new Promise((resolve, reject) =>
    client.methodCall(method, params, (error, value) => (error ? reject(error) : resolve(value))),
  );
}

async function npmOk(method: string, params: unknown[]): Promise<unknown> {
  const result = (await npmCall(method, params)) as { Status: string; Value?: unknown; ErrorDescription?: string[] };
  if (result.Status !== 'Success') throw new Error(`${method}: ${result.ErrorDescription?.join(' ')}`);
  return result.Value;
}

/** One run of the Python client (interpreter start-up through pyenv shims is slow, so it runs once). */
let pythonResult: Promise<Record<string, Record<string, unknown>>> | undefined;
function python(): Promise<Record<string, Record<string, unknown>>> {
  pythonResult ??= run('python3', [SCRIPT, `${pool.master.url}/`, pool.caFile, 'root', 'xenroot'], {
    timeout: 25_000,
  }).then(({ stdout }) => JSON.parse(stdout) as Record<string, Record<string, unknown>>);
  return pythonResult;
}

describe('the xmlrpc npm package decodes every value type the simulator writes', () => {
  it('strings, int64 as text, i4, booleans, doubles, datetimes, arrays, structs, nil and void', async () => {
    const session = (await npmOk('session.login_with_password', ['root', 'xenroot'])) as string;
    const [vm] = (await npmOk('VM.get_by_name_label', [session, 'Windows Server 2022'])) as string[];
    const record = (await npmOk('VM.get_record', [session, vm])) as Record<string, unknown>;
    expect(record.name_label).toBe('Windows Server 2022');
    expect(record.memory_static_max).toBe(String(8 * 1024 ** 3));
    expect(record.is_a_template).toBe(false);
    expect(Array.isArray(record.consoles)).toBe(true);
    expect(record.other_config).toMatchObject({ auto_poweron: 'true' });
    const metrics = (await npmOk('VM_metrics.get_record', [session, record.metrics])) as Record<string, unknown>;
    expect(metrics.start_time).toBeInstanceOf(Date);
    expect(Math.abs((metrics.start_time as Date).getTime() - Date.now())).toBeLessThan(3_600_000);
    const events = (await npmOk('event.from', [session, ['pool'], '', 0])) as Record<string, unknown>;
    expect(typeof (events.valid_ref_counts as Record<string, unknown>).vm).toBe('number');
    const tasks = (await npmOk('task.get_all_records', [session])) as Record<string, Record<string, unknown>>;
    expect(Object.values(tasks)[0]!.progress).toBe(1);
    expect(await npmOk('system.isAlive:nil', [null])).toBeNull();
    expect(await npmOk('VM.add_to_other_config', [session, vm, 'npm_probe', '1'])).toBe('');
    await npmOk('VM.remove_from_other_config', [session, vm, 'npm_probe']);
    const methods = await npmCall('system.listMethods', []);
    expect(methods).toContain('session.login_with_password');
  });

  it('reads failures as ErrorDescription arrays', async () => {
    const result = await npmCall('VM.get_all', ['OpaqueRef:expired']);
    expect(result).toEqual({ Status: 'Failure', ErrorDescription: ['SESSION_INVALID', 'OpaqueRef:expired'] });
  });
});

describe("Python's xmlrpc.client, driven the way XenAPI.py drives it", () => {
  it('decodes every value type the simulator writes', async () => {
    const { types } = await python();
    expect(types).toEqual({
      string: ['str', 'Windows Server 2022'],
      int64: ['str', String(8 * 1024 ** 3)],
      i4: ['int', expect.any(Number)],
      boolean: ['bool', false],
      double: ['float', 1],
      dateTime: ['DateTime', expect.stringMatching(/^\d{8}T\d{2}:\d{2}:\d{2}Z$/)],
      array: ['list', 1],
      struct: ['dict', expect.arrayContaining(['auto_poweron'])],
      nil: ['NoneType', null],
      void: ['str', ''],
    });
  });

  it('logs in, lists VMs, reads consoles, edits other_config and gets MAP_DUPLICATE_KEY', async () => {
    const result = (await python()).walkthrough!;
    const vm = pool.vm(result.vm as string).record;
    expect(result.vm_count).toBe(pool.findRefs('VM', (r) => !r.is_a_template && !r.is_control_domain).length);
    expect(vm.power_state).toBe('Running');
    const consoles = result.consoles as { protocol: string; location: string; VM: string }[];
    expect(consoles.length).toBeGreaterThan(0);
    const host = pool.hosts.find((h) => h.ref === vm.resident_on)!;
    for (const console of consoles) {
      expect(console.VM).toBe(result.vm);
      expect(console.location).toMatch(new RegExp(`^${host.url.replace(/\./g, '\\.')}/console\\?uuid=[0-9a-f-]{36}$`));
    }
    expect(consoles.map((c) => c.protocol)).toContain('rfb');
    expect(result.added).toBe('hello');
    expect(result.duplicate).toEqual(['MAP_DUPLICATE_KEY', 'VM', 'other_config', result.vm, 'xenapi_client']);
    expect(result.removed).toBe(true);
  });
});
