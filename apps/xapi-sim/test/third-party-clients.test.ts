import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import xmlrpcLib from 'xmlrpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPool, type SimulatedPool } from '../src/index.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./fixtures/xenapi_client.py', import.meta.url));
const XEN_API = fileURLToPath(new URL('./fixtures/xen-api-client.mjs', import.meta.url));

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

describe("Python's xmlrpc.client walks the whole data model", () => {
  interface ClassReport {
    records?: number;
    fields?: number;
    filtered?: number;
    mismatched?: string[];
    removed?: string[] | true;
    unfound?: string[];
  }

  it('reads every field of every class through its getter, and finds each record by each scalar field', async () => {
    const { model } = (await python()) as unknown as { model: { classes: Record<string, ClassReport> } };
    const classes = model.classes;
    // xen-api and XenAPI.py find the classes the same way: every `<class>.get_all_records` the pool lists.
    expect(Object.keys(classes)).toEqual(expect.arrayContaining(['VM', 'host', 'pool', 'message', 'Bond', 'VLAN']));
    for (const [cls, report] of Object.entries(classes)) {
      if (!report.records) continue;
      expect(report.mismatched, cls).toEqual([]);
      expect(report.unfound, cls).toEqual([]);
    }
    expect(classes.VM).toMatchObject({ fields: 92, removed: ['is_snapshot_from_vmpp'] });
    expect(classes.host).toMatchObject({ fields: 80 });
    expect(classes.pool).toMatchObject({ fields: 66 });
    expect(classes.PIF).toMatchObject({ fields: 35 });
    expect(classes.VIF).toMatchObject({ fields: 28 });
    for (const cls of ['host_cpu', 'PIF_metrics', 'pool_update', 'pool_patch', 'blob', 'secret', 'message']) {
      expect(classes[cls]!.records, cls).toBeGreaterThan(0);
    }
    expect(classes.VMPP).toEqual({ removed: true });
  });

  it('gets the server time, its own session, tasks it creates and destroys, and the pool messages', async () => {
    const { model } = (await python()) as unknown as {
      model: { servertime: [string, string]; session: string; task: [string, string, boolean]; messages: string[] };
    };
    expect(model.servertime).toEqual(['DateTime', expect.stringMatching(/^\d{8}T\d{2}:\d{2}:\d{2}Z$/)]);
    expect(model.session).toBe('root');
    expect(model.task).toEqual(['python probe', 'pending', false]);
    expect(model.messages).toEqual(['HA_HOST_FAILED', 'HA_POOL_OVERCOMMITTED', 'VM_CRASHED']);
  });
});

describe("Vates' xen-api client, unmodified", () => {
  /** One run of the client in its own process, trusting the pool's CA through NODE_EXTRA_CA_CERTS. */
  const xenApi = async (transport: 'json-rpc' | 'xml-rpc'): Promise<Record<string, unknown>> => {
    const { stdout } = await run('node', [XEN_API, pool.master.url, 'root', 'xenroot', transport], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: pool.caFile },
      timeout: 60_000,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  };

  it.each(['json-rpc', 'xml-rpc'] as const)(
    'over %s: connects, loads every object, follows events, destroys the tasks it waited on',
    async (transport) => {
      const result = await xenApi(transport);
      expect(result.error).toBeUndefined();
      const counts = result.counts as Record<string, number>;
      expect(counts.VM).toBe(pool.findRefs('VM').length);
      expect(counts.host_cpu).toBe(pool.findRefs('host_cpu').length);
      expect(counts.message).toBe(3);
      expect(result.vmFields).toHaveLength(92);
      expect(result.vmFields).toEqual(expect.arrayContaining(['blocked_operations', 'actions_after_crash', 'NVRAM']));
      expect(result.messages).toEqual(['HA_HOST_FAILED', 'HA_POOL_OVERCOMMITTED', 'VM_CRASHED']);
      expect(result.eventSeen).toBe(true);
      expect(result).toMatchObject({ started: '', powerState: 'Running', tasksLeft: 0 });
      const vm = pool.vm('Windows 10 desktop').ref;
      expect(result.failure).toEqual({ code: 'VM_BAD_POWER_STATE', params: [vm, 'halted', 'running'] });
      expect(result).toMatchObject({ createdTask: 'xen-api probe', createdTaskGone: true, barrier: true });
      expect(pool.vm(vm).record.power_state).toBe('Halted');
    },
  );
});
