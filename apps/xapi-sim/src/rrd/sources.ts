import type { Database, Row } from '../db/database.ts';
import type { RunLog } from './run-log.ts';
import { activity, clamp, jitter, seedOf, unit } from './signals.ts';

/**
 * The data sources of one VM's or host's RRD (xapi's names, xapi-rrd.md) and their values for any row: a row at
 * time `t` with step `step` stands for the slot (t - step, t].
 */

export interface Column {
  readonly name: string;
  /** Writes the value of each row into `out` (NaN where xapi has none). */
  fill(frame: Frame, out: Float64Array): void;
}

export interface RrdObject {
  readonly cls: 'vm' | 'host';
  readonly uuid: string;
  readonly columns: readonly Column[];
}

const KiB = 1024;
/** A slot in which a VM ran for less than this share has no value (rrdtool's xff of 0.5). */
const XFF = 0.5;

/** The rows of one reply (Unix seconds) and what is computed once per VM for them. */
export class Frame {
  readonly #computed = new Map<string, Float64Array>();

  constructor(
    readonly times: readonly number[],
    readonly step: number,
    private readonly runs: RunLog,
  ) {}

  /** The VM's activity per row, NaN where it did not run. */
  activityOf(vm: string, seed: number): Float64Array {
    return this.once(vm, () =>
      Float64Array.from(this.times, (t) =>
        this.runs.coverage(vm, (t - this.step) * 1000, t * 1000) >= XFF ? activity(seed, t, this.step) : NaN,
      ),
    );
  }

  /** Computes a per-row vector once per reply, whichever columns read it. */
  once(key: string, compute: () => Float64Array): Float64Array {
    let values = this.#computed.get(key);
    if (!values) this.#computed.set(key, (values = compute()));
    return values;
  }
}

/** A column whose value is a function of the row's activity (NaN stays NaN) and time. */
function derived(
  name: string,
  source: (frame: Frame) => Float64Array,
  value: (a: number, t: number, step: number) => number,
): Column {
  return {
    name,
    fill(frame, out) {
      const a = source(frame);
      frame.times.forEach((t, i) => (out[i] = Number.isNaN(a[i]!) ? NaN : value(a[i]!, t, frame.step)));
    },
  };
}

/** Traffic in bytes/s for an activity: each interface or disk has its own peak rate. */
const traffic = (seed: number, peak: number) => (a: number, t: number, step: number) =>
  Math.max(0, a * peak * (0.5 + unit(seed, 7)) * (1 + 0.25 * jitter(seed, t, step)));

const number = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;

function vcpusOf(db: Database, vm: Row): number {
  const metrics = db.get('VM_metrics', vm.metrics as string);
  return Math.max(1, Math.min(64, number(metrics?.VCPUs_number, number(vm.VCPUs_at_startup, 1))));
}

function memoryOf(db: Database, vm: Row): number {
  const metrics = db.get('VM_metrics', vm.metrics as string);
  return number(metrics?.memory_actual, number(vm.memory_dynamic_max, 0));
}

/** Whether a guest agent reports memory from inside the guest (it does once its PV drivers are up). */
function hasGuestAgent(db: Database, vm: Row): boolean {
  const metrics = db.get('VM_guest_metrics', vm.guest_metrics as string);
  return Object.keys((metrics?.PV_drivers_version as Record<string, string> | undefined) ?? {}).length > 0;
}

/** `xvda` for a plugged disk; the name it had when the VM ran for one that is not plugged now. */
const diskName = (vbd: Row): string =>
  (vbd.device as string) || `xvd${String.fromCharCode(97 + Math.min(25, Number(vbd.userdevice) || 0))}`;

export function vmObject(db: Database, ref: string): RrdObject {
  const vm = db.require('VM', ref);
  const uuid = vm.uuid as string;
  const seed = seedOf(uuid);
  const load = (frame: Frame): Float64Array => frame.activityOf(ref, seed);
  const memory = memoryOf(db, vm);
  const columns: Column[] = [];
  for (let i = 0; i < vcpusOf(db, vm); i++) {
    const own = seedOf(`${uuid}/cpu${i}`);
    // The first vCPUs carry more of the guest's work, as schedulers fill them first.
    columns.push(
      derived(`cpu${i}`, load, (a, t, step) => clamp(a * (1 - 0.08 * i) * (1 + 0.2 * jitter(own, t, step)), 0, 1)),
    );
  }
  columns.push(derived('memory', load, () => memory));
  const agent = hasGuestAgent(db, vm);
  columns.push(
    derived('memory_internal_free', load, (a, t, step) =>
      agent ? (memory / KiB) * clamp(0.7 - 0.45 * a + 0.03 * jitter(seed, t, step), 0.05, 0.95) : NaN,
    ),
  );
  for (const vif of (db.value('VM', ref, 'VIFs') as string[]).map((r) => db.get('VIF', r)).filter((r) => !!r)) {
    const device = vif.device as string;
    const own = seedOf(`${uuid}/vif${device}`);
    columns.push(derived(`vif_${device}_rx`, load, traffic(own, 4_000_000)));
    columns.push(derived(`vif_${device}_tx`, load, traffic(own ^ 1, 1_500_000)));
  }
  for (const vbd of (db.value('VM', ref, 'VBDs') as string[]).map((r) => db.get('VBD', r)).filter((r) => !!r)) {
    if (vbd.type !== 'Disk' || vbd.empty) continue;
    const device = diskName(vbd);
    const own = seedOf(`${uuid}/vbd${device}`);
    columns.push(derived(`vbd_${device}_read`, load, traffic(own, 6_000_000)));
    columns.push(derived(`vbd_${device}_write`, load, traffic(own ^ 1, 2_500_000)));
  }
  return { cls: 'vm', uuid, columns };
}

/** The host's own RRD: its CPUs follow the work of the VMs resident on it, its NICs their traffic. */
export function hostObject(db: Database, ref: string): RrdObject {
  const host = db.require('host', ref);
  const uuid = host.uuid as string;
  const cpus = Math.max(1, Math.min(512, Number((host.cpu_info as Record<string, string>).cpu_count) || 16));
  const residents = (db.value('host', ref, 'resident_VMs') as string[])
    .map((vm) => ({ ref: vm, row: db.get('VM', vm) }))
    .filter((vm): vm is { ref: string; row: Row } => !!vm.row);
  const metrics = db.get('host_metrics', host.metrics as string);
  const total = number(metrics?.memory_total, 64 * KiB ** 3);
  const used = residents.reduce((sum, vm) => sum + memoryOf(db, vm.row), 0);
  const live = metrics?.live !== false;
  /** Busy vCPUs per row, summed over the residents. */
  const busy = (frame: Frame): Float64Array =>
    frame.once(ref, () => {
      const sum = new Float64Array(frame.times.length).fill(live ? 0 : NaN);
      for (const vm of residents) {
        const a = frame.activityOf(vm.ref, seedOf(vm.row.uuid as string));
        const vcpus = vcpusOf(db, vm.row);
        for (let i = 0; i < sum.length; i++) if (!Number.isNaN(a[i]!)) sum[i]! += a[i]! * vcpus;
      }
      return sum;
    });
  const columns: Column[] = [];
  const cpu = (i: number, a: number, t: number, step: number): number =>
    clamp(
      0.02 +
        (a / cpus) * (0.8 + 0.4 * unit(seedOf(`${uuid}/cpu${i}`), 1)) +
        0.01 * jitter(seedOf(`${uuid}/cpu${i}`), t, step),
      0,
      1,
    );
  for (let i = 0; i < cpus; i++) columns.push(derived(`cpu${i}`, busy, (a, t, step) => cpu(i, a, t, step)));
  columns.push(
    derived('cpu_avg', busy, (a, t, step) => {
      let sum = 0;
      for (let i = 0; i < cpus; i++) sum += cpu(i, a, t, step);
      return sum / cpus;
    }),
  );
  columns.push(derived('memory_total_kib', busy, () => total / KiB));
  columns.push(
    derived(
      'memory_free_kib',
      busy,
      (_a, t, step) => Math.max(0, total - used) / KiB - 2048 * (1 + jitter(seedOf(uuid), t, step)),
    ),
  );
  columns.push(derived('loadavg', busy, (a) => 0.1 + 0.9 * a));
  for (const pif of (db.value('host', ref, 'PIFs') as string[]).map((r) => db.get('PIF', r)).filter((r) => !!r)) {
    if (!pif.physical) continue;
    const device = pif.device as string;
    const own = seedOf(`${uuid}/pif${device}`);
    columns.push(
      derived(`pif_${device}_rx`, busy, (a, t, step) => 20_000 + traffic(own, 8_000_000)(a / cpus, t, step)),
    );
    columns.push(
      derived(`pif_${device}_tx`, busy, (a, t, step) => 10_000 + traffic(own ^ 1, 3_000_000)(a / cpus, t, step)),
    );
  }
  columns.push(
    derived('xapi_memory_usage_kib', busy, (_a, t) => 240 * KiB * (1 + 0.05 * Math.sin((2 * Math.PI * t) / 3600))),
  );
  return { cls: 'host', uuid, columns };
}
